/**
 * Tombstones and stale entries expire on schedule over a real socket, with
 * small values for deletedCacheTime, staleCacheTime and cacheCleanInterval;
 * monitors see the reference's DEBUG SERVERCACHE lines.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, startTestServer, stopTestServers, type RawConnection, type TestServer } from '../helpers/server.js';

/** A logged-in client of `target`, and a second one in monitor mode. */
async function clientAndMonitor(target: TestServer): Promise<{ client: RawConnection; monitor: RawConnection }> {
  const monitor = await target.connectUnix();
  await monitor.login();
  monitor.write('MONITOR\r\nFLUSH monitoring\r\n');
  await monitor.waitFor('FLUSHED monitoring\r\n');
  const client = await target.connectUnix();
  await client.login();
  return { client, monitor };
}

describe('cache expiry', () => {
  afterEach(stopTestServers);

  it('REMOVE leaves a tombstone: NOTRETRIEVED, not in KEYLIST; it is dropped after deletedCacheTime and monitors see CLEANDELETED', async () => {
    const { client, monitor } = await clientAndMonitor(await startTestServer({ deletedCacheTime: 300, cacheCleanInterval: 50 }));
    client.write('STORE gone=soon removed\r\nSTORE kept=1\r\nREMOVE gone\r\nREMOVE neverexisted\r\nRETRIEVE gone\r\nKEYLIST\r\n');
    await client.waitFor('KEYLISTEND\r\n');
    expect(client.received).toContain('NOTRETRIEVED gone\r\nKEYLISTSTART\r\nKEY kept\r\nKEYLISTEND\r\n');
    await monitor.waitFor('DEBUG SERVERCACHE=CLEANDELETED=neverexisted\r\n');
    await monitor.waitFor('DEBUG SERVERCACHE=CLEANDELETED=gone\r\n');
    expect(monitor.received).not.toContain('CLEANSTALE');
    expect(monitor.received).not.toContain('=kept\r\n');
  });

  it('a tombstone younger than deletedCacheTime is kept until it is that old', async () => {
    // The two tombstones are 1.5 s apart: a test process that a loaded machine
    // stalls for a second (timers then fire before the socket is read) still
    // finds "young" in its first half when "old" goes, not in the same sweep.
    const { monitor } = await clientAndMonitor(await startTestServer({ deletedCacheTime: 3000, cacheCleanInterval: 20 }));
    monitor.write('REMOVE old\r\nFLUSH f\r\n');
    await monitor.waitFor('FLUSHED f\r\n');
    await sleep(1500);
    monitor.write('REMOVE young\r\n');
    await monitor.waitFor('DEBUG SERVERCACHE=CLEANDELETED=old\r\n');
    // "young" is about 1.5 s old now, half its time.
    expect(monitor.received).not.toContain('CLEANDELETED=young');
    await monitor.waitFor('DEBUG SERVERCACHE=CLEANDELETED=young\r\n');
  });

  it('entries not read or written for staleCacheTime are dropped (CLEANSTALE); reading one keeps it', async () => {
    // A read every 50 ms against 2 s of staleCacheTime: a stall of the test
    // process (a loaded machine) of a second or so between two reads does not
    // make "read" stale. The window after "idle" went is longer than
    // staleCacheTime, so "read" would have gone in it unless the reads kept it.
    const { client, monitor } = await clientAndMonitor(await startTestServer({ staleCacheTime: 2000, cacheCleanInterval: 50 }));
    client.write('STORE idle=x\r\nSTORE read=y\r\nFLUSH stored\r\n');
    await client.waitFor('FLUSHED stored\r\n');
    const reads = setInterval(() => client.write('RETRIEVE read\r\n'), 50);
    try {
      await monitor.waitFor('DEBUG SERVERCACHE=CLEANSTALE=idle\r\n');
      await sleep(2500);
    } finally {
      clearInterval(reads);
    }
    expect(monitor.received).not.toContain('CLEANSTALE=read');
    client.write('RETRIEVE idle\r\nRETRIEVE read\r\nFLUSH done\r\n');
    await client.waitFor('FLUSHED done\r\n');
    expect(client.received).toContain('NOTRETRIEVED idle\r\nRETRIEVED read=y\r\nFLUSHED done\r\n');
  });

  it('CLEARCACHE empties the cache and leaves no tombstones', async () => {
    const { monitor } = await clientAndMonitor(await startTestServer({ deletedCacheTime: 100, cacheCleanInterval: 20 }));
    monitor.write('STORE a=1\r\nREMOVE cleared\r\nCLEARCACHE\r\nKEYLIST\r\nREMOVE after\r\n');
    await monitor.waitFor('KEYLISTSTART\r\nKEYLISTEND\r\n');
    // The tombstone left after CLEARCACHE expires; the one before it was gone with everything else.
    await monitor.waitFor('DEBUG SERVERCACHE=CLEANDELETED=after\r\n');
    expect(monitor.received).not.toContain('CLEANDELETED=cleared');
  });
});
