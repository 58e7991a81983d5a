/**
 * Where we are safer than the reference (DIFFERENCES.md): credentials never
 * reach monitors, an endless line is refused, a client that never reads is
 * dropped instead of eating memory, a stalled writer is dropped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH, startTestServer, stopTestServers, waitUntil } from '../helpers/server.js';

describe('safety', () => {
  afterEach(stopTestServers);

  it('never mirrors OVERHEAD A lines (credentials) to monitors', async () => {
    const { connectUnix } = await startTestServer();
    const monitor = await connectUnix();
    await monitor.login();
    monitor.write('MONITOR\r\n');
    await monitor.waitFor('=MONITOR\r\n');

    const other = await connectUnix();
    other.write(`CLACKS other\r\n${AUTH.readWrite}STORE k=v\r\n`);
    await monitor.waitFor('=STORE k=v\r\n');
    // Logging in again later is not mirrored either.
    other.write(`${AUTH.readWrite}FLUSH after\r\n`);
    await other.waitFor('FLUSHED after\r\n');
    await monitor.waitFor('=FLUSH after\r\n');
    expect(monitor.received).not.toContain('OVERHEAD A');
    expect(monitor.received).not.toContain('cnd1c2Vy:Zm9v');
  });

  it('refuses a line longer than maxLineLength and closes the connection', async () => {
    const { connectUnix, server } = await startTestServer({ maxLineLength: 1000 });
    const client = await connectUnix();
    await client.login();
    client.write(`STORE big=${'x'.repeat(2000)}`);
    await client.waitForClose();
    expect(client.received).toMatch(/OVERHEAD E line_too_long \(limit 1000 bytes\)\r\n$/);
    // A long line that fits still works.
    const other = await connectUnix();
    await other.login();
    other.write(`STORE fits=${'y'.repeat(900)}\r\nRETRIEVE fits\r\n`);
    await other.waitFor(`RETRIEVED fits=${'y'.repeat(900)}\r\n`);
    expect(server.stats.clientsConnected).toBe(1);
  });

  it('drops a listener that never reads once its output passes maxOutputBuffer, and goes on serving others', async () => {
    const { connectUnix, server } = await startTestServer({ maxOutputBuffer: 256 * 1024 });
    const sleeper = await connectUnix();
    await sleeper.login();
    sleeper.write('LISTEN chan\r\nFLUSH listening\r\n');
    await sleeper.waitFor('FLUSHED listening\r\n');
    sleeper.socket.pause(); // never reads again

    const monitor = await connectUnix();
    await monitor.login();
    monitor.write('MONITOR\r\n');
    await monitor.waitFor('=MONITOR\r\n');
    const sender = await connectUnix();
    await sender.login();
    const value = 'v'.repeat(1000);
    // Small batches, so that the monitor (which does read) never has much queued at once.
    const batch = `SET chan=${value}\r\n`.repeat(100);
    for (let i = 0; i < 200 && server.stats.clientsDropped === 0; i++) {
      sender.write(batch);
      sender.write(`FLUSH batch${i}\r\n`);
      await sender.waitFor(`FLUSHED batch${i}\r\n`);
    }
    await waitUntil(() => server.stats.clientsDropped === 1, 'the sleeper to be dropped');
    expect(server.stats.clientsConnected).toBe(2);
    const disconnected = await monitor.waitFor((text) => /DEBUG DISCONNECTED=\S+ \((\d+) bytes discarded from outbuffer\)/.test(text));
    const discarded = Number(/DEBUG DISCONNECTED=\S+ \((\d+) bytes discarded/.exec(disconnected)?.[1]);
    expect(discarded).toBeGreaterThan(0);
    sender.write('FLUSH still-here\r\n');
    await sender.waitFor('FLUSHED still-here\r\n');
  });

  it('drops a client whose socket has not taken output for stalledWriteTimeout', async () => {
    const { connectUnix, server } = await startTestServer({ stalledWriteTimeout: 300 });
    const sleeper = await connectUnix();
    await sleeper.login();
    sleeper.write('LISTEN chan\r\nFLUSH listening\r\n');
    await sleeper.waitFor('FLUSHED listening\r\n');
    sleeper.socket.pause();

    const sender = await connectUnix();
    await sender.login();
    const batch = `SET chan=${'v'.repeat(1000)}\r\n`.repeat(2000);
    sender.write(`${batch}FLUSH sent\r\n`);
    await sender.waitFor('FLUSHED sent\r\n');
    await waitUntil(() => server.stats.clientsConnected === 1, 'the stalled client to be dropped');
    expect(server.stats.clientsDropped).toBe(1);
  });
});
