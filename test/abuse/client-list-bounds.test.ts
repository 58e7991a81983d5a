/**
 * Issue 10, finding 11: KEYLIST and CLIENTLIST replies have bounds. A hostile
 * server (scripted: a real one never sends an endless list) streams a list
 * that does not end; the request rejects with ReplyTooLargeError at the
 * bound, the rest of the block is read and discarded, and the replies after
 * it still match. A request that timed out stops collecting. Asserted
 * through the client's accounting (`stats().listReplyBytes`).
 */
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createClient, ReplyTooLargeError, TimeoutError, type ClientOptions } from '../../src/index.js';
import { startScriptedServer, useScriptedScene, type ScriptedServer } from '../helpers/scripted-server.js';
import { FAST } from '../helpers/faults.js';
import { waitFor } from '../helpers/wait.js';

const scene = useScriptedScene();

/** A list block that goes on until `end()`: entries written in chunks, with backpressure. */
class EndlessBlock {
  sent = 0;
  private ending = false;
  readonly done: Promise<void>;

  /** Stops writing entries after this many, until raised. */
  constructor(socket: net.Socket, start: string, entry: (index: number) => string, endLine: string, public pauseAfter = Number.POSITIVE_INFINITY) {
    this.done = (async () => {
      socket.write(start);
      while (!this.ending) {
        if (this.sent >= this.pauseAfter) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          continue;
        }
        let chunk = '';
        for (let i = 0; i < 500; i++) chunk += entry(this.sent++);
        if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
        else await new Promise((resolve) => setImmediate(resolve));
      }
      socket.write(endLine);
    })();
  }

  /** Sends the block's END after what has been written so far. */
  end(): Promise<void> {
    this.ending = true;
    return this.done;
  }

}

/**
 * A server whose KEYLIST and CLIENTLIST never end by themselves; RETRIEVE
 * and FLUSH are answered in order, after the list.
 */
async function hostileServer(options: { pauseAfter?: number } = {}): Promise<{ block: () => EndlessBlock | undefined }> {
  let block: EndlessBlock | undefined;
  const after = (socket: net.Socket, line: string) => void (block?.done ?? Promise.resolve()).then(() => socket.write(line));
  scene.scripted = await startScriptedServer({
    onLine: (line, socket) => {
      if (line === 'KEYLIST') block = new EndlessBlock(socket, 'KEYLISTSTART\r\n', (i) => `KEY key::${i}::${'k'.repeat(40)}\r\n`, 'KEYLISTEND\r\n', options.pauseAfter);
      else if (line === 'CLIENTLIST') block = new EndlessBlock(socket, 'CLIENTLISTSTART\r\n', (i) => `CLIENT CID=10.0.0.1:${i}:1;HOST=10.0.0.1;CLIENTINFO=flood;\r\n`, 'CLIENTLISTEND\r\n');
      else if (line.startsWith('RETRIEVE ')) after(socket, `RETRIEVED ${line.slice(9)}=still in step\r\n`);
      else if (line.startsWith('FLUSH ')) after(socket, `FLUSHED ${line.slice(6)}\r\n`);
    },
  });
  return { block: () => block };
}

const connect = (options: ClientOptions = {}) => createClient({ path: (scene.scripted as ScriptedServer).path, username: 'u', password: 'p', ...FAST, liveness: false, ...options });

describe('a list reply that never ends', () => {
  it('KEYLIST: rejects with ReplyTooLargeError at maxListEntries; the rest is discarded and the connection stays in step', { timeout: 20_000 }, async () => {
    const server = await hostileServer();
    const client = (scene.client = await connect({ maxListEntries: 10_000 }));
    const unsolicited = client.events({ types: ['unsolicited'] });
    const error = await client.keylist().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReplyTooLargeError);
    expect(error).toMatchObject({ code: 'REPLY_TOO_LARGE', limit: 'entries', bound: 10_000 });
    expect(client.stats().listReplyBytes).toBe(0);

    // The server goes on; the client reads and drops it, holding nothing.
    const rejectedAt = server.block()?.sent ?? 0;
    await waitFor(() => (server.block()?.sent ?? 0) > rejectedAt + 50_000, 15_000, 'the server to send 50,000 more keys');
    expect(client.stats().listReplyBytes).toBe(0);
    await server.block()?.end();
    expect(await client.retrieve('after')).toBe('still in step');
    expect(unsolicited.buffered).toBe(0); // every KEY line was consumed as part of the block
    expect(client.state).toBe('ready');
  });

  it('KEYLIST: maxListBytes bounds the bytes too', { timeout: 20_000 }, async () => {
    const server = await hostileServer();
    const client = (scene.client = await connect({ maxListBytes: 64 * 1024 }));
    const error = await client.keylist().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'REPLY_TOO_LARGE', limit: 'bytes', bound: 64 * 1024 });
    await server.block()?.end();
    expect(await client.retrieve('after')).toBe('still in step');
  });

  it('CLIENTLIST: bounded the same way', { timeout: 20_000 }, async () => {
    const server = await hostileServer();
    const client = (scene.client = await connect({ maxListEntries: 2_000 }));
    const error = await client.clientlist().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'REPLY_TOO_LARGE', limit: 'entries', bound: 2_000 });
    expect(client.stats().listReplyBytes).toBe(0);
    await server.block()?.end();
    expect(await client.retrieve('after')).toBe('still in step');
  });

  it('the default bound (1,000,000 entries) holds against a list that never ends', { timeout: 60_000 }, async () => {
    const server = await hostileServer();
    const client = (scene.client = await connect({ timeouts: { request: 55_000 } }));
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, client?.stats().listReplyBytes ?? 0)), 20);
    const error = await client.keylist().catch((caught: unknown) => caught);
    clearInterval(sampler);
    expect(error).toMatchObject({ code: 'REPLY_TOO_LARGE', limit: 'entries', bound: 1_000_000 });
    expect(peak).toBeLessThanOrEqual(64 * 1024 * 1024);
    await server.block()?.end();
    expect(await client.retrieve('after')).toBe('still in step');
  });
});

describe('a list request that timed out', () => {
  it('stops collecting, still consumes its block, and the replies after it match', { timeout: 20_000 }, async () => {
    const server = await hostileServer({ pauseAfter: 1000 });
    const client = (scene.client = await connect());
    const unsolicited = client.events({ types: ['unsolicited'] });
    const pending = client.keylist({ timeout: 300 });
    await waitFor(() => (client?.stats().listReplyBytes ?? 0) > 0, 10_000, 'the first keys to be collected');
    await expect(pending).rejects.toBeInstanceOf(TimeoutError);
    expect(client.stats().listReplyBytes).toBe(0);

    // The block goes on after the timeout: read and discarded, not collected.
    const block = server.block() as EndlessBlock;
    block.pauseAfter = Number.POSITIVE_INFINITY;
    await waitFor(() => block.sent > 20_000, 15_000, 'the server to send the rest of the block');
    expect(client.stats().listReplyBytes).toBe(0);
    await block.end();
    expect(await client.retrieve('after')).toBe('still in step');
    expect(unsolicited.buffered).toBe(0);
  });
});
