/**
 * Fault: a consumer that stops reading while 100,000 SETs (about 100 MB)
 * arrive. Every iterator must stay at its buffer size and apply its policy;
 * memory must not follow the flood. No timing assertions.
 */
import type net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, SlowConsumerError, type ClacksClient } from '../../../src/index.js';
import { startScriptedServer, type ScriptedServer } from '../../helpers/scripted-server.js';
import { FAST } from '../../helpers/faults.js';

const FLOOD = 100_000;
const VALUE = 'v'.repeat(1000);
const BUFFER = 1000;

/** A real garbage collection, so heap numbers mean something. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Writes `count` SET lines, respecting backpressure, then resolves. */
async function flood(socket: net.Socket, count: number): Promise<void> {
  const perChunk = 500;
  for (let sent = 0; sent < count; sent += perChunk) {
    let chunk = '';
    for (let i = sent; i < Math.min(count, sent + perChunk); i++) chunk += `SET flood=${i}:${VALUE}\r\n`;
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
}

let scripted: ScriptedServer | undefined;
let client: ClacksClient | undefined;
afterEach(async () => {
  client?.destroy();
  client = undefined;
  await scripted?.close();
  scripted = undefined;
});

describe('a consumer that stops reading during a flood of 100,000 SETs', () => {
  it('keeps every buffer at its size: drop-oldest counts drops, error throws SlowConsumerError; heap stays bounded', async () => {
    let flooding: Promise<void> = Promise.resolve();
    scripted = await startScriptedServer({
      onLine: (line, socket) => {
        if (line === 'LISTEN flood') flooding = flood(socket, FLOOD);
        // FLUSHED after the flood: once it arrives, every SET has been read.
        if (line.startsWith('FLUSH ')) void flooding.then(() => socket.write(`FLUSHED ${line.slice(6)}\r\n`));
      },
    });
    client = await createClient({ path: scripted.path, username: 'u', password: 'p', ...FAST, liveness: false });
    const before = heapUsed();

    const dropping = client.events({ types: ['set'], bufferSize: BUFFER, overflow: 'drop-oldest' });
    const failing = client.events({ types: ['set'], bufferSize: BUFFER, overflow: 'error' });
    const subscription = client.subscribe('flood', { bufferSize: BUFFER });
    await subscription.ready;
    await client.flush({ timeout: 120_000 });

    const growth = heapUsed() - before;
    console.info(`[fault] ${FLOOD} SETs of ${VALUE.length} bytes into unread iterators: heap grew ${(growth / 1024 / 1024).toFixed(1)} MB`);
    expect(growth).toBeLessThan(50 * 1024 * 1024);

    // drop-oldest: the newest BUFFER events are kept, the rest counted.
    const droppingQueue = dropping as unknown as { buffered: number; dropped: number };
    expect(droppingQueue.buffered).toBe(BUFFER);
    expect(droppingQueue.dropped).toBe(FLOOD - BUFFER);
    expect(subscription.dropped).toBe(FLOOD - BUFFER);
    const first = await dropping.next();
    expect(first.value).toMatchObject({ type: 'set', name: 'flood', value: `${FLOOD - BUFFER}:${VALUE}` });

    // error: what was buffered is still delivered, then the iterator throws.
    let delivered = 0;
    const failure = await (async () => {
      try {
        for await (const event of failing) {
          expect(event).toMatchObject({ type: 'set', value: `${delivered}:${VALUE}` });
          delivered++;
        }
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(delivered).toBe(BUFFER);
    expect(failure).toBeInstanceOf(SlowConsumerError);

    // The client itself is fine and keeps working.
    expect(client.state).toBe('ready');
    await client.flush();
    await client.close();
  });
});
