/**
 * Fault: a server that sends junk. A scripted peer answers every RETRIEVE
 * correctly but surrounds the answer with random and malformed lines
 * (garbage bytes, truncated replies, RETRIEVED for names nobody asked for,
 * KEY outside a list, FLUSHED with unknown ids, spurious permission
 * denials…), split at random points. Once, it sends a line over the client's
 * maxLineLength: a protocol violation that must end in a reconnect.
 * A seeded PRNG makes every run the same; set FUZZ_SEED to try others.
 */
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionLostError, createClient, LineTooLongError, type ClacksClient } from '../../../src/index.js';
import type { StatusEvent } from '../../../src/events/types.js';
import { startScriptedServer, type ScriptedServer } from '../../helpers/scripted-server.js';
import { FAST } from '../../helpers/faults.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0xc1ac5);
const MAX_LINE = 4096;
const NAMES = 300;
const RETRIEVES = 2500;
const CONCURRENCY = 50;

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fixed width, so that no truncation of one name is another name. */
const nameOf = (i: number): string => `fz-${String(i).padStart(5, '0')}`;
/** The true value of a name; every 7th does not exist. */
const valueOf = (name: string): string | undefined => (Number(name.slice(3)) % 7 === 0 ? undefined : `value of ${name} = ü${name.length}`);
const answerOf = (name: string): string => {
  const value = valueOf(name);
  return value === undefined ? `NOTRETRIEVED ${name}\r\n` : `RETRIEVED ${name}=${value}\r\n`;
};

function makeGarbage(random: () => number): () => string {
  const int = (n: number): number => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const word = (): string => `x${int(1e9).toString(36)}`;
  const randomBytes = (): string => {
    const bytes = Buffer.alloc(int(200));
    for (let i = 0; i < bytes.length; i++) {
      let byte = int(256);
      if (byte === 0x0a) byte = 0x0b; // one line per garbage line
      bytes[i] = byte;
    }
    return bytes.toString('latin1');
  };
  const truncatedReply = (): string => {
    const full = answerOf(nameOf(int(NAMES))).trimEnd();
    // Cut before the name is complete: a truncation must not be a valid answer.
    const nameStart = full.indexOf(' ') + 1;
    return full.slice(0, nameStart + int(8));
  };
  const kinds: Array<() => string> = [
    randomBytes,
    randomBytes,
    truncatedReply,
    () => pick(['RETRIEVED', 'RETRIEV', 'NOTRETRIEVED', 'RETRIEVED ', 'KEYLISTST', 'FLUSHED', 'CLIENT', 'OVERHEAD', 'SET', 'DEBUG', 'NOTIF']),
    () => `RETRIEVED other-${word()}=${word()}`,
    () => `NOTRETRIEVED other-${word()}`,
    () => `RETRIEVED =${word()}`,
    () => `KEY ${word()}`,
    () => pick(['KEYLISTEND', 'CLIENTLISTEND', 'KEYLISTSTART', 'CLIENTLISTSTART']),
    () => `CLIENT CID=${word()};HOST=x;`,
    () => `FLUSHED ${word()}`,
    () => pick(['OVERHEAD E permission_denied', `OVERHEAD E unknown_command ${word()}`, 'OVERHEAD F Login failed!', 'OVERHEAD GN Terry Pratchett', 'OVERHEAD']),
    () => `SET ${word()}=${word()}`,
    () => `NOTIFY ${word()}`,
    () => `DEBUG ${word()}=${word()}`,
    () => pick(['NOP', 'PING', 'CLACKS PageCamel 99', '', '\r', '\r\r', '   ', 'ÿþ€\u0000']),
  ];
  return () => pick(kinds)();
}

let scripted: ScriptedServer | undefined;
let client: ClacksClient | undefined;
afterEach(async () => {
  client?.destroy();
  client = undefined;
  await scripted?.close();
  scripted = undefined;
});

describe(`a server sending random and malformed lines (seed ${SEED})`, () => {
  it('does not crash the client or corrupt request matching; a line over maxLineLength makes it reconnect', async () => {
    const random = prng(SEED);
    const garbage = makeGarbage(random);
    let garbageLines = 0;
    let answered = 0;
    let hugeSent = false;
    // Writes per socket stay in order while pieces go out on separate turns.
    const chains = new WeakMap<net.Socket, Promise<void>>();
    // Cut at random byte offsets: inside lines, inside CRLF, inside UTF-8 characters.
    const send = (socket: net.Socket, ...parts: Buffer[]): void => {
      const pieces: Buffer[] = [];
      let rest = Buffer.concat(parts);
      while (rest.length > 0) {
        const cut = 1 + Math.floor(random() * Math.max(1, rest.length));
        pieces.push(rest.subarray(0, cut));
        rest = rest.subarray(cut);
        if (random() < 0.5) break;
      }
      if (rest.length > 0) pieces.push(rest);
      let chain = chains.get(socket) ?? Promise.resolve();
      for (const piece of pieces) {
        chain = chain.then(
          () =>
            new Promise<void>((resolve) => {
              if (!socket.destroyed) socket.write(piece);
              setImmediate(resolve);
            }),
        );
      }
      chains.set(socket, chain);
    };
    // Junk lines are raw bytes (latin1 maps one char to one byte); answers are UTF-8.
    const junk = (): Buffer => {
      let text = '';
      const count = Math.floor(random() * 9);
      for (let i = 0; i < count; i++) text += `${garbage()}\r\n`;
      garbageLines += count;
      return Buffer.from(text, 'latin1');
    };
    const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

    scripted = await startScriptedServer({
      onLine: (line, socket) => {
        if (line.startsWith('FLUSH ')) return send(socket, junk(), utf8(`FLUSHED ${line.slice(6)}\r\n`));
        if (!line.startsWith('RETRIEVE ')) return;
        const name = line.slice('RETRIEVE '.length);
        answered++;
        if (!hugeSent && answered === Math.floor(RETRIEVES / 2)) {
          // A protocol violation: more than maxLineLength bytes without a line feed.
          hugeSent = true;
          send(socket, junk(), utf8(`RETRIEVED ${name}=${'h'.repeat(MAX_LINE * 2)}\r\n`));
          return;
        }
        send(socket, junk(), utf8(answerOf(name)), junk());
      },
    });

    client = await createClient({ path: scripted.path, username: 'u', password: 'p', ...FAST, maxLineLength: MAX_LINE });
    const status: StatusEvent[] = [];
    client.on('status', (event) => status.push(event));
    const errors: unknown[] = [];
    client.on('error', (error) => errors.push(error));
    const allEvents = client.events({ bufferSize: 10 });

    const names = Array.from({ length: RETRIEVES }, () => nameOf(Math.floor(random() * NAMES)));
    const wrong: Array<{ name: string; got: unknown }> = [];
    let next = 0;
    const flushes = { ok: 0, lost: 0 };
    const worker = async (): Promise<void> => {
      while (next < names.length) {
        const index = next++;
        // A barrier now and then: FLUSHED must find its own FLUSH among the junk.
        // One in flight at the protocol violation rejects with ConnectionLostError, as documented.
        if (index % 50 === 0) {
          await client!.flush({ timeout: 20_000 }).then(
            () => flushes.ok++,
            (error: unknown) => {
              if (!(error instanceof ConnectionLostError)) throw error;
              flushes.lost++;
            },
          );
        }
        const name = names[index] as string;
        const got = await client!.retrieve(name, { timeout: 20_000 });
        if (got !== valueOf(name)) wrong.push({ name, got });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect(wrong).toEqual([]);
    expect(flushes.ok + flushes.lost).toBe(RETRIEVES / 50);
    expect(flushes.lost).toBeLessThanOrEqual(1);
    expect(garbageLines).toBeGreaterThanOrEqual(10_000);
    expect(hugeSent).toBe(true);
    // Exactly one loss, caused by the over-long line, and one reconnect.
    const losses = status.filter((event) => event.type === 'disconnected');
    expect(losses).toHaveLength(1);
    expect((losses[0] as Extract<StatusEvent, { type: 'disconnected' }>).reason).toBeInstanceOf(LineTooLongError);
    expect(status.filter((event) => event.type === 'reconnected')).toHaveLength(1);
    expect(scripted.connections).toBe(2);
    expect(client.state).toBe('ready');
    // The junk surfaced as events and reported errors, not as exceptions.
    expect(errors.length).toBeGreaterThan(0);
    expect((allEvents as unknown as { dropped: number }).dropped).toBeGreaterThan(0);
    console.info(`[fault] seed ${SEED}: ${RETRIEVES} retrieves matched among ${garbageLines} junk lines, ${errors.length} server errors reported`);
    await client.close();
  });
});
