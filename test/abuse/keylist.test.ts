/**
 * Issue 10, finding 6: KEYLIST was built as one string: with a million keys,
 * 20 pipelined KEYLISTs stalled the server 1.8 s and took RSS to 568 MiB,
 * and a KEYLIST over `maxOutputBuffer` could never complete. Scaled down to
 * 60,000 keys (several sorted slices of 16,384): the reply is streamed a
 * batch at a time, so little of it is ever queued; any size completes for a
 * client that reads; lines pipelined behind it are answered after
 * KEYLISTEND, in order, with the reference's end-of-turn replies last.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH, startTestServer, stopTestServers, waitUntil, type RawConnection, type TestServer } from '../helpers/server.js';

const KiB = 1024;
const KEYS = 60_000;

/** Key names in a shuffled order, some with bytes above 0x7f, so the sort is really tested. */
function keyNames(count: number): string[] {
  const names = Array.from({ length: count }, (_, i) => `k:${((i * 7919) % count).toString(36)}${i % 97 === 0 ? '\xe9' : ''}:${i % 13}`);
  return names;
}

async function fill(connect: TestServer['connectUnix'], names: string[]): Promise<void> {
  const writer = await connect();
  await writer.login();
  for (let i = 0; i < names.length; i += 5000) writer.write(names.slice(i, i + 5000).map((name) => `STORE ${name}=1\r\n`).join(''));
  writer.write('FLUSH filled\r\n');
  await writer.waitFor('FLUSHED filled\r\n');
  writer.destroy();
}

function keylistBlock(names: readonly string[]): string {
  return `KEYLISTSTART\r\n${names.map((name) => `KEY ${name}\r\n`).join('')}KEYLISTEND\r\n`;
}

/** OUTBUFFER_LENGTH of the client whose CLIENTINFO is `info`, from a CLIENTLIST (which the old server had too). */
async function outbufferOf(manager: RawConnection, info: string, round: number): Promise<number> {
  manager.write(`CLIENTLIST\r\nFLUSH cl${round}\r\n`);
  const text = await manager.waitFor(`FLUSHED cl${round}\r\n`);
  const block = text.slice(text.lastIndexOf('CLIENTLISTSTART'));
  const line = block.split('\r\n').find((entry) => entry.includes(`CLIENTINFO=${info};`)) ?? '';
  return Number(/OUTBUFFER_LENGTH=(\d+);/.exec(line)?.[1] ?? -1);
}

describe('abuse: KEYLIST and CLIENTLIST are streamed (finding 6)', () => {
  afterEach(stopTestServers);

  it('never queues much of a big KEYLIST for a client that does not read, and sends it all in order once it does', async () => {
    const { connectUnix, server } = await startTestServer();
    const names = keyNames(KEYS);
    await fill(connectUnix, names);
    const manager = await connectUnix();
    await manager.login();

    const lister = await connectUnix();
    lister.write(`CLACKS lister\r\n${AUTH.main}NOPING\r\n`);
    await lister.waitFor('Welcome!\r\n');
    lister.socket.pause();
    lister.write('KEYLIST\r\n');
    // The whole reply is ~1 MB; the old server queued all of it at once.
    let largest = 0;
    for (let round = 0; round < 10; round++) largest = Math.max(largest, await outbufferOf(manager, 'lister', round));
    expect(largest).toBeGreaterThanOrEqual(0);
    expect(largest).toBeLessThan(256 * KiB);
    expect(server.usage().keylists.snapshots).toBe(1);

    lister.socket.resume();
    const expected = keylistBlock([...names].sort());
    await lister.waitFor((received) => received.endsWith(expected));
    await waitUntil(() => server.usage().keylists.snapshots === 0, 'the snapshot to be released');
  });

  it('completes a KEYLIST far larger than maxOutputBuffer for a client that reads', async () => {
    const { connectUnix, server } = await startTestServer({ limits: { maxOutputBuffer: 128 * KiB } });
    const names = keyNames(KEYS);
    await fill(connectUnix, names);
    const lister = await connectUnix();
    await lister.login();
    lister.write('KEYLIST\r\n');
    await lister.waitFor((received) => received.endsWith('KEYLISTEND\r\n'));
    expect(lister.received.endsWith(keylistBlock([...names].sort()))).toBe(true);
    expect(server.stats.droppedBy.outputCap).toBe(0);
  });

  it('leaves out the tombstones of every sorted slice (each slice is read from the cache as it is sorted)', async () => {
    const { connectUnix } = await startTestServer();
    const names = keyNames(KEYS);
    await fill(connectUnix, names);
    const removed = new Set(names.filter((_, i) => i % 3 === 0));
    const writer = await connectUnix();
    await writer.login();
    writer.write(`${[...removed].map((name) => `REMOVE ${name}\r\n`).join('')}FLUSH removed\r\n`);
    await writer.waitFor('FLUSHED removed\r\n');
    const lister = await connectUnix();
    await lister.login();
    lister.write('KEYLIST\r\n');
    await lister.waitFor((received) => received.endsWith('KEYLISTEND\r\n'));
    expect(lister.received.endsWith(keylistBlock(names.filter((name) => !removed.has(name)).sort()))).toBe(true);
  });

  it('answers lines pipelined behind a streamed KEYLIST after KEYLISTEND, in order, end-of-turn replies last', async () => {
    const { connectUnix } = await startTestServer();
    const names = keyNames(KEYS);
    await fill(connectUnix, names);
    const sorted = [...names].sort();

    const main = await connectUnix();
    await main.login();
    const known = names[1] as string;
    main.write(`KEYLIST\r\nRETRIEVE ${known}\r\nSTORE zzz=1\r\nKEYLIST\r\nREMOVE zzz\r\nFLUSH f\r\n`);
    const expected = `${keylistBlock(sorted)}RETRIEVED ${known}=1\r\n${keylistBlock([...sorted, 'zzz'])}FLUSHED f\r\n`;
    await main.waitFor((received) => received.endsWith('FLUSHED f\r\n'));
    expect(main.received.endsWith(expected)).toBe(true);

    // A read-only user: permission_denied is an end-of-turn reply, so it comes after every direct reply of the turn.
    const reader = await connectUnix();
    await reader.login(AUTH.readOnly);
    reader.write(`STORE x=1\r\nKEYLIST\r\nRETRIEVE ${known}\r\nFLUSH g\r\n`);
    await reader.waitFor('permission_denied\r\n');
    expect(reader.received.endsWith(`${keylistBlock(sorted)}RETRIEVED ${known}=1\r\nFLUSHED g\r\nOVERHEAD E permission_denied\r\n`)).toBe(true);
  });

  it('shares one snapshot among KEYLISTs of the same cache version, and lets at most maxKeylistSnapshots exist', async () => {
    const { connectUnix, server } = await startTestServer({ limits: { maxKeylistSnapshots: 1 } });
    const names = keyNames(KEYS);
    await fill(connectUnix, names);
    const listers = await Promise.all(Array.from({ length: 4 }, () => connectUnix()));
    for (const lister of listers) await lister.login();
    // Each one changes the cache before its KEYLIST: four versions, one snapshot at a time.
    listers.forEach((lister, index) => lister.write(`STORE extra${index}=1\r\nKEYLIST\r\nFLUSH done\r\n`));
    let most = 0;
    while (!listers.every((lister) => lister.received.endsWith('FLUSHED done\r\n'))) {
      most = Math.max(most, server.usage().keylists.snapshots);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(most).toBe(1);
    for (const [index, lister] of listers.entries()) {
      const block = lister.received.slice(lister.received.indexOf('KEYLISTSTART'));
      expect(block).toContain(`KEY extra${index}\r\n`);
      expect(block.endsWith('KEYLISTEND\r\nFLUSHED done\r\n')).toBe(true);
    }
  });

  it('completes a CLIENTLIST larger than maxOutputBuffer', async () => {
    // Every Unix-socket peer is one source: allow 150 of them before login.
    const { connectUnix } = await startTestServer({ limits: { maxOutputBuffer: 16 * KiB, maxUnauthenticatedPerSource: 1000 } });
    const clients = await Promise.all(Array.from({ length: 150 }, () => connectUnix()));
    for (const client of clients) client.write(`CLACKS ${'i'.repeat(200)}\r\n`);
    const manager = await connectUnix();
    await manager.login();
    manager.write('CLIENTLIST\r\n');
    await manager.waitFor('CLIENTLISTEND\r\n');
    expect(manager.received.split('\r\nCLIENT CID=').length - 1).toBe(151);
    expect(manager.closed).toBe(false);
  });
});
