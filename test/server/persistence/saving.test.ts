/**
 * Saving: the reference's file for the reference's writes, on the interval
 * and on shutdown, with the backup rotation; failures logged, counted and
 * retried, a failed final save reported; temporary files that no one can
 * guess or plant; caches too large for one string.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FinalSaveError } from '../../../src/server/persistence/persister.js';
import { bytes, readEntries, sampleBytes } from '../../helpers/persistence.js';
import { sleep, startTestServer, stopTestServers, waitUntil, type RawConnection, type TestServer } from '../../helpers/server.js';

/** The writes that made transcript 12's "values" sample (the ClacksCache calls as the lines they sent). */
const VALUES_WRITES = [
  'STORE plain=hello world', 'STORE eq=a=b=c', `STORE utf8=${bytes('Grüße, Zürich € 日本語 🚀')}`, 'STORE empty=', 'INCREMENT counter=5', 'INCREMENT counter',
  'INCREMENT float=0.5', 'DECREMENT neg=3', 'STORE gone=soon removed', 'REMOVE gone', 'REMOVE neverexisted', 'STORE my key=with space',
  'STORE Kitchen::Sensorbox2::Temperature=21.5', 'STORE looksdeleted=REMOVED', 'STORE tilde=~', 'STORE yes=yes', 'STORE null=null', 'STORE octal=0123',
  'STORE lead= leading space', 'STORE trail=trailing space ', `STORE quotes='single' "double"`, 'STORE colon=a: b', 'STORE hash=#not a comment',
  'STORE dash=- item', 'STORE brace={a: 1}', 'STORE star=*alias', 'STORE pct=%percent', `STORE long=${'word '.repeat(70)}end`, 'STORE ctrl=a\x01\x09\x7fb',
  'STORE latin1=\xe4\xf6\xfc', 'STORE nul=a\x00b', 'STORE backslash=C:\\temp\\new', 'STORE raw.yamlb64=PAGECAMELCLACKSYAMLB64: LS0tIAphOiAxCmxpc3Q6IAogIC0gMQogIC0gMgo=',
  'STORE VERSION::refcache=36', 'STORE cc.struct=PAGECAMELCLACKSYAMLB64: LS0tIAphOiAxCmxpc3Q6IAogIC0gMQogIC0gMgpuZXN0ZWQ6IAogIHg6ICd5Jwo=',
  'STORE cc.multiline=PAGECAMELCLACKSB64:bGluZTEKbGluZTINCmxpbmUz', 'STORE cc.plain=plain via cache', 'STORE cc___key___sanitized=key had a space and =',
  'INCREMENT cc.counter', 'INCREMENT cc.counter=41',
];

/** A file's text with every quoted time replaced by T. */
const withoutTimes = (file: Buffer | string): string => (typeof file === 'string' ? file : file.toString('latin1')).replace(/'\d+(?:\.\d+)?'/g, 'T');

async function send(target: TestServer, lines: string[]): Promise<RawConnection> {
  const client = await target.connectUnix();
  await client.login();
  client.write(`${lines.map((line) => `${line}\r\n`).join('')}FLUSH sent\r\n`);
  await client.waitFor('FLUSHED sent\r\n');
  return client;
}

async function persistentServer(options: Parameters<typeof startTestServer>[0] = {}): Promise<{ target: TestServer; file: string; logged: string[] }> {
  const scratch = await startTestServer();
  await scratch.server.close();
  const file = join(scratch.directory, 'p.dat');
  const logged: string[] = [];
  const target = await startTestServer({
    directory: scratch.directory,
    persistFile: file,
    persistInterval: 0,
    logger: (level, message) => logged.push(`${level}: ${message}`),
    ...options,
  });
  return { target, file, logged };
}

describe('saving the cache', () => {
  afterEach(stopTestServers);

  it('the reference’s writes are saved as the reference saved them (transcript 12 "values"), times aside', async () => {
    const { target, file } = await persistentServer();
    await send(target, VALUES_WRITES);
    await target.server.close();
    expect(withoutTimes(readFileSync(file))).toBe(withoutTimes(sampleBytes('values')));
    // The times are now, written as Perl prints them.
    const entries = await readEntries(file);
    const now = Date.now() / 1000;
    for (const entry of entries.values()) expect(Math.abs(entry.cachetime - now)).toBeLessThan(60);
  });

  it('saves every persistInterval while something changes (a RETRIEVE hit is a change), keeping the previous file as the backup', async () => {
    const { target, file } = await persistentServer({ persistInterval: 100 });
    await waitUntil(() => existsSync(file), 'the first save (no file existed)');
    const client = await send(target, ['STORE k=v1']);
    await waitUntil(() => readFileSync(file, 'latin1').includes('data: v1'), 'the save of v1');
    await target.server.saveCache(); // that save has finished (and nothing else changed)
    const first = readFileSync(file);
    const saves = target.server.stats.cacheSaves;
    client.write('RETRIEVE k\r\n');
    await waitUntil(() => target.server.stats.cacheSaves > saves, 'a save after the RETRIEVE');
    const second = readFileSync(file);
    expect(withoutTimes(second)).toBe(withoutTimes(first));
    expect(second.equals(first)).toBe(false); // the access time moved
    expect(readFileSync(`${file}_bck`).equals(first)).toBe(true);
    // Nothing changes: nothing is written.
    const settled = target.server.stats.cacheSaves;
    await sleep(350);
    expect(target.server.stats.cacheSaves).toBe(settled);
    expect(target.server.stats.cacheSaveFailures).toBe(0);
  });

  it('a failed save is logged each time, counted, and retried until it works', async () => {
    const scratch = await startTestServer();
    await scratch.server.close();
    const directory = join(scratch.directory, 'data');
    mkdirSync(directory);
    const file = join(directory, 'p.dat');
    const logged: string[] = [];
    const target = await startTestServer({ directory: scratch.directory, persistFile: file, persistInterval: 50, logger: (level, message) => logged.push(`${level}: ${message}`) });
    await waitUntil(() => existsSync(file), 'the first save');
    // The directory goes away and a file takes its name: every write fails (even for root).
    renameSync(directory, `${directory}.moved`);
    writeFileSync(directory, 'not a directory');
    await send(target, ['STORE k=v']);
    await waitUntil(() => target.server.stats.cacheSaveFailures >= 2, 'two failed saves');
    const errors = logged.filter((line) => line.startsWith('error:') && line.includes(`cannot save the cache to ${file}`));
    expect(errors.length).toBeGreaterThanOrEqual(2);
    // The directory comes back: the next interval saves what was missed.
    renameSync(directory, `${directory}.file`);
    renameSync(`${directory}.moved`, directory);
    await waitUntil(() => readFileSync(file, 'latin1').includes('data: v'), 'the save once the directory is back');
    await target.server.close();
  });

  it('a failed final save makes close() reject (and closed too)', async () => {
    const { target, file } = await persistentServer();
    await waitUntil(() => existsSync(file), 'the first save');
    await send(target, ['STORE k=v']);
    const directory = file.slice(0, file.lastIndexOf('/'));
    // The persistence file's name is taken by a directory: the rename over it fails.
    renameSync(file, `${file}.old`);
    mkdirSync(file);
    writeFileSync(join(file, 'keep'), 'x');
    await expect(target.server.close()).rejects.toBeInstanceOf(FinalSaveError);
    await expect(target.server.closed).rejects.toThrow(/final save/);
    expect(readdirSync(directory).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it("temporary files are created exclusively under unpredictable names: a planted p.dat_ is never written through, none is left behind", async () => {
    const { target, file } = await persistentServer({ persistInterval: 50 });
    const victim = `${file}.victim`;
    writeFileSync(victim, 'untouched');
    await waitUntil(() => existsSync(file), 'the first save');
    symlinkSync(victim, `${file}_`);
    await send(target, ['STORE k=v']);
    await waitUntil(() => readFileSync(file, 'latin1').includes('data: v'), 'the save');
    await target.server.close();
    expect(readFileSync(victim, 'latin1')).toBe('untouched');
    expect(readlinkSync(`${file}_`)).toBe(victim);
    const directory = file.slice(0, file.lastIndexOf('/'));
    expect(readdirSync(directory).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    // The file keeps its owner-only mode.
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('a cache far too large for one string saves and loads (6 values of 15 MiB of \\x01, 360 MB escaped)', async () => {
    const { target, file } = await persistentServer();
    const value = '\x01'.repeat(15 * 1024 * 1024);
    const client = await target.connectUnix();
    await client.login();
    for (let i = 0; i < 6; i++) client.write(`STORE big${i}=${value}\r\n`);
    client.write('FLUSH stored\r\n');
    await client.waitFor('FLUSHED stored\r\n', 60_000);
    client.destroy();
    await target.server.close();
    expect(statSync(file).size).toBeGreaterThan(6 * 4 * 15 * 1024 * 1024);
    const entries = await readEntries(file);
    expect(entries.size).toBe(6);
    for (const entry of entries.values()) expect(entry.data === value).toBe(true);
  }, 120_000);
});
