/**
 * Issue 10, finding 4: the stalled-write timer reset only when the socket
 * buffer drained completely, so a client reading steadily but slowly was
 * dropped as "not reading". Scaled down: a 1.5 s stalled-write timeout and a
 * client that takes a 2.5 MiB reply in 64 KiB gulps every 100 ms (about four
 * seconds in all; the timeout leaves room for a test process that a loaded
 * machine starves for a while). Progress is what counts: it gets its reply; a client that
 * reads nothing is still dropped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, startTestServer, stopTestServers, waitUntil } from '../helpers/server.js';

const MiB = 1024 * 1024;

describe('abuse: a slow reader is not a stalled one (finding 4)', () => {
  afterEach(stopTestServers);

  it('keeps a client that reads slowly but steadily, however long the whole reply takes', async () => {
    const { connectUnix, server } = await startTestServer({ stalledWriteTimeout: 1_500 });
    const writer = await connectUnix();
    await writer.login();
    const value = 'z'.repeat(2.5 * MiB);
    writer.write(`STORE big=${value}\r\nFLUSH w\r\n`);
    await writer.waitFor('FLUSHED w\r\n');

    const reader = await connectUnix();
    await reader.login();
    reader.write('NOPING\r\n');
    // Read one chunk, then pause for 100 ms, over and over.
    reader.socket.pause();
    const expected = `RETRIEVED big=${value}\r\n`;
    reader.write('RETRIEVE big\r\n');
    const started = Date.now();
    while (!reader.received.endsWith(expected) && !reader.closed && Date.now() - started < 20_000) {
      await sleep(100);
      reader.socket.resume();
      // The next chunk, or the close (or a second without either).
      await new Promise((resolve) => {
        reader.socket.once('data', resolve);
        reader.socket.once('close', resolve);
        setTimeout(resolve, 1_000);
      });
      reader.socket.pause();
    }
    expect(reader.received.endsWith(expected)).toBe(true);
    // It took far longer than the stalled-write timeout, and nobody was dropped.
    expect(Date.now() - started).toBeGreaterThan(1_600);
    expect(server.stats.droppedBy.stalled).toBe(0);
    expect(reader.closed).toBe(false);
  });

  it('still drops a client that reads nothing for stalledWriteTimeout', async () => {
    const { connectUnix, server } = await startTestServer({ stalledWriteTimeout: 400 });
    const writer = await connectUnix();
    await writer.login();
    writer.write(`STORE big=${'z'.repeat(2 * MiB)}\r\nFLUSH w\r\n`);
    await writer.waitFor('FLUSHED w\r\n');
    const reader = await connectUnix();
    await reader.login();
    reader.write('NOPING\r\n');
    reader.socket.pause();
    reader.write('RETRIEVE big\r\n');
    await waitUntil(() => server.stats.droppedBy.stalled === 1, 'the reader to be dropped as stalled');
    reader.socket.resume();
    await reader.waitForClose();
  });
});
