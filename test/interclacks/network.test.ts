/**
 * A network of our own servers, started here: a master, slave A linked over
 * TLS (the master's certificate verified) and slave B over the master's Unix
 * socket. Signals and cache changes cross every link; what a client was
 * refused crosses none; KEYSYNC and the sync lock belong to links.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { UserOptions } from '../../src/server/index.js';
import { eventually, flushed, retrieve, startNetServer, startNetwork, stopProxies } from '../helpers/network.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { AUTH, stopTestServers, TLS_CERT, waitUntil, type RawConnection } from '../helpers/server.js';

const USERS: UserOptions[] = [
  { username: 'exampleuser', password: 'unsafepassword' },
  { username: 'rwuser', password: 'foo', permissions: ['read', 'write'] },
  { username: 'rouser', password: 'bar', permissions: ['read'] },
  { username: 'wouser', password: 'baz', permissions: ['write'] },
];
const WRITE_ONLY = 'OVERHEAD A d291c2Vy:YmF6\r\n';
const ALL = { master: { users: USERS }, slaves: { users: USERS } };

const proxies: TestProxy[] = [];

afterEach(async () => {
  await stopTestServers();
  await stopProxies();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

describe('a network of a master and two slaves', () => {
  it('a SET on slave A reaches a listener on slave B and on the master, once; NOTIFY too; never back to the sender', async () => {
    const { master, slaveA, slaveB } = await startNetwork(ALL);
    const onMaster = await master.client();
    const onB = await slaveB.client();
    const onA = await slaveA.client();
    for (const listener of [onMaster, onB, onA]) {
      listener.write('LISTEN chan\r\n');
      await flushed(listener);
    }
    const sender = await slaveA.client();
    sender.write('SET chan=hello from A\r\nNOTIFY chan\r\n');
    for (const listener of [onMaster, onB, onA]) await listener.waitFor('SET chan=hello from A\r\nNOTIFY chan\r\n');
    // A last SET as a barrier: nothing arrives twice, and the sender got nothing.
    sender.write('SET chan=last\r\n');
    for (const listener of [onMaster, onB]) await listener.waitFor('SET chan=last\r\n');
    for (const listener of [onMaster, onB, onA]) expect(listener.received.split('SET chan=hello from A').length).toBe(2);
    await flushed(sender);
    expect(sender.received).not.toContain('SET chan=');
  });

  it('a STORE on slave B is retrieved on slave A; INCREMENT runs on each server; SETANDSTORE stores and signals', async () => {
    const { master, slaveA, slaveB } = await startNetwork(ALL);
    const onB = await slaveB.client();
    onB.write('STORE from.b=stored on B\r\nINCREMENT counter=5\r\nINCREMENT counter\r\nSETANDSTORE both=set and stored\r\n');
    await flushed(onB);
    for (const server of [slaveA, master]) {
      await eventually(server, 'from.b', 'stored on B');
      await eventually(server, 'counter', '6');
      await eventually(server, 'both', 'set and stored');
    }
  });

  it('REMOVE crosses as a tombstone: RETRIEVE answers NOTRETRIEVED everywhere, and a later sync still carries it', async () => {
    const { master, slaveA, slaveB } = await startNetwork(ALL);
    const onA = await slaveA.client();
    onA.write('STORE doomed=soon gone\r\n');
    await flushed(onA);
    await eventually(slaveB, 'doomed', 'soon gone');
    onA.write('REMOVE doomed\r\n');
    await flushed(onA);
    await eventually(slaveB, 'doomed', undefined);
    await eventually(master, 'doomed', undefined);
    // A new link (a Perl-like slave of the master) gets the tombstone in the master's sync.
    const link = await master.connectUnix();
    link.write(`CLACKS PageCamel 36 in interclacks client mode\r\n${AUTH.main}OVERHEAD I 1\r\n`);
    await link.waitFor('OVERHEAD L 0\r\n');
    expect(link.received).toMatch(/^KEYSYNC [\d.]+ 0 D doomed=REMOVED\r\n/m);
  });

  it('CLEARCACHE crosses; OVERHEAD G reaches every client of every server as OVERHEAD GN', async () => {
    const { master, slaveA, slaveB } = await startNetwork(ALL);
    const onMaster = await master.client();
    onMaster.write('STORE gone.soon=x\r\n');
    await flushed(onMaster);
    await eventually(slaveA, 'gone.soon', 'x');
    const others = [await slaveA.client(), await slaveB.client()];
    const onB = await slaveB.client();
    onB.write('CLEARCACHE\r\nOVERHEAD GNU hello network\r\n');
    await onB.waitFor('OVERHEAD GN hello network\r\n');
    for (const client of [onMaster, ...others]) await client.waitFor('OVERHEAD GN hello network\r\n');
    await eventually(master, 'gone.soon', undefined);
    await eventually(slaveA, 'gone.soon', undefined);
  });

  it('a command refused for permission crosses no link', async () => {
    const { master, slaveA, slaveB } = await startNetwork(ALL);
    const listeners = [await master.client(), await slaveB.client()];
    for (const listener of listeners) {
      listener.write('LISTEN refused.chan\r\nMONITOR\r\n');
      await flushed(listener);
    }
    const keep = await master.client();
    keep.write('STORE refused.keep=kept\r\n');
    await flushed(keep);
    await eventually(slaveA, 'refused.keep', 'kept');

    const readOnly = await slaveA.client(AUTH.readOnly);
    readOnly.write('STORE refused.ro=no\r\nSET refused.chan=no\r\nNOTIFY refused.chan\r\nREMOVE refused.keep\r\nINCREMENT refused.n\r\nCLEARCACHE\r\n');
    const writeOnly = await slaveA.client(WRITE_ONLY);
    writeOnly.write('RETRIEVE refused.keep\r\nKEYLIST\r\nLISTEN refused.chan\r\nCLIENTLIST\r\nMONITOR\r\nCLEARCACHE\r\n');
    await readOnly.waitFor((received) => received.split('OVERHEAD E permission_denied\r\n').length === 7);
    await writeOnly.waitFor((received) => received.split('OVERHEAD E permission_denied\r\n').length === 7);
    // A barrier through the same server and links: once it has arrived, anything forwarded before it has too.
    const main = await slaveA.client();
    main.write('SET refused.chan=barrier\r\n');
    for (const listener of listeners) await listener.waitFor('SET refused.chan=barrier\r\n');
    for (const listener of listeners) {
      expect(listener.received).not.toContain('SET refused.chan=no');
      expect(listener.received).not.toContain('NOTIFY refused.chan');
      // The monitors see the link's lines: the barrier, and none of the refused commands.
      expect(listener.received).not.toMatch(/=(?:STORE refused\.ro|REMOVE|INCREMENT|CLEARCACHE|RETRIEVE|KEYLIST|CLIENTLIST|LISTEN refused)/);
    }
    for (const server of [master, slaveB]) {
      await eventually(server, 'refused.keep', 'kept');
      await eventually(server, 'refused.ro', undefined);
      await eventually(server, 'refused.n', undefined);
    }
  });

  it('links show in CLIENTLIST (INTERCLACKS=1; on a slave the cid unixdomainsocket:interclacksmaster), and in server.links()', async () => {
    const { master, slaveA, slaveB } = await startNetwork(ALL);
    const list = async (server: typeof master): Promise<string> => {
      const connection = await server.client();
      connection.write('CLIENTLIST\r\n');
      return connection.waitFor('CLIENTLISTEND\r\n');
    };
    expect(await list(slaveB)).toMatch(/CLIENT CID=unixdomainsocket:interclacksmaster;HOST=;PORT=;CLIENTINFO=net-clacks \S+ in interclacks master mode;.*INTERCLACKS=1;/);
    expect(await list(slaveA)).toMatch(new RegExp(`CLIENT CID=127\\.0\\.0\\.1:${master.port};HOST=127\\.0\\.0\\.1;PORT=${master.port};.*INTERCLACKS=1;`));
    const onMaster = await list(master);
    expect(onMaster.match(/INTERCLACKS=1;/g)).toHaveLength(2);
    expect(onMaster).toMatch(/CLIENTINFO=net-clacks \S+ in interclacks client mode \(server-id [0-9a-f]+\);/);

    const [link] = slaveB.server.links();
    expect(link).toMatchObject({ role: 'master', state: 'up', cid: 'unixdomainsocket:interclacksmaster', peerServerId: master.server.serverId, lastError: undefined });
    expect(link?.lastSync).toMatchObject({ sent: expect.any(Number), received: expect.any(Number) });
    const slaves = master.server.links();
    expect(slaves.map((entry) => [entry.role, entry.state, entry.peerServerId]).sort()).toEqual(
      [
        ['slave', 'up', slaveA.server.serverId],
        ['slave', 'up', slaveB.server.serverId],
      ].sort(),
    );
    // The log says when links came up and that they synced, with figures.
    expect(slaveB.logs.join('\n')).toMatch(/interclacks: synced with the master .*: received \d+ entries \(took \d+\), sent \d+, in \d+ ms/);
    expect(master.logs.join('\n')).toMatch(/interclacks: link up: .* is a slave of this server/);
  });

  it('a key holding "=" syncs as itself between our servers, and is left out of a sync with a Perl server', async () => {
    const master = await startNetServer('master', { users: USERS });
    const m = await master.client();
    m.write('INCREMENT weird=\r\nSTORE plain=p\r\n');
    await flushed(m);
    const slave = await startNetServer('slave', { users: USERS, master: `clacks+unix://${master.socketPath}` });
    await slave.linksUp();
    await eventually(slave, 'weird=', '1');
    await eventually(slave, 'weird', undefined);
    // Live, INCREMENT crosses as a command, which every server splits at the last "=" alike.
    m.write('INCREMENT weird=\r\n');
    await eventually(slave, 'weird=', '2');
    // A Perl slave (no server id) is not sent the key: it would take it for "weird" with the value "=2".
    const perl = await master.connectUnix();
    perl.write(`CLACKS PageCamel 36 in interclacks client mode\r\n${AUTH.main}OVERHEAD I 1\r\n`);
    await perl.waitFor('OVERHEAD L 0\r\n');
    expect(perl.received).toMatch(/^KEYSYNC [\d.]+ [\d.]+ U plain=p\r\n/m);
    expect(perl.received).not.toContain('weird');
    expect(master.logs.join('\n')).toMatch(/1 keys holding "=" left out/);
  });

  it('KEYSYNC and OVERHEAD L are honoured only on links; only the main user may turn a connection into one', async () => {
    const server = await startNetServer('server', { users: USERS });
    const main = await server.client();
    main.write('KEYSYNC 1 1 U injected=by a client\r\nOVERHEAD L 1\r\n');
    await main.waitFor('OVERHEAD E permission_denied\r\n');
    const other = await server.client();
    // No lock came on: another client is answered at once.
    other.write('STORE after=lock attempt\r\n');
    await flushed(other);
    expect(await retrieve(other, 'injected')).toBeUndefined();
    const readWrite = await server.client(AUTH.readWrite);
    readWrite.write('OVERHEAD I 1\r\n');
    await readWrite.waitFor('OVERHEAD E permission_denied\r\n');
    await flushed(readWrite);
    expect(readWrite.received).not.toContain('interclacks master mode');
    expect(server.server.links()).toEqual([]);
  });

  it('monitors see the link like a client, as in the reference, but never its credentials; a slave shows no DEBUG CONNECTED for its master', async () => {
    const master = await startNetServer('master', { users: USERS });
    const proxy = await startProxy({ path: master.socketPath as string }, 'unix');
    proxies.push(proxy);
    proxy.freeze();
    const m = await master.client();
    m.write('STORE seen=1\r\n');
    await flushed(m);
    const slave = await startNetServer('slave', { users: USERS, master: `clacks+unix://${proxy.path}` });
    const watchers = [await master.client(), await slave.client()];
    for (const watcher of watchers) {
      watcher.write('MONITOR\r\n');
      await flushed(watcher);
    }
    proxy.thaw();
    await slave.linksUp();
    const [onMaster, onSlave] = watchers as [RawConnection, RawConnection];
    await onSlave.waitFor('DEBUG unixdomainsocket:interclacksmaster=OVERHEAD O Welcome!\r\n');
    expect(onSlave.received).toMatch(/DEBUG unixdomainsocket:interclacksmaster=OVERHEAD L 1\r\nDEBUG unixdomainsocket:interclacksmaster=OVERHEAD T [\d.]+\r\nDEBUG unixdomainsocket:interclacksmaster=KEYSYNC [\d.]+ [\d.]+ U seen=1\r\nDEBUG unixdomainsocket:interclacksmaster=OVERHEAD L 0\r\nDEBUG unixdomainsocket:interclacksmaster=PING\r\n/);
    await onMaster.waitFor((received) => received.includes('=OVERHEAD O Welcome!\r\n'));
    expect(onMaster.received).toMatch(/DEBUG \S+=OVERHEAD I 1\r\nDEBUG \S+=OVERHEAD T [\d.]+\r\nDEBUG \S+=KEYSYNC [\d.]+ [\d.]+ U seen=1\r\nDEBUG \S+=OVERHEAD O Welcome!\r\n/);
    for (const watcher of watchers) {
      expect(watcher.received).not.toContain('OVERHEAD A');
      expect(watcher.received).not.toContain('net-clacks-');
    }
    expect(onSlave.received).not.toContain('DEBUG CONNECTED=unixdomainsocket:interclacksmaster');
  });

  it('a slave verifies the TLS certificate of its master: refused without the CA (clear error), accepted with rejectUnauthorized: false', async () => {
    const master = await startNetServer('master', { users: USERS, tls: true });
    const strict = await startNetServer('strict', { users: USERS, master: `clacks://127.0.0.1:${master.port}`, interclacks: { reconnectTimeout: 600_000 } });
    await waitUntil(() => strict.server.links()[0]?.lastError !== undefined, 'the failed attempt');
    const [failed] = strict.server.links();
    expect(failed).toMatchObject({ role: 'master', state: 'down' });
    expect(failed?.lastError).toMatch(/certificate/);
    expect(failed?.lastError).toMatch(/--master-ca/);
    expect(failed?.nextAttemptAt).toBeGreaterThan(Date.now());
    expect(strict.logs.join('\n')).toMatch(/warn: interclacks: cannot reach the master clacks:\/\/exampleuser:\*\*\*@127\.0\.0\.1:\d+ \(attempt 1\)/);
    expect(strict.logs.join('\n')).not.toContain('unsafepassword');
    const lax = await startNetServer('lax', { users: USERS, master: { url: `clacks://127.0.0.1:${master.port}`, tls: { rejectUnauthorized: false } } });
    await lax.linksUp();
    const trusted = await startNetServer('trusted', { users: USERS, master: { url: `clacks://localhost:${master.port}`, tls: { ca: TLS_CERT } } });
    await trusted.linksUp();
  });
});
