/** Review: a client that sends its commands and then shuts down its sending side. */
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH, startTestServer, stopTestServers } from '../helpers/server.js';

describe('review: half-close', () => {
  afterEach(stopTestServers);

  it('answers what came before the FIN (printf ... | nc -U style)', async () => {
    const { connectUnix, server } = await startTestServer();
    const client = await connectUnix();
    client.socket.end(`CLACKS test\r\n${AUTH.main}STORE k=v\r\nRETRIEVE k\r\nFLUSH done\r\n`);
    await client.waitForClose();
    expect(client.received).toContain('RETRIEVED k=v\r\nFLUSHED done\r\nOVERHEAD O Welcome!\r\n');
    expect(server.stats.clientsConnected).toBe(0);
  });

  it('the same over TLS', async () => {
    const { connectTls, server } = await startTestServer({ unix: false, tls: true });
    const client = await connectTls();
    client.socket.end(`CLACKS test\r\n${AUTH.main}RETRIEVE k\r\nFLUSH done\r\n`);
    await client.waitForClose();
    expect(client.received).toContain('NOTRETRIEVED k\r\nFLUSHED done\r\nOVERHEAD O Welcome!\r\n');
    expect(server.stats.clientsConnected).toBe(0);
  });
});
