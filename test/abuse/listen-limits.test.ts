/**
 * Found in the audit of issue 10: LISTEN names were held without a bound (a
 * reader sending 20,000 LISTENs of 10 KB names made the server hold 200 MiB
 * outside every budget). Now the names a client listens to are bounded in
 * bytes per client and across clients; a LISTEN past either is refused with
 * `OVERHEAD E listen_limit` and the client keeps the rest.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH, startTestServer, stopTestServers, waitUntil } from '../helpers/server.js';

/** A name that costs exactly 400 bytes with its 384 bytes of bookkeeping. */
const name = (i: number): string => `n${String(i).padStart(15, '0')}`;

describe('abuse: names listened to (LISTEN)', () => {
  afterEach(stopTestServers);

  it('refuses a LISTEN past maxListenBytesPerClient with OVERHEAD E listen_limit; the client keeps its other names, and UNLISTEN makes room', async () => {
    const { connectUnix, server } = await startTestServer({ limits: { maxListenBytesPerClient: 4000 } });
    const listener = await connectUnix();
    const listens = Array.from({ length: 11 }, (_, i) => `LISTEN ${name(i)}\r\n`).join('');
    // The same name twice costs once.
    listener.write(`CLACKS listener\r\n${AUTH.main}${listens}LISTEN ${name(0)}\r\nFLUSH 1\r\n`);
    await listener.waitFor('FLUSHED 1\r\n');
    expect(listener.received).toContain('OVERHEAD E listen_limit (names listened to per client: limit 4000 bytes)\r\n');
    expect(listener.received.split('listen_limit').length - 1).toBe(1);
    expect(server.stats.listensRefused).toBe(1);
    expect(server.usage().listens.bytes).toBe(4000);

    const writer = await connectUnix();
    writer.write(`CLACKS writer\r\n${AUTH.main}SET ${name(10)}=refused\r\nSET ${name(9)}=taken\r\nFLUSH 2\r\n`);
    await writer.waitFor('FLUSHED 2\r\n');
    await listener.waitFor(`SET ${name(9)}=taken\r\n`);
    expect(listener.received).not.toContain(`SET ${name(10)}=`);
    expect(listener.closed).toBe(false);

    listener.write(`UNLISTEN ${name(0)}\r\nUNLISTEN ${name(0)}\r\nLISTEN ${name(10)}\r\nFLUSH 3\r\n`);
    await listener.waitFor('FLUSHED 3\r\n');
    expect(server.stats.listensRefused).toBe(1);
    writer.write(`SET ${name(10)}=now taken\r\n`);
    await listener.waitFor(`SET ${name(10)}=now taken\r\n`);
    expect(server.usage().listens.bytes).toBe(4000);

    listener.destroy();
    await waitUntil(() => server.usage().listens.bytes === 0, 'the listened names to be released with their client');
  });

  it('refuses a LISTEN past maxTotalListenBytes, counted across clients', async () => {
    const { connectUnix, server } = await startTestServer({ limits: { maxTotalListenBytes: 2000 } });
    const first = await connectUnix();
    first.write(`CLACKS first\r\n${AUTH.main}${[0, 1, 2].map((i) => `LISTEN ${name(i)}\r\n`).join('')}FLUSH 1\r\n`);
    await first.waitFor('FLUSHED 1\r\n');
    const second = await connectUnix();
    second.write(`CLACKS second\r\n${AUTH.main}${[3, 4, 5].map((i) => `LISTEN ${name(i)}\r\n`).join('')}FLUSH 2\r\n`);
    await second.waitFor('FLUSHED 2\r\n');
    expect(first.received).not.toContain('listen_limit');
    expect(second.received).toContain('OVERHEAD E listen_limit (names listened to for all clients: limit 2000 bytes)\r\n');
    expect(server.usage().listens).toEqual({ bytes: 2000, budget: 2000 });
    first.destroy();
    await waitUntil(() => server.usage().listens.bytes === 800, "the first client's names to be released");
    second.write(`LISTEN ${name(5)}\r\nFLUSH 3\r\n`);
    await second.waitFor('FLUSHED 3\r\n');
    expect(server.stats.listensRefused).toBe(1);
    expect(server.usage().listens.bytes).toBe(1200);
  });

  it('with the defaults, 2,000 LISTENs of 10 KB names hold at most 16 MiB for their client', async () => {
    const { connectUnix, server } = await startTestServer();
    const listener = await connectUnix();
    const big = 'x'.repeat(10 * 1024);
    listener.write(`CLACKS listener\r\n${AUTH.main}${Array.from({ length: 2000 }, (_, i) => `LISTEN ${i}:${big}\r\n`).join('')}FLUSH 1\r\n`);
    await listener.waitFor('FLUSHED 1\r\n');
    expect(server.usage().listens.bytes).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(server.usage().listens.bytes).toBeGreaterThan(16 * 1024 * 1024 - 10 * 1024 - 400);
    let taken = 0;
    let bytes = 0;
    for (let i = 0; i < 2000; i++) {
      const cost = `${i}:${big}`.length + 384;
      if (bytes + cost <= 16 * 1024 * 1024) {
        bytes += cost;
        taken++;
      }
    }
    expect(server.usage().listens.bytes).toBe(bytes);
    expect(server.stats.listensRefused).toBe(2000 - taken);
    expect(taken).toBeGreaterThan(1500);
  });
});
