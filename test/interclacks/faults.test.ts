/**
 * Links that fail: a partition while both sides change keys (and converge by
 * newest cachetime when the link returns), a link gone silent (TIMEOUT, then
 * re-established), a sync lock held by the master (the slave's clients wait,
 * then are answered; a lock that never lifts times out), and loops (refused).
 * Faults come from a byte-forwarding proxy between a slave and its master.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { UserOptions } from '../../src/server/index.js';
import { eventually, flushed, retrieve, startNetServer, startNetwork, stopProxies, type NetServer } from '../helpers/network.js';
import { startProxy } from '../helpers/proxy.js';
import { sleep, stopTestServers, waitUntil, type RawConnection } from '../helpers/server.js';

const USERS: UserOptions[] = [{ username: 'exampleuser', password: 'unsafepassword' }];
/** Writes this far apart have clearly different cachetimes, whatever a link's clock offset absorbs. */
const APART_MS = 40;

afterEach(async () => {
  await stopTestServers();
  await stopProxies();
});

const linkDown = (server: NetServer) => waitUntil(() => server.server.links().every((link) => link.state !== 'up'), `${server.name}'s link to go down`);

/**
 * Runs `cut` (which makes the link reconnect) and waits until the master has
 * locked `slave` for the new sync: the lock itself, logged when `OVERHEAD L 1`
 * is read, not the link's 'syncing' state, which comes first (on a loaded
 * machine, commands sent in between were answered before the lock).
 */
async function relockedBy(slave: NetServer, cut: () => void): Promise<void> {
  const locks = () => slave.logs.filter((line) => line.includes('locked this server for the sync')).length;
  const before = locks();
  cut();
  await waitUntil(() => locks() > before && slave.server.links()[0]?.state === 'syncing', `the master to lock ${slave.name}`);
}

describe('interclacks faults', () => {
  it('a link dropped while both sides change keys converges on reconnect by newest cachetime, on every server; SETs of the partition are not replayed', async () => {
    const { master, slaveA, slaveB, proxyB } = await startNetwork({ proxyB: true, master: { users: USERS }, slaves: { users: USERS } });
    const onMaster = await master.client();
    const onB = await slaveB.client();
    onMaster.write('STORE p.x=base\r\nSTORE p.y=base\r\nSTORE p.both1=base\r\nSTORE p.both2=base\r\nSTORE p.y2=base\r\nSTORE p.n=10\r\nLISTEN p.chan\r\n');
    await flushed(onMaster);
    await eventually(slaveB, 'p.n', '10');
    onB.write('LISTEN p.chan\r\n');
    await flushed(onB);

    // The partition: the link is cut, and B's attempts to come back hang in the frozen proxy.
    proxyB?.freeze();
    proxyB?.dropAll();
    await linkDown(slaveB);
    const step = async (client: typeof onMaster, lines: string): Promise<void> => {
      client.write(lines);
      await flushed(client);
      await sleep(APART_MS);
    };
    await step(onMaster, 'STORE p.x=changed on master\r\nSTORE p.z=new on master\r\n');
    await step(onB, 'REMOVE p.y\r\nSTORE p.w=new on B\r\n');
    await step(onB, 'STORE p.both1=B first\r\n');
    await step(onMaster, 'STORE p.both1=master later\r\n');
    await step(onMaster, 'STORE p.both2=master first\r\n');
    await step(onB, 'STORE p.both2=B later\r\n');
    await step(onMaster, 'REMOVE p.y2\r\n');
    await step(onB, 'STORE p.y2=B later\r\n');
    await step(onMaster, 'INCREMENT p.n\r\n');
    await step(onB, 'INCREMENT p.n=5\r\n');
    // A slave whose link is down keeps serving its own clients.
    const other = await slaveB.client();
    other.write('SET p.chan=set on B during the partition\r\n');
    await onB.waitFor('SET p.chan=set on B during the partition\r\n');
    expect(await retrieve(onB, 'p.w')).toBe('new on B');

    proxyB?.thaw();
    await slaveB.linksUp();
    const expected: Record<string, string | undefined> = {
      'p.x': 'changed on master',
      'p.z': 'new on master',
      'p.w': 'new on B',
      'p.y': undefined,
      'p.both1': 'master later',
      'p.both2': 'B later',
      'p.y2': 'B later',
      // No merge of counters: the later INCREMENT's result wins.
      'p.n': '15',
    };
    // Slave A took part in nothing: what the master took from B reaches it too.
    for (const server of [master, slaveB, slaveA]) for (const [name, value] of Object.entries(expected)) await eventually(server, name, value);

    other.write('SET p.chan=after the partition\r\n');
    await onMaster.waitFor('SET p.chan=after the partition\r\n');
    expect(onMaster.received).not.toContain('during the partition');
    expect(slaveB.logs.join('\n')).toMatch(/warn: interclacks: link to the master .* down: /);
  });

  it('an entry that did not change keeps its cachetime however often the link comes back (the reference lets the link delay push it forward at every sync)', async () => {
    /** The cachetime of every entry, as a sync dump of that server shows them. */
    const cachetimes = async (server: NetServer): Promise<string> => {
      const probe = await server.connectUnix();
      probe.write('CLACKS probe\r\nOVERHEAD A ZXhhbXBsZXVzZXI=:dW5zYWZlcGFzc3dvcmQ=\r\nOVERHEAD I 1\r\n');
      await probe.waitFor('OVERHEAD L 0\r\n');
      probe.destroy();
      return [...probe.received.matchAll(/^KEYSYNC (\S+) \S+ [UD] ([^=\r\n]+)=/gm)].map((found) => `${found[2]}@${found[1]}`).join(' ');
    };
    const master = await startNetServer('master', { users: USERS });
    const writer = await master.client();
    writer.write('STORE drift.live=v\r\nSTORE drift.gone=v\r\nREMOVE drift.gone\r\n');
    await flushed(writer);
    const onMaster = await cachetimes(master);
    const proxy = await startProxy({ path: master.socketPath as string }, 'unix');
    try {
      const slave = await startNetServer('slave', { users: USERS, master: `clacks+unix://${proxy.path}`, interclacks: { reconnectTimeout: 10 } });
      const synced = () => slave.server.links()[0]?.state === 'up' && (slave.server.links()[0]?.lastSync?.received ?? 0) > 0;
      await waitUntil(synced, 'the first sync');
      await sleep(50);
      const onSlave = await cachetimes(slave);
      for (let relink = 0; relink < 15; relink++) {
        const before = proxy.connections;
        proxy.dropAll();
        await waitUntil(() => proxy.connections > before && synced(), `re-link ${relink + 1}`);
        await sleep(20);
      }
      expect(await cachetimes(master)).toBe(onMaster);
      expect(await cachetimes(slave)).toBe(onSlave);
    } finally {
      await proxy.close();
    }
  });

  it('a link gone silent is dropped with TIMEOUT after interclacks.pingTimeout on both sides, and re-established', async () => {
    // Each side PINGs every second against 3 s: the test process (all servers
    // run in it) stalled by a loaded machine for a second or more does not time
    // the idle link out (with 1.5 s, a 1.2 s stall did, and the timeout looked
    // for after the freeze was found among those older lines).
    const timers = { interclacks: { pingTimeout: 3_000 } };
    const { master, slaveB, proxyB } = await startNetwork({ proxyB: true, master: { users: USERS, ...timers }, slaves: { users: USERS, ...timers } });
    // Keepalive: an idle link outlives the ping timeout.
    await sleep(4_000);
    expect(slaveB.server.links()[0]?.state).toBe('up');
    expect([...slaveB.logs, ...master.logs].filter((line) => / down: /.test(line))).toEqual([]);
    const [slaveSeen, masterSeen] = [slaveB.logs.length, master.logs.length];
    proxyB?.freeze();
    await waitUntil(() => /no PING or KEYSYNC from the master for 3 s/.test(slaveB.logs.slice(slaveSeen).join('\n')), 'the slave to time the link out');
    await waitUntil(() => /no PING or KEYSYNC from the slave for 3 s/.test(master.logs.slice(masterSeen).join('\n')), 'the master to time the link out');
    proxyB?.thaw();
    await slaveB.linksUp();
    const listener = await master.client();
    listener.write('LISTEN back\r\n');
    await flushed(listener);
    const sender = await slaveB.client();
    sender.write('SET back=again\r\n');
    await listener.waitFor('SET back=again\r\n');
  });

  it('floods in both directions at once cross the link without a stall (each side reads on while its output to the other waits)', async () => {
    const master = await startNetServer('master', { users: USERS, interclacks: { stalledWriteTimeout: 5_000 } });
    const slave = await startNetServer('slave', { users: USERS, master: `clacks+unix://${master.socketPath}`, interclacks: { stalledWriteTimeout: 5_000 } });
    await slave.linksUp();
    const count = 20_000;
    const line = (from: string) => `SET flood.${from}=${'x'.repeat(1000)}\r\n`.repeat(1000);
    const listeners = [await master.client(), await slave.client()];
    listeners[0]?.write('LISTEN flood.slave\r\n');
    listeners[1]?.write('LISTEN flood.master\r\n');
    for (const listener of listeners) await flushed(listener);
    const senders = [await master.client(), await slave.client()];
    for (let i = 0; i < count / 1000; i++) {
      senders[0]?.write(line('master'));
      senders[1]?.write(line('slave'));
    }
    const arrived = (listener: RawConnection, name: string) => listener.received.split(`SET flood.${name}=`).length - 1;
    await waitUntil(() => arrived(listeners[0] as RawConnection, 'slave') === count && arrived(listeners[1] as RawConnection, 'master') === count, 'both floods to arrive', 60_000);
    expect(master.logs.join('\n')).not.toMatch(/down:/);
  });

  it('a link whose socket takes nothing is dropped after interclacks.stalledWriteTimeout', async () => {
    const { master, proxyB } = await startNetwork({ proxyB: true, master: { users: USERS, interclacks: { stalledWriteTimeout: 300 } }, slaves: { users: USERS } });
    proxyB?.freeze();
    // Enough for the master's link to the frozen slave to fill every socket buffer on the way.
    const flood = await master.client();
    const line = `SET flood=${'x'.repeat(1000)}\r\n`.repeat(1000);
    for (let i = 0; i < 16; i++) flood.write(line);
    await flushed(flood);
    await waitUntil(() => /link to the slave \S+ down: the slave's socket has taken nothing for 0\.3 s/.test(master.logs.join('\n')), 'the stalled link to be dropped');
    expect(master.server.stats.droppedBy.stalled).toBeGreaterThan(0);
  });

  it("the slave's clients are held while the master's sync lock is on, and answered after it", async () => {
    const { master, slaveB, proxyB } = await startNetwork({ proxyB: true, master: { users: USERS }, slaves: { users: USERS } });
    const onMaster = await master.client();
    onMaster.write('STORE lock.k=from the master\r\nLISTEN lock.chan\r\n');
    await flushed(onMaster);
    await eventually(slaveB, 'lock.k', 'from the master');
    const waiting = await slaveB.client();
    proxyB?.holdAfter('OVERHEAD L 1\r\n');
    await relockedBy(slaveB, () => proxyB?.dropAll());
    await sleep(100);
    const before = waiting.received.length;
    waiting.write('RETRIEVE lock.k\r\nSET lock.chan=sent during the lock\r\nFLUSH during\r\n');
    const newcomer = await slaveB.connectUnix();
    newcomer.write('CLACKS newcomer\r\nOVERHEAD A ZXhhbXBsZXVzZXI=:dW5zYWZlcGFzc3dvcmQ=\r\nRETRIEVE lock.k\r\n');
    await newcomer.waitFor('OVERHEAD M Authentication required\r\n');
    await sleep(300);
    expect(waiting.received.length, 'nothing is answered while the lock holds the server').toBe(before);
    expect(newcomer.received).not.toContain('Welcome');
    proxyB?.release();
    await waiting.waitFor('RETRIEVED lock.k=from the master\r\nFLUSHED during\r\n');
    await newcomer.waitFor('RETRIEVED lock.k=from the master\r\nOVERHEAD O Welcome!\r\n');
    // The SET ran after the sync, over the link that was then up.
    await onMaster.waitFor('SET lock.chan=sent during the lock\r\n');
  });

  it('a sync lock that never lifts times out (interclacks.lockTimeout): the link is dropped and the held commands run', async () => {
    const { slaveB, proxyB } = await startNetwork({ proxyB: true, master: { users: USERS }, slaves: { users: USERS, interclacks: { lockTimeout: 700 } } });
    const waiting = await slaveB.client();
    proxyB?.holdAfter('OVERHEAD L 1\r\n');
    await relockedBy(slaveB, () => proxyB?.dropAll());
    await sleep(100);
    waiting.write('STORE held=ran after the lock\r\nFLUSH held\r\n');
    await waiting.waitFor('FLUSHED held\r\n');
    expect(slaveB.logs.join('\n')).toMatch(/link to the master .* down: the master's sync lock did not lift within 0\.7 s/);
    expect(await retrieve(waiting, 'held')).toBe('ran after the lock');
  });
});

describe('interclacks loops', () => {
  it('a server that is its own master refuses the link, with a clear log line', async () => {
    const lone = await startNetServer('lone', { users: USERS, interclacks: { reconnectTimeout: 60_000 } });
    const self = await startNetServer('self', { users: USERS, master: `clacks+unix://${lone.socketPath}`, serverId: lone.server.serverId, interclacks: { reconnectTimeout: 60_000 } });
    await waitUntil(() => /refusing the link from .*: it would close a loop/.test(lone.logs.join('\n')), 'the refusal');
    await waitUntil(() => self.server.links()[0]?.state === 'down', 'the link to be down');
    expect(self.server.links()[0]?.lastError).toMatch(/the master refused the link: interclacks_loop/);
    // The reason crosses the link as plain ASCII (the wire is bytes: an arrow would arrive as a C1 control byte).
    const id = lone.server.serverId;
    expect(self.server.links()[0]?.lastError).toContain(`interclacks_loop this server (${id}) is already downstream of ${id}: ${id} -> ${id}`);
    const refused = self.logs.find((line) => line.includes('the master refused the link')) ?? '';
    expect(refused).toContain(`${id} -> ${id}`);
  });

  it('two servers that are each the master of the other end up with one link, and a SET crosses it once', async () => {
    const timers = { reconnectTimeout: 200 };
    // x names y's socket before y exists; y names x's.
    const directory = mkdtempSync(join(tmpdir(), 'clacks-loop-'));
    const ySocket = join(directory, 'clacks.sock');
    const x = await startNetServer('x', { users: USERS, master: `clacks+unix://${ySocket}`, interclacks: timers });
    const y = await startNetServer('y', { users: USERS, directory, master: `clacks+unix://${x.socketPath}`, interclacks: timers });
    await waitUntil(() => /loop/.test([...x.logs, ...y.logs].join('\n')), 'a loop to be seen');
    const up = (server: NetServer) => server.server.links().filter((link) => link.state === 'up');
    // The one link comes up (on a loaded machine it may take more than a reconnect or two), and it stays the only one:
    // 800 ms is four reconnect timeouts, in which the refused side keeps trying.
    await waitUntil(() => up(x).length + up(y).length === 2, 'the one link (both ends) to be up');
    await sleep(800);
    expect(up(x).length + up(y).length, JSON.stringify([x.server.links(), y.server.links()])).toBe(2);
    expect([...up(x), ...up(y)].map((link) => link.role).sort()).toEqual(['master', 'slave']);
    const listener = await y.client();
    listener.write('LISTEN loop.chan\r\n');
    await flushed(listener);
    const listenerX = await x.client();
    listenerX.write('LISTEN loop.chan\r\n');
    await flushed(listenerX);
    const sender = await x.client();
    sender.write('SET loop.chan=once\r\nSET loop.chan=barrier\r\n');
    await listener.waitFor('SET loop.chan=barrier\r\n');
    await listenerX.waitFor('SET loop.chan=barrier\r\n');
    await sleep(200);
    expect(listener.received.split('SET loop.chan=once').length).toBe(2);
    expect(listenerX.received.split('SET loop.chan=once').length).toBe(2);
  });
});
