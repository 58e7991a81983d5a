/**
 * Issue 10, finding 3: the per-client output cap counted characters, not the
 * memory the queued lines took (about 3 times as much for small lines), and
 * nothing capped output across clients: 40 non-reading listeners under a SET
 * flood took the heap to 3.8 GB; `OVERHEAD G` to 60 non-reading clients
 * multiplied its bytes 22 times. Scaled down, with the server's accounting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, stopTestServers, waitUntil, type RawConnection } from '../helpers/server.js';
import { retainedBytes } from './helpers.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * A logged-in client that stops reading (its socket paused: the kernel
 * buffers fill, then the server's queue grows). A paused socket does not see
 * the server close it either: call `socket.resume()` before waiting for that.
 */
async function nonReader(connect: () => Promise<RawConnection>, listen?: string): Promise<RawConnection> {
  const client = await connect();
  await client.login();
  if (listen !== undefined) {
    client.write(`NOPING\r\nLISTEN ${listen}\r\nFLUSH l\r\n`);
    await client.waitFor('FLUSHED l\r\n');
  }
  client.socket.pause();
  return client;
}

describe('abuse: slow consumers (finding 3)', () => {
  afterEach(stopTestServers);

  it('queues small lines for a non-reading client at about their bytes, not three times that', async () => {
    const { connectUnix, server } = await startTestServer();
    const victim = await nonReader(connectUnix, 'flood');
    const writer = await connectUnix();
    await writer.login();
    const before = retainedBytes();
    // 100,000 SETs of 33 bytes: 3.3 MB, far more than the kernel buffers take.
    const batch = 'SET flood=0123456789abcdef0123\r\n'.repeat(1000);
    for (let i = 0; i < 100; i++) writer.write(batch);
    writer.write('FLUSH w\r\n');
    await writer.waitFor('FLUSHED w\r\n');
    const queued = server.usage().clients.find((client) => client.cid.endsWith(':1'))?.outputBytes ?? 0;
    const growth = retainedBytes() - before;
    expect(queued).toBeGreaterThan(2 * MiB);
    // The old server kept a chain of small strings, ~80 bytes of heap per 33-byte line.
    expect(growth).toBeLessThan(1.5 * queued + 1 * MiB);
    expect(victim.closed).toBe(false);
  });

  it('drops the listeners holding the most once maxTotalOutput is passed; a reading listener keeps everything', async () => {
    const logs: string[] = [];
    const { connectUnix, server } = await startTestServer({ limits: { maxTotalOutput: 2 * MiB }, logger: (_level, message) => logs.push(message) });
    const stalled = await Promise.all(Array.from({ length: 6 }, () => nonReader(connectUnix, 'flood')));
    const reader = await connectUnix();
    await reader.login();
    reader.write('NOPING\r\nLISTEN flood\r\nFLUSH l\r\n');
    await reader.waitFor('FLUSHED l\r\n');
    const writer = await connectUnix();
    await writer.login();
    const value = 'v'.repeat(8 * KiB);
    const sets = 400; // 3.2 MiB to each listener
    for (let i = 0; i < sets; i++) writer.write(`SET flood=${value}\r\n`);
    writer.write('FLUSH w\r\n');
    await writer.waitFor('FLUSHED w\r\n');
    await reader.waitFor((received) => received.split(`SET flood=${value}\r\n`).length - 1 === sets);
    for (const client of stalled) client.socket.resume();
    for (const client of stalled) await client.waitForClose();
    expect(server.stats.droppedBy.outputBudget).toBe(6);
    expect(logs.filter((line) => line.includes('maxTotalOutput')).length).toBe(6);
    // Never much more than the budget: it is checked with every line queued.
    expect(server.usage().output.peakBytes).toBeLessThanOrEqual(2 * MiB + 8 * (value.length + 20));
    expect(reader.closed).toBe(false);
  });

  it('bounds OVERHEAD G fanned out to many non-reading clients', async () => {
    const { connectUnix, server } = await startTestServer({ limits: { maxTotalOutput: 4 * MiB } });
    await Promise.all(Array.from({ length: 12 }, () => nonReader(connectUnix)));
    const writer = await connectUnix();
    await writer.login();
    // 60 lines of 100 KiB to 12 clients: 72 MiB of output if nothing stopped it.
    const line = `OVERHEAD GN ${'g'.repeat(100 * KiB)}\r\n`;
    for (let i = 0; i < 60; i++) writer.write(line);
    writer.write('FLUSH w\r\n');
    await writer.waitFor('FLUSHED w\r\n');
    await waitUntil(() => server.stats.droppedBy.outputBudget >= 10, 'most of the non-readers to be dropped');
    expect(server.usage().output.peakBytes).toBeLessThanOrEqual(4 * MiB + 13 * line.length);
    expect(server.stats.droppedBy.outputBudget).toBeGreaterThanOrEqual(10);
  });

  it('still drops a single client past its own maxOutputBuffer, counted in bytes', async () => {
    const { connectUnix, server } = await startTestServer({ limits: { maxOutputBuffer: 1 * MiB } });
    const victim = await nonReader(connectUnix, 'flood');
    const writer = await connectUnix();
    await writer.login();
    for (let i = 0; i < 400; i++) writer.write(`SET flood=${'v'.repeat(8 * KiB)}\r\n`);
    await waitUntil(() => server.stats.droppedBy.outputCap === 1, 'the non-reader to be dropped');
    victim.socket.resume();
    await victim.waitForClose();
    expect(server.usage().output.peakBytes).toBeLessThanOrEqual(1 * MiB + 8 * KiB + 20);
  });
});
