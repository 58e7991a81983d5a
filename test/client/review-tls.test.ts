/**
 * Review finding: `tls.servername` is documented as a Node TLS option the
 * client passes through; it must not be replaced by the host name (SNI and
 * certificate checks against the name the user asked for, e.g. behind a
 * TLS-terminating proxy).
 */
import { describe, expect, it } from 'vitest';
import { ConnectionError, createClient } from '../../src/index.js';
import { useTestEnv, TLS_CERT } from '../helpers/client-env.js';

const env = useTestEnv();

describe('TLS options', () => {
  it('verifies the certificate against tls.servername when one is given', async () => {
    // The test certificate is for localhost only: checked against another name, it must be refused.
    const attempt = createClient({
      host: 'localhost',
      port: env.port,
      username: 'exampleuser',
      password: 'unsafepassword',
      tls: { ca: TLS_CERT, servername: 'clacks.example.org' },
    });
    await expect(attempt).rejects.toBeInstanceOf(ConnectionError);
    await expect(attempt).rejects.toThrow(/clacks\.example\.org/);
  });
});
