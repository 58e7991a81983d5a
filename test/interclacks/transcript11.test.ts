/**
 * Transcript 11 (real links between two reference servers, byte for byte
 * both ways) replayed against our master, with the Perl slave played by its
 * recorded bytes, and against our slave, with the Perl master played by its
 * recorded bytes (replay11.ts). Scenarios replayed in the recorded order on
 * the same servers share their state, as they did when recorded.
 *
 * Where we differ from the reference on purpose, the recorded stream is
 * patched here, each with its reason (README, "Differences from the
 * reference server").
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { UserOptions } from '../../src/server/index.js';
import { startTestServer, stopTestServers, TLS_CERT, TLS_KEY, type TestServer } from '../helpers/server.js';
import { fakeMaster, freePort, Replayer } from './replay11.js';

/** The users of both recorded servers. */
const USERS: UserOptions[] = [
  { username: 'exampleuser', password: 'unsafepassword' },
  { username: 'rwuser', password: 'foo', permissions: ['read', 'write'] },
  { username: 'rouser', password: 'bar', permissions: ['read'] },
  { username: 'wouser', password: 'baz', permissions: ['write'] },
];

/** Keepalive PINGs are normalised away, so none are needed; reconnects come at once. */
const TIMERS = { pingTimeout: 600_000, reconnectTimeout: 30, reconnectJitter: 0 };

/** The reference lists tombstones in KEYLIST; we list the keys RETRIEVE finds (README, differences). */
const withoutKeys =
  (...names: string[]) =>
  (stream: string): string =>
    names.reduce((text, name) => text.replaceAll(`KEY ${name}\r\n`, ''), stream);

async function ourMaster(): Promise<{ server: TestServer; replayer: Replayer }> {
  const server = await startTestServer({ unix: true, tls: true, users: USERS, interclacks: TIMERS });
  const replayer = new Replayer({ side: 'master', ours: server, openLink: () => server.connectUnix() });
  return { server, replayer };
}

async function ourSlave(options: { tls?: boolean; users?: UserOptions[]; pingTimeout?: number } = {}): Promise<Replayer> {
  const directory = mkdtempSync(join(tmpdir(), 'clacks-fake-master-'));
  fakeMasterDirectories.push(directory);
  const path = join(directory, 'master.sock');
  const port = options.tls ? await freePort() : undefined;
  const master = fakeMaster(options.tls ? { port, tls: { cert: TLS_CERT, key: TLS_KEY } } : { path });
  const server = await startTestServer({
    unix: true,
    users: options.users ?? USERS,
    master: options.tls ? { url: `clacks://127.0.0.1:${port}`, tls: { ca: TLS_CERT } } : { socketPath: path },
    interclacks: { ...TIMERS, pingTimeout: options.pingTimeout ?? TIMERS.pingTimeout },
  });
  closers.push(master.close);
  return new Replayer({ side: 'slave', ours: server, acceptLink: master.acceptLink });
}

const closers: Array<() => void> = [];
/** Every directory made for a fake master's socket, for the last test to check that none is left. */
const fakeMasterDirectories: string[] = [];

afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await stopTestServers();
  // After the servers: our slave keeps dialling the master's socket until it stops.
  for (const directory of fakeMasterDirectories) rmSync(directory, { recursive: true, force: true });
});

describe('transcript 11 against our master (the Perl slave replayed)', () => {
  it('a, b, c, d: link-up of two populated servers, live traffic, refused commands, a dropped link and the re-sync', async () => {
    const { replayer } = await ourMaster();
    await replayer.scenario('a', {
      // The key "weird=" (made by INCREMENT weird=) is not sent to a Perl slave: it would read it as "weird" with the value "=1".
      patch: (who, stream) => (who === 'LINK' ? stream.replace(/KEYSYNC \S+ \S+ U weird==1\r\n/, '') : stream),
    });
    await replayer.scenario('b', { patch: (who, stream) => (who === 'Cm' ? withoutKeys('b.key', 'bm.key')(stream) : stream) });
    await replayer.scenario('c', {
      patch: (who, stream) => {
        if (who !== 'LINK') return stream;
        return (
          stream
            // A link never runs the RETRIEVE a Perl slave forwards for a client it refused: no reply goes back into the link.
            .replace('RETRIEVED c.keep=keep\r\n', '')
            // Nor its LISTEN: the link does not become a listener, so the SET crosses once.
            .replace('SET c.wo=x\r\nSET c.wo=x\r\n', 'SET c.wo=x\r\n')
            // A STORE refused to rouser on our master is not forwarded.
            .replace('STORE c.rom=from master rouser\r\n', '')
        );
      },
    });
    await replayer.scenario('d', { linkFiles: { '4': 'd_dropped', '5': 'd' } });
  });

  it('tls: the link-up over TLS', async () => {
    const server = await startTestServer({ unix: true, tls: true, users: USERS, interclacks: TIMERS });
    const replayer = new Replayer({ side: 'master', ours: server, openLink: () => server.connectTls() });
    await replayer.scenario('tls');
  });

  it('g: a slave with the wrong password gets OVERHEAD F Login failed! and is closed, at every attempt', async () => {
    const { replayer } = await ourMaster();
    await replayer.scenario('g');
  });

  it('e1, e2, e3: OVERHEAD C and OVERHEAD GC across the link (after the re-link of lockstall)', async () => {
    const { server, replayer } = await ourMaster();
    // The master's cache as scenario d2 left it.
    const seed = await server.connectUnix();
    await seed.login();
    seed.write('STORE d2.k1=base\r\nSTORE d2.k2=base\r\nSTORE d2.s=new on slave\r\nSTORE d2.y=base\r\nSTORE lock.k=before\r\nFLUSH seeded\r\nQUIT\r\n');
    await seed.waitForClose();
    await replayer.scenario('lockstall', { from: 15.9, linkFiles: { '19': 'lockstall_relink' } });
    await replayer.scenario('e1');
    await replayer.scenario('e2');
    await replayer.scenario('e3');
  });
});

describe('transcript 11 against our slave (the Perl master replayed)', () => {
  it('a, b, c, d: link-up of two populated servers, live traffic, refused commands, a dropped link and the re-sync', async () => {
    const replayer = await ourSlave();
    await replayer.scenario('a');
    await replayer.scenario('b', { patch: (who, stream) => (who === 'Cs' ? withoutKeys('b.key')(stream) : stream) });
    await replayer.scenario('c', {
      patch: (who, stream) => {
        if (who !== 'LINK') return stream;
        return (
          stream
            // Commands refused to rouser, wouser and rwuser on our slave cross no link.
            .replace('STORE c.ro=should not be stored\r\n', '')
            .replace('SET c.chan=from rouser\r\n', '')
            .replace('REMOVE c.base\r\n', '')
            .replace('RETRIEVE c.keep\r\n', '')
            .replace('LISTEN c.wo\r\n', '')
            .replace('CLEARCACHE\r\n', '')
            // The reply the Perl master sent back into the link is not run (nor answered with unknown_command).
            .replace('OVERHEAD E unknown_command RETRIEVED c.keep=keep\r\n', '')
        );
      },
    });
    await replayer.scenario('d', { linkFiles: { '4': 'd_dropped', '5': 'd' } });
  });

  it('tls: the link-up over TLS, the master certificate verified', async () => {
    const replayer = await ourSlave({ tls: true });
    await replayer.scenario('tls');
  });

  it('g: the master refuses our password; we try again on schedule', async () => {
    const replayer = await ourSlave({ users: [{ username: 'exampleuser', password: 'bar' }] });
    await replayer.scenario('g');
  });

  it("lock: the slave's clients (and a new login) wait while the master's sync lock is on, and are answered after it", async () => {
    const replayer = await ourSlave();
    await replayer.scenario('lock', { timestampWrittenAt: 0.554, quietBefore: { t: 3.562, ms: 300, who: ['Cs', 'NEWs'] } });
  });

  it('lockstall: a lock that never lifts times out (TIMEOUT), the held commands run then, the link comes back', async () => {
    const replayer = await ourSlave({ pingTimeout: 1_500 });
    await replayer.scenario('lockstall', { linkFiles: { '18': 'lockstall', '19': 'lockstall_relink' }, quietBefore: { t: 15.455, ms: 200, who: ['Cs', 'NEWs'] } });
  });

  it('e1, e2, e3 after the re-link of lockstall: OVERHEAD C closes this server only, OVERHEAD GC the network', async () => {
    const replayer = await ourSlave();
    await replayer.scenario('lockstall', { from: 15.9, linkFiles: { '19': 'lockstall_relink' } });
    await replayer.scenario('e1');
    await replayer.scenario('e2');
    await replayer.scenario('e3');
  });
});

describe('transcript 11: the fake masters', () => {
  it('leave no temporary directory behind (their socket directories are removed after each test)', () => {
    expect(fakeMasterDirectories.length).toBeGreaterThan(0);
    expect(fakeMasterDirectories.filter((directory) => existsSync(directory))).toEqual([]);
  });
});
