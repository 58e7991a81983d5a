/**
 * Issue 10, finding 1: before login a line could grow to 16 MiB and nothing
 * limited connections. Scaled down: a short pre-auth line limit, caps on
 * unauthenticated connections (in all and per source) and on all
 * connections, and a budget for input held across connections, each proved
 * through the server's own accounting (`server.usage()`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH, startTestServer, stopTestServers, waitUntil } from '../helpers/server.js';
import { ABUSE_USERS, NOBODY, connectPlainFrom, connectTlsFrom, collectGarbage } from './helpers.js';

const KiB = 1024;

describe('abuse: unauthenticated peers (finding 1)', () => {
  afterEach(stopTestServers);

  it('closes a connection whose line passes maxPreAuthLineLength (64 KiB by default) before login', async () => {
    const { connectUnix, server } = await startTestServer();
    const peers = await Promise.all(Array.from({ length: 8 }, () => connectUnix()));
    // 1 MiB each without a newline: the old server buffered it all (up to 16 MiB a line).
    for (const peer of peers) peer.write(Buffer.alloc(1024 * KiB, 0x78));
    for (const peer of peers) await peer.waitForClose(5_000);
    for (const peer of peers) expect(peer.received).toContain('OVERHEAD E line_too_long (limit 65536 bytes)\r\n');
    expect(server.stats.linesTooLong).toBe(8);
    // Never more than a line's worth (plus one read) per connection was held.
    expect(server.usage().input.peakBytes).toBeLessThanOrEqual(8 * 2 * 64 * KiB);
    await waitUntil(() => server.usage().input.bytes === 0, 'the input accounting to return to 0');
  });

  it('gives the full line limit once logged in, in the middle of the same chunk', async () => {
    const { connectUnix } = await startTestServer({ limits: { maxPreAuthLineLength: 1000 } });
    const client = await connectUnix();
    client.write(`CLACKS big\r\n${AUTH.main}STORE big=${'v'.repeat(200 * KiB)}\r\nRETRIEVE big\r\n`);
    await client.waitFor(`RETRIEVED big=${'v'.repeat(200 * KiB)}\r\n`);
    expect(client.closed).toBe(false);
  });

  it('keeps a CLACKS identification sent after login to maxPreAuthLineLength, as one sent before (a user without permissions)', async () => {
    const { connectUnix, server } = await startTestServer({ users: ABUSE_USERS, limits: { maxPreAuthLineLength: 1000 } });
    const peers = await Promise.all(Array.from({ length: 8 }, () => connectUnix()));
    // External strings too: V8 keeps a long latin1 string decoded from a Buffer outside its heap.
    const retained = () => {
      collectGarbage();
      const usage = process.memoryUsage();
      return usage.heapUsed + usage.external;
    };
    const before = retained();
    // 1 MiB names after login, where the full line limit applies: the old server kept each whole, unaccounted, for as long as the connection lived.
    for (const [index, peer] of peers.entries()) peer.write(`CLACKS small\r\n${NOBODY}CLACKS ${'n'.repeat(1024 * KiB)}${index}\r\nFLUSH f\r\n`);
    for (const peer of peers) await peer.waitFor('FLUSHED f\r\n');
    expect(retained() - before).toBeLessThan(2 * 1024 * KiB);
    const manager = await connectUnix();
    manager.write(`CLACKS m\r\n${AUTH.main}CLIENTLIST\r\n`);
    const reply = await manager.waitFor('CLIENTLISTEND\r\n');
    const names = [...reply.matchAll(/CLIENTINFO=(n+)[^;]*;/g)].map((match) => match[1] as string);
    expect(names).toHaveLength(8);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(1000);
    expect(server.usage().connections.authenticated).toBe(9);
  });

  it('refuses unauthenticated connections past maxUnauthenticatedPerSource; logging in frees a place', async () => {
    const { connectUnix, server } = await startTestServer({ limits: { maxUnauthenticatedPerSource: 3 } });
    const first = await Promise.all([connectUnix(), connectUnix(), connectUnix()]);
    await waitUntil(() => server.usage().connections.unauthenticated === 3, 'three unauthenticated connections');
    const refused = await connectUnix();
    await refused.waitForClose(5_000);
    // Closed on accept: not even the greeting.
    expect(refused.received).toBe('');
    expect(server.stats.refusedBy.maxUnauthenticatedPerSource).toBe(1);

    await first[0]!.login();
    expect(server.usage().connections).toMatchObject({ unauthenticated: 2, authenticated: 1 });
    const admitted = await connectUnix();
    await admitted.waitFor('OVERHEAD M Authentication required\r\n');
    expect(server.usage().connections).toMatchObject({ total: 4, unauthenticated: 3, authenticated: 1 });
  });

  it('counts each address as its own source, and TLS handshakes in progress as unauthenticated', async () => {
    const testServer = await startTestServer({ unix: false, tls: true, limits: { maxUnauthenticatedPerSource: 2, maxUnauthenticated: 5 } });
    const { server } = testServer;
    // Two TCP peers from 127.0.0.2 that never start TLS: they hold the source's two places.
    const silent = await Promise.all([connectPlainFrom(testServer, '127.0.0.2'), connectPlainFrom(testServer, '127.0.0.2')]);
    await waitUntil(() => server.usage().connections.handshaking === 2, 'two handshakes in progress');
    const third = await connectPlainFrom(testServer, '127.0.0.2');
    await third.waitForClose(5_000);
    expect(server.stats.refusedBy.maxUnauthenticatedPerSource).toBe(1);

    // Another address is another source.
    const other = await connectTlsFrom(testServer, '127.0.0.3');
    await other.login();
    const more = await Promise.all([connectTlsFrom(testServer, '127.0.0.3'), connectTlsFrom(testServer, '127.0.0.4'), connectTlsFrom(testServer, '127.0.0.4')]);
    await waitUntil(() => server.usage().connections.unauthenticated === 3, 'three more unauthenticated');
    // 2 handshaking + 3 unauthenticated = maxUnauthenticated: a fresh source is refused too.
    const overTotal = await connectPlainFrom(testServer, '127.0.0.5');
    await overTotal.waitForClose(5_000);
    expect(server.stats.refusedBy.maxUnauthenticated).toBe(1);
    expect(server.usage().connections).toEqual({ total: 6, handshaking: 2, unauthenticated: 3, authenticated: 1 });
    for (const peer of [...silent, ...more]) peer.destroy();
    await waitUntil(() => server.usage().connections.total === 1, 'only the logged-in client left');
  });

  it('refuses any connection past maxConnections, logged in or not', async () => {
    const { connectUnix, server } = await startTestServer({ limits: { maxConnections: 3 } });
    for (let i = 0; i < 3; i++) await (await connectUnix()).login();
    const refused = await connectUnix();
    await refused.waitForClose(5_000);
    expect(refused.received).toBe('');
    expect(server.stats.refusedBy.maxConnections).toBe(1);
    expect(server.usage().connections.total).toBe(3);
  });

  it('drops the biggest holders when unfinished lines pass maxTotalInput (a logged-in user without permissions, NOPING)', async () => {
    const logs: string[] = [];
    const { connectUnix, server } = await startTestServer({
      users: ABUSE_USERS,
      limits: { maxTotalInput: 1024 * KiB },
      logger: (_level, message) => logs.push(message),
    });
    const holders = await Promise.all(Array.from({ length: 4 }, () => connectUnix()));
    for (const holder of holders) await holder.login(NOBODY);
    for (const holder of holders) holder.write('NOPING\r\n');
    // Three endless lines of 200 KiB, then a fourth that grows past the 1 MiB budget.
    for (const holder of holders.slice(0, 3)) holder.write(`STORE endless=${'x'.repeat(200 * KiB)}`);
    await waitUntil(() => server.usage().input.bytes >= 3 * 200 * KiB, 'three unfinished lines held');
    holders[3]!.write(`STORE endless=${'x'.repeat(600 * KiB)}`);
    await waitUntil(() => server.stats.droppedBy.inputBudget >= 1, 'a holder to be dropped');
    // The biggest one went, and the total stayed within the budget (plus one read of 64 KiB).
    await holders[3]!.waitForClose(5_000);
    expect(logs.some((line) => /maxTotalInput/.test(line) && line.includes('holds the most'))).toBe(true);
    expect(server.usage().input.peakBytes).toBeLessThanOrEqual(1024 * KiB + 2 * 64 * KiB);
    expect(server.usage().input.bytes).toBeLessThanOrEqual(1024 * KiB);
    expect(holders.slice(0, 3).every((holder) => !holder.closed)).toBe(true);
  });
});
