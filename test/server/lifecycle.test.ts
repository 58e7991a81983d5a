/**
 * Starting, stopping and restarting servers; listeners; stats; the OVERHEAD
 * and QUIT corners the transcripts do not show.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/index.js';
import { AUTH, GREETING_TAIL, startTestServer, stopTestServers, TLS_CERT, TLS_KEY, TRANSCRIPT_USERS } from '../helpers/server.js';

describe('server lifecycle', () => {
  afterEach(stopTestServers);

  it('listens on a Unix socket and a TLS port at once and reports both addresses', async () => {
    const { server, socketPath, port, connectUnix, connectTls } = await startTestServer({ unix: true, tls: true });
    expect(server.addresses).toEqual([
      { kind: 'unix', path: socketPath },
      { kind: 'tls', host: '127.0.0.1', port },
    ]);
    expect(port).toBeGreaterThan(0);
    for (const client of [await connectUnix(), await connectTls()]) {
      await client.login();
      expect(client.received.startsWith('CLACKS net-clacks ')).toBe(true);
      expect(client.received).toContain(GREETING_TAIL);
    }
  });

  it('counts connections and logins', async () => {
    const { server, connectUnix } = await startTestServer();
    const good = await connectUnix();
    await good.login();
    const bad = await connectUnix();
    bad.write('OVERHEAD A ZXhhbXBsZXVzZXI=:d3JvbmdwYXNz\r\n');
    await bad.waitForClose();
    const malformed = await connectUnix();
    malformed.write('OVERHEAD A garbage\r\n');
    await malformed.waitForClose();
    expect(malformed.received.endsWith('OVERHEAD F Login failed!\r\n')).toBe(true);
    expect(server.stats).toMatchObject({ connectionsAccepted: 3, authSuccesses: 1, authFailures: 2, clientsConnected: 1 });
  });

  it('close() is idempotent, removes the socket file, and a new server can take the same path and port', async () => {
    const first = await startTestServer({ unix: true, tls: true });
    const client = await first.connectUnix();
    await client.login();
    await Promise.all([first.server.close(), first.server.close()]);
    await client.waitForClose();
    expect(client.received.endsWith('\r\nQUIT\r\n')).toBe(true);
    expect(existsSync(first.socketPath as string)).toBe(false);

    const second = await startTestServer({ directory: first.directory });
    const again = await second.connectUnix();
    await again.login();
    const restarted = await startServer({
      users: TRANSCRIPT_USERS,
      host: '127.0.0.1',
      port: first.port,
      tls: { cert: TLS_CERT, key: TLS_KEY },
    });
    try {
      expect(restarted.addresses).toEqual([{ kind: 'tls', host: '127.0.0.1', port: first.port }]);
    } finally {
      await restarted.close();
    }
  });

  it('replaces a stale socket file but refuses a path a live server answers on', async () => {
    const { directory, socketPath } = await startTestServer();
    const stale = join(directory, 'stale.sock');
    // A process that dies without closing leaves its socket file behind.
    const script = `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.exit(0))`;
    expect(spawnSync(process.execPath, ['-e', script]).status).toBe(0);
    expect(existsSync(stale)).toBe(true);
    const server = await startServer({ users: TRANSCRIPT_USERS, socketPath: stale });
    await server.close();

    await expect(startServer({ users: TRANSCRIPT_USERS, socketPath: socketPath as string })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('names a socket directory that does not exist (libuv says EACCES: permission denied)', async () => {
    const { directory } = await startTestServer();
    const missing = join(directory, 'missing', 'clacks.sock');
    await expect(startServer({ users: TRANSCRIPT_USERS, socketPath: missing })).rejects.toMatchObject({
      code: 'ENOENT',
      message: `socket ${missing}: the directory ${join(directory, 'missing')} does not exist`,
    });
  });

  it('rejects configurations it cannot serve', async () => {
    await expect(startServer({ users: TRANSCRIPT_USERS })).rejects.toThrow(/socketPath/);
    await expect(startServer({ users: TRANSCRIPT_USERS, port: 0 })).rejects.toThrow(/tls/);
    await expect(startServer({ users: [], socketPath: '/tmp/never.sock' })).rejects.toThrow(/user/);
  });
});

describe('protocol corners', () => {
  afterEach(stopTestServers);

  it('QUIT pipelined behind a login still gets Welcome! first, and ignores what follows it', async () => {
    const { connectUnix } = await startTestServer();
    const client = await connectUnix();
    client.write(`${AUTH.main}STORE q=1\r\nRETRIEVE q\r\nQUIT\r\nRETRIEVE q\r\n`);
    await client.waitForClose();
    expect(client.received.endsWith('RETRIEVED q=1\r\nOVERHEAD O Welcome!\r\n')).toBe(true);
  });

  it('OVERHEAD G needs write, C and S need manage; E is logged; flags are forwarded sorted without U', async () => {
    const logged: string[] = [];
    const { connectUnix, server } = await startTestServer({ logger: (level, message) => logged.push(`${level}: ${message}`) });
    const main = await connectUnix();
    await main.login();
    const readOnly = await connectUnix();
    await readOnly.login(AUTH.readOnly);
    readOnly.write('OVERHEAD GM hi\r\nOVERHEAD C all\r\nOVERHEAD S 0\r\nOVERHEAD E something broke\r\nFLUSH ro\r\n');
    await readOnly.waitFor('FLUSHED ro\r\n');
    await readOnly.waitFor('OVERHEAD E permission_denied\r\n'.repeat(3));
    expect(logged.some((line) => line.includes('something broke'))).toBe(true);

    main.write('OVERHEAD NUMG sorted\r\nOVERHEAD GD dropped\r\nFLUSH main\r\n');
    await main.waitFor('FLUSHED main\r\n');
    await main.waitFor('OVERHEAD GMN sorted\r\n');
    await readOnly.waitFor('OVERHEAD GMN sorted\r\n');
    expect(readOnly.received).not.toContain('dropped');

    // C closes every connection with QUIT.
    main.write('OVERHEAD C now\r\n');
    await Promise.all([main.waitForClose(), readOnly.waitForClose()]);
    expect(readOnly.received.endsWith('\r\nQUIT\r\n')).toBe(true);
    expect(server.stats.clientsConnected).toBe(0);
  });

  it('OVERHEAD S from a manager shuts the server down', async () => {
    const { connectUnix, socketPath } = await startTestServer();
    const main = await connectUnix();
    await main.login();
    main.write('OVERHEAD S 0\r\n');
    await main.waitForClose();
    expect(main.received.endsWith('\r\nQUIT\r\n')).toBe(true);
    expect(existsSync(socketPath as string)).toBe(false);
  });

  it('a user without permissions may log in, PING and FLUSH, nothing else', async () => {
    const { connectUnix } = await startTestServer({
      users: [...TRANSCRIPT_USERS, { username: 'nobody', password: 'x' }],
    });
    const client = await connectUnix();
    await client.login(`OVERHEAD A ${Buffer.from('nobody').toString('base64')}:${Buffer.from('x').toString('base64')}\r\n`);
    client.write('PING\r\nRETRIEVE a\r\nFLUSH n\r\n');
    await client.waitFor('FLUSHED n\r\nOVERHEAD E permission_denied\r\n');
  });
});
