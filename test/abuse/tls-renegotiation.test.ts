/**
 * Issue 10, finding 8: a client asking for TLS renegotiation was not refused
 * (Node's own limit fired after three, and the server kept the socket). Now
 * the first request closes the connection. TLS 1.3 has no renegotiation, so
 * the client speaks TLS 1.2 and calls `socket.renegotiate()`.
 */
import { connect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH, RawConnection, TLS_CERT, startTestServer, stopTestServers } from '../helpers/server.js';

describe('abuse: TLS renegotiation (finding 8)', () => {
  afterEach(stopTestServers);

  it('closes the connection of a client that asks to renegotiate', async () => {
    const { port, server } = await startTestServer({ unix: false, tls: true });
    const client = await RawConnection.open(() => connect({ host: '127.0.0.1', port: port as number, ca: TLS_CERT, maxVersion: 'TLSv1.2' }), 'secureConnect');
    await client.login(AUTH.main);
    const tlsSocket = client.socket as ReturnType<typeof connect>;
    let renegotiated = false;
    tlsSocket.renegotiate({}, (error) => {
      renegotiated = error === null;
    });
    await client.waitForClose();
    expect(renegotiated).toBe(false);
    expect(server.stats.droppedBy.renegotiation).toBe(1);
    expect(server.usage().connections.total).toBe(0);
  });

  it('leaves TLS 1.2 clients that do not renegotiate alone', async () => {
    const { port } = await startTestServer({ unix: false, tls: true });
    const client = await RawConnection.open(() => connect({ host: '127.0.0.1', port: port as number, ca: TLS_CERT, maxVersion: 'TLSv1.2' }), 'secureConnect');
    await client.login(AUTH.main);
    client.write('FLUSH fine\r\n');
    await client.waitFor('FLUSHED fine\r\n');
  });
});
