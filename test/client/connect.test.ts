import { describe, expect, it } from 'vitest';
import { ConnectionError, createClient } from '../../src/index.js';
import { useTestEnv, TLS_CERT } from '../helpers/client-env.js';

const env = useTestEnv();

describe('connecting', () => {
  it('verifies TLS certificates by default and says how to accept a self-signed one', async () => {
    const attempt = createClient(`clacks://exampleuser:unsafepassword@127.0.0.1:${env.port}`);
    await expect(attempt).rejects.toBeInstanceOf(ConnectionError);
    await expect(attempt).rejects.toThrow(/rejectUnauthorized: false/);
  });

  it('accepts a self-signed certificate with rejectUnauthorized: false, as Perl deployments need', async () => {
    const client = await createClient(`clacks://exampleuser:unsafepassword@127.0.0.1:${env.port}`, { tls: { rejectUnauthorized: false } });
    expect(client.state).toBe('ready');
    await client.close();
  });

  it('trusts a certificate given as ca, by host name too', async () => {
    const client = await createClient({ host: 'localhost', port: env.port, username: 'exampleuser', password: 'unsafepassword', tls: { ca: TLS_CERT } });
    expect(client.server).toBe(`clacks://exampleuser:***@localhost:${env.port}`);
    await client.close();
  });

  it('connects with both Unix URL forms, percent-decoded credentials included', async () => {
    const inAuthority = await createClient(`clacks+unix://exampleuser:unsafepassword@localhost${env.socketPath}`);
    const inQuery = await createClient(`clacks+unix://${env.socketPath}?user=exampleuser&password=${encodeURIComponent('unsafepassword')}`);
    expect(inAuthority.state).toBe('ready');
    expect(inQuery.state).toBe('ready');
    await Promise.all([inAuthority.close(), inQuery.close()]);
  });

  it('reads CLACKS_URL when no target is given', async () => {
    const saved = process.env.CLACKS_URL;
    process.env.CLACKS_URL = `clacks+unix://rouser:bar@localhost${env.socketPath}`;
    try {
      const client = await createClient();
      expect(await client.retrieve('nothing-here')).toBeUndefined();
      await client.close();
    } finally {
      if (saved === undefined) delete process.env.CLACKS_URL;
      else process.env.CLACKS_URL = saved;
    }
  });

  it('rejects a refused connection with a clear ConnectionError', async () => {
    await expect(createClient({ path: `${env.socketPath}.missing`, username: 'u', password: 'p' })).rejects.toThrow(/cannot connect to clacks\+unix:\/\/u:\*\*\*@localhost\//);
  });
});
