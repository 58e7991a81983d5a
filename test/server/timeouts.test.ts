/**
 * Transcript 09: auth timeout, ping timeout, PING keeping a client alive,
 * NOPING, NOP after a quiet spell, QUIT on shutdown. The reference ran with
 * 5 s timeouts; these run with a few hundred milliseconds where a timeout is
 * what the test waits for, and with seconds where it must not fire (the
 * test process shares its event loop with the server: a loaded machine that
 * stalls it for a second fires the server's sweep before the bytes waiting in
 * the socket are read), and compare the received bytes with the recorded
 * streams.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH, sleep, startTestServer, stopTestServers } from '../helpers/server.js';
import { normalise } from './replay.js';

const recorded = (connection: string) =>
  normalise(readFileSync(fileURLToPath(new URL(`../fixtures/transcripts/09_timeouts_idle.${connection}.s2c.bin`, import.meta.url)), 'latin1'));

describe('timeouts (transcript 09)', () => {
  afterEach(stopTestServers);

  it('(a) a client that never logs in gets TIMEOUT when pingTimeout <= authTimeout', async () => {
    const { connectUnix } = await startTestServer({ pingTimeout: 500, authTimeout: 500 });
    const client = await connectUnix();
    await client.waitForClose();
    expect(normalise(client.received)).toBe(recorded('A'));
  });

  it('(a2) otherwise it is dropped after authTimeout without a word', async () => {
    const { connectUnix, server } = await startTestServer({ authTimeout: 400 });
    const client = await connectUnix();
    const started = Date.now();
    await client.waitForClose();
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(normalise(client.received)).toBe(recorded('A2'));
    expect(server.stats.authFailures).toBe(0);
  });

  it('(b) a logged-in client that never PINGs gets TIMEOUT (over TLS)', async () => {
    const { connectTls } = await startTestServer({ unix: false, tls: true, pingTimeout: 500 });
    const client = await connectTls();
    client.write(`CLACKS idle-after-auth\r\n${AUTH.main}`);
    await client.waitForClose();
    expect(normalise(client.received)).toBe(recorded('B'));
  });

  it('(c) being busy does not count: only PING resets the timer', async () => {
    const { connectUnix } = await startTestServer({ pingTimeout: 600 });
    const client = await connectUnix();
    const started = Date.now();
    await client.login();
    for (let n = 1; !client.closed; n++) {
      client.write(`FLUSH busy${n}\r\n`);
      await sleep(100);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(client.received).toMatch(/FLUSHED busy1\r\n/);
    expect(client.received.endsWith('\r\nTIMEOUT\r\n')).toBe(true);
  });

  it('(d) PING keeps a client connected', async () => {
    // A PING every 100 ms against 3 s: with 1 s, a 1.5 s stall dropped the client.
    const { connectUnix } = await startTestServer({ pingTimeout: 3000 });
    const client = await connectUnix();
    client.write(`CLACKS pinger\r\n${AUTH.main}`);
    // 4 s, well past the ping timeout.
    for (let i = 0; i < 40; i++) {
      client.write('PING\r\n');
      await sleep(100);
    }
    expect(client.closed).toBe(false);
    client.write('QUIT\r\n');
    await client.waitForClose();
    expect(normalise(client.received)).toBe(recorded('D'));
  });

  it('(e) NOPING suspends the ping timeout, NOP comes after a quiet spell, the next PING re-arms it', async () => {
    // 2 s before NOPING must reach the server (with 300 ms a 0.5 s stall after
    // the login brought TIMEOUT first), and the NOP interval 2 s longer than the
    // ping timeout, so that no second NOP comes before the TIMEOUT the PING re-arms.
    const { connectTls } = await startTestServer({ unix: false, tls: true, pingTimeout: 2000, nopInterval: 4000 });
    const client = await connectTls();
    client.write(`CLACKS noping-idle\r\n${AUTH.main}`);
    await client.waitFor('Welcome!\r\n');
    client.write('NOPING\r\n');
    await client.waitFor('NOP\r\n');
    expect(client.closed).toBe(false);
    client.write('PING\r\n');
    await client.waitForClose();
    expect(normalise(client.received)).toBe(recorded('E'));
  });

  it('(f) shutdown sends QUIT to every client', async () => {
    const { connectUnix, server } = await startTestServer();
    const client = await connectUnix();
    client.write(`CLACKS shutdown-victim\r\n${AUTH.main}`);
    await client.waitFor('Welcome!\r\n');
    client.write('NOPING\r\n');
    await server.close();
    await client.waitForClose();
    expect(normalise(client.received)).toBe(recorded('F'));
  });
});
