/**
 * Issue 10, finding 2: the line reader kept every chunk of an unfinished
 * line as its own Buffer, about 105 bytes of heap per byte for a peer that
 * sends one byte at a time. Scaled down: 40 logged-in peers (a user without
 * permissions) dribble an endless line a byte per write; the server's
 * retained memory grows by about the bytes held, and its accounting says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, stopTestServers, waitUntil } from '../helpers/server.js';
import { ABUSE_USERS, NOBODY, retainedBytes } from './helpers.js';

describe('abuse: one byte at a time (finding 2)', () => {
  afterEach(stopTestServers);

  it('holds an unfinished line sent in 1-byte chunks in O(bytes) memory', async () => {
    const { connectUnix, server } = await startTestServer({ users: ABUSE_USERS });
    const peers = await Promise.all(Array.from({ length: 40 }, () => connectUnix()));
    for (const peer of peers) await peer.login(NOBODY);
    for (const peer of peers) peer.write('NOPING\r\nSTORE dribble=');
    await waitUntil(() => server.usage().input.bytes === 40 * 'STORE dribble='.length, 'the line starts');
    const before = retainedBytes();
    const byte = Buffer.from('x');
    const perPeer = 2_500;
    // One byte per write, and a turn of the event loop (the server runs in this
    // process) between rounds, so the server reads one byte per chunk.
    for (let round = 0; round < perPeer; round++) {
      for (const peer of peers) peer.socket.write(byte);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const held = 40 * (perPeer + 'STORE dribble='.length);
    await waitUntil(() => server.usage().input.bytes === held, `the server to hold ${held} bytes`, 30_000);
    const growth = retainedBytes() - before;
    // The old reader: ~105 bytes per byte (about 10 MB here). Now: the bytes, up to 1.5 times.
    expect(growth).toBeLessThan(held * 8);
    for (const client of server.usage().clients) expect(client.inputBytes).toBe(perPeer + 'STORE dribble='.length);
    expect(peers.every((peer) => !peer.closed)).toBe(true);
  });
});
