/** The cache model of the reference (PROTOCOL.md, "The cache model"), on the Cache itself with a controlled clock. */
import { describe, expect, it } from 'vitest';
import { Cache } from '../../src/server/cache.js';
import { CacheCleaner, type PurgeKind } from '../../src/server/cache-cleaner.js';

function clockAt(start: number): { now: () => number; advance: (seconds: number) => void } {
  let time = start;
  return { now: () => time, advance: (seconds) => void (time += seconds) };
}

describe('the cache model', () => {
  it('writes set cachetime and accesstime; a RETRIEVE hit moves only accesstime', () => {
    const clock = clockAt(1796115537.25);
    const cache = new Cache(clock.now);
    cache.set('k', 'v');
    expect(cache.peek('k')).toEqual({ data: 'v', cachetime: 1796115537.25, accesstime: 1796115537.25, deleted: false });
    clock.advance(2);
    const version = cache.version;
    expect(cache.get('k')).toBe('v');
    expect(cache.peek('k')).toEqual({ data: 'v', cachetime: 1796115537.25, accesstime: 1796115539.25, deleted: false });
    // A RETRIEVE hit changes the cache (the reference saves after one).
    expect(cache.version).toBeGreaterThan(version);
    clock.advance(1);
    cache.step('n', '2.5', false);
    cache.step('n', undefined, true);
    expect(cache.peek('n')).toEqual({ data: '1.5', cachetime: 1796115540.25, accesstime: 1796115540.25, deleted: false });
  });

  it('REMOVE leaves a tombstone, also for a key that never existed; it reads as absent and counts as 0', () => {
    const clock = clockAt(1000000000);
    const cache = new Cache(clock.now);
    cache.set('gone', 'soon removed');
    clock.advance(1);
    cache.remove('gone');
    cache.remove('neverexisted');
    expect(cache.peek('gone')).toEqual({ data: '', cachetime: 1000000001, accesstime: 1000000001, deleted: true });
    expect(cache.peek('neverexisted')?.deleted).toBe(true);
    const version = cache.version;
    expect(cache.get('gone')).toBeUndefined();
    expect(cache.version).toBe(version); // a miss changes nothing
    expect(cache.sortedKeys()).toEqual([]);
    expect(cache.size).toBe(2);
    cache.step('gone', '5', false);
    expect(cache.peek('gone')).toMatchObject({ data: '5', deleted: false });
  });

  it('KEYLIST lists live keys in byte order; CLEARCACHE leaves nothing, tombstones included', () => {
    const cache = new Cache();
    for (const name of ['b', 'a', 'B', '\xe4', 'a:b']) cache.set(name, '1');
    cache.remove('x');
    expect(cache.sortedKeys()).toEqual(['B', 'a', 'a:b', 'b', '\xe4']);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.peek('x')).toBeUndefined();
  });

  it('a synced entry replaces ours only when its cachetime is newer (last writer wins), tombstones included', () => {
    const cache = new Cache(() => 1000);
    cache.set('k', 'ours');
    expect(cache.applySynced('k', { data: 'older', cachetime: 999, accesstime: 999, deleted: false })).toBe(false);
    expect(cache.applySynced('k', { data: 'same age', cachetime: 1000, accesstime: 1000, deleted: false })).toBe(false);
    expect(cache.applySynced('k', { data: 'REMOVED', cachetime: 1001, accesstime: 0, deleted: true })).toBe(true);
    expect(cache.peek('k')).toEqual({ data: '', cachetime: 1001, accesstime: 0, deleted: true });
    expect(cache.applySynced('new', { data: 'theirs', cachetime: 5, accesstime: 6, deleted: false })).toBe(true);
    expect(cache.get('new')).toBe('theirs');
  });

  it('a snapshot sees the cache as it was when it was opened, whatever changes meanwhile', () => {
    const clock = clockAt(100);
    const cache = new Cache(clock.now);
    cache.set('a', '1');
    cache.set('b', '2');
    cache.remove('c');
    const snapshot = cache.openSnapshot();
    clock.advance(1);
    cache.set('a', 'changed');
    cache.get('b');
    cache.set('new', 'later');
    cache.remove('a');
    expect([...snapshot.keys()]).toEqual(['a', 'b', 'c']);
    expect(snapshot.entry('a')).toEqual({ data: '1', cachetime: 100, accesstime: 100, deleted: false });
    expect(snapshot.entry('b').accesstime).toBe(100);
    expect(() => cache.purge('b', cache.peek('b') as never)).toThrow(/snapshot/);
    cache.clear();
    expect(snapshot.entry('b').data).toBe('2');
    expect([...snapshot.keys()]).toEqual(['a', 'b', 'c']);
    snapshot.close();
    expect(cache.size).toBe(0);
  });

  it('the cleanup drops old tombstones and entries not accessed for stalecachetime, and reports each', async () => {
    const clock = clockAt(5000);
    const cache = new Cache(clock.now);
    const purged: Array<[string, PurgeKind]> = [];
    const cleaner = new CacheCleaner(cache, { deletedCacheTime: 10_000, staleCacheTime: 60_000, cacheCleanInterval: 0 }, clock.now, (name, kind) =>
      purged.push([name, kind]),
    );
    cache.set('read', 'x');
    cache.set('idle', 'x');
    cache.remove('removed');
    clock.advance(9);
    expect(await cleaner.clean()).toBe(0);
    clock.advance(2);
    expect(await cleaner.clean()).toBe(1);
    expect(purged).toEqual([['removed', 'CLEANDELETED']]);
    clock.advance(40);
    cache.get('read');
    clock.advance(20);
    expect(await cleaner.clean()).toBe(1);
    expect(purged).toEqual([
      ['removed', 'CLEANDELETED'],
      ['idle', 'CLEANSTALE'],
    ]);
    expect(cache.sortedKeys()).toEqual(['read']);
  });

  it('a cleanup waits for a save that holds a snapshot', async () => {
    const clock = clockAt(5000);
    const cache = new Cache(clock.now);
    cache.remove('old');
    clock.advance(100);
    const cleaner = new CacheCleaner(cache, { deletedCacheTime: 1000, staleCacheTime: 0, cacheCleanInterval: 0 }, clock.now, () => {});
    let release: () => void = () => {};
    const saving = cache.exclusive(async () => {
      const snapshot = cache.openSnapshot();
      await new Promise<void>((resolve) => (release = resolve));
      snapshot.close();
    });
    const cleaning = cleaner.clean();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(cache.size).toBe(1);
    release();
    await saving;
    expect(await cleaning).toBe(1);
  });
});

describe("the cache's figures (keys, tombstones, bytes)", () => {
  /** What the figures must say, counted the slow way. */
  function walked(cache: Cache): { keys: number; tombstones: number; bytes: number } {
    const figures = { keys: 0, tombstones: 0, bytes: 0 };
    for (const [name, entry] of cache.all()) {
      if (entry.deleted) figures.tombstones++;
      else figures.keys++;
      figures.bytes += name.length + entry.data.length;
    }
    return figures;
  }

  it('follow every kind of change without walking the cache', () => {
    const clock = clockAt(1000);
    const cache = new Cache(clock.now);
    expect(cache.figures).toEqual({ keys: 0, tombstones: 0, bytes: 0 });
    cache.set('alpha', 'one');
    cache.set('beta', '22');
    expect(cache.figures).toEqual({ keys: 2, tombstones: 0, bytes: 5 + 3 + 4 + 2 });
    cache.set('alpha', 'a longer value'); // replaced: the old value's bytes go
    cache.get('beta'); // a read changes nothing counted
    cache.get('missing');
    cache.remove('beta'); // live → tombstone: the name stays
    cache.remove('never'); // a tombstone for a key that never existed
    cache.step('counter', '5', false);
    cache.step('counter', undefined, false);
    cache.step('beta', '1', true); // a tombstone comes back to life
    expect(cache.figures).toEqual(walked(cache));
    expect(cache.figures).toMatchObject({ keys: 3, tombstones: 1 });
    clock.advance(10);
    expect(cache.applySynced('synced', { data: 'from afar', cachetime: 1010, accesstime: 1010, deleted: false })).toBe(true);
    expect(cache.applySynced('alpha', { data: 'ignored', cachetime: 1005, accesstime: 1005, deleted: true })).toBe(true);
    expect(cache.applySynced('synced', { data: 'older', cachetime: 1, accesstime: 1, deleted: false })).toBe(false);
    expect(cache.figures).toEqual(walked(cache));
    const tombstone = cache.peek('never');
    expect(tombstone && cache.purge('never', tombstone)).toBe(true);
    expect(cache.figures).toEqual(walked(cache));
    cache.load([
      ['x', { data: 'xyz', cachetime: 1, accesstime: 1, deleted: false }],
      ['y', { data: '', cachetime: 1, accesstime: 1, deleted: true }],
    ]);
    expect(cache.figures).toEqual({ keys: 1, tombstones: 1, bytes: 5 });
    cache.clear();
    expect(cache.figures).toEqual({ keys: 0, tombstones: 0, bytes: 0 });
  });

  it('stay right while a snapshot is open and many random changes run', () => {
    const cache = new Cache();
    let seed = 7;
    const random = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let round = 0; round < 3; round++) {
      const snapshot = round === 1 ? cache.openSnapshot() : undefined;
      for (let i = 0; i < 2000; i++) {
        const name = `k${random(50)}`;
        const op = random(5);
        if (op === 0) cache.set(name, 'v'.repeat(random(20)));
        else if (op === 1) cache.get(name);
        else if (op === 2) cache.remove(name);
        else if (op === 3) cache.step(name, String(random(9)), random(2) === 0);
        else if (snapshot === undefined) {
          const entry = cache.peek(name);
          if (entry !== undefined) cache.purge(name, entry);
        }
      }
      snapshot?.close();
      expect(cache.figures).toEqual(walked(cache));
    }
  });
});
