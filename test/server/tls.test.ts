/**
 * Transcript 10 and where we are better than the reference: plain text on
 * the TLS port is closed, and a TCP peer that never starts TLS neither
 * stalls other clients nor stays forever.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH, startTestServer, stopTestServers, waitUntil } from '../helpers/server.js';

describe('TLS edge cases (transcript 10)', () => {
  afterEach(stopTestServers);

  it('closes a connection that sends plain text to the TLS port, answering nothing readable', async () => {
    const { connectPlainTcp, server } = await startTestServer({ unix: false, tls: true });
    const client = await connectPlainTcp();
    client.write(`CLACKS plain\r\n${AUTH.main}`);
    await client.waitForClose();
    expect(client.received).not.toContain('CLACKS');
    expect(server.stats.connectionsAccepted).toBe(0);
  });

  it('a silent TCP peer does not stall anyone else', async () => {
    const { connectPlainTcp, connectUnix, connectTls } = await startTestServer({ unix: true, tls: true });
    const silent = await connectPlainTcp();
    const unix = await connectUnix();
    unix.write(`CLACKS probe\r\n${AUTH.main}FLUSH during-stall\r\n`);
    await unix.waitFor('FLUSHED during-stall\r\n');
    const tls = await connectTls();
    tls.write(`${AUTH.main}FLUSH tls\r\n`);
    await tls.waitFor('FLUSHED tls\r\n');
    expect(silent.closed).toBe(false);
  });

  it('drops a TCP peer that does not finish the handshake within tlsHandshakeTimeout', async () => {
    const { connectPlainTcp, server } = await startTestServer({ unix: false, tls: true, tlsHandshakeTimeout: 300 });
    const silent = await connectPlainTcp();
    const started = Date.now();
    await silent.waitForClose();
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    await waitUntil(() => server.stats.clientsConnected === 0, 'no clients');
    expect(server.stats.connectionsAccepted).toBe(0);
  });
});

describe('shutdown with a TLS handshake in progress', () => {
  afterEach(stopTestServers);

  it('does not wait for a peer that never starts TLS', async () => {
    const { connectPlainTcp, server } = await startTestServer({ unix: false, tls: true });
    const silent = await connectPlainTcp();
    const started = Date.now();
    await server.close();
    // Not waiting out the 10 s tlsHandshakeTimeout; 5 s leaves a loaded machine room.
    expect(Date.now() - started).toBeLessThan(5000);
    await silent.waitForClose();
  });
});
