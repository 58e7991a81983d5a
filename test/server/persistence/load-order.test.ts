/**
 * What the server does on start with the files it finds (transcript 12,
 * "What the server does on load", cases L1–L13): main file, then the
 * backup, then the reference's temporary file, else an empty cache; after a
 * fallback main and backup are written again at once.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleBytes, type Sample } from '../../helpers/persistence.js';
import { startTestServer, stopTestServers, waitUntil, type TestServer } from '../../helpers/server.js';

const V3 = (yaml: string): Buffer => Buffer.concat([Buffer.from('\0CLACKSV3'), Buffer.from(yaml, 'latin1'), Buffer.from('\0CLACKSV3')]);
const EMPTY_FILE = V3('--- {}\n\n');
const VALUES = sampleBytes('values');

interface Started {
  target: TestServer;
  file: string;
  logged: string[];
}

/** Starts a server on a directory holding `files` (names relative to the persistence file `p.dat`). */
async function startWith(files: Partial<Record<'p.dat' | 'p.dat_bck' | 'p.dat_', Buffer | Sample>>): Promise<Started> {
  const scratch = await startTestServer();
  await scratch.server.close();
  const file = join(scratch.directory, 'p.dat');
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(scratch.directory, name), typeof content === 'string' ? sampleBytes(content) : content);
  }
  const logged: string[] = [];
  const target = await startTestServer({
    directory: scratch.directory,
    persistFile: file,
    persistInterval: 0,
    // The samples' times are from the day they were recorded: no cleanup may expire them here.
    cacheCleanInterval: 0,
    logger: (level, message) => logged.push(`${level}: ${message}`),
  });
  return { target, file, logged };
}

async function retrieve(target: TestServer, ...names: string[]): Promise<string> {
  const client = await target.connectUnix();
  await client.login();
  client.write(`${names.map((name) => `RETRIEVE ${name}\r\n`).join('')}FLUSH done\r\n`);
  const received = await client.waitFor('FLUSHED done\r\n');
  client.destroy();
  return received.slice(received.indexOf('Welcome!\r\n') + 10, received.indexOf('FLUSHED done'));
}

const read = (path: string): Buffer => readFileSync(path);

describe('loading on start', () => {
  afterEach(stopTestServers);

  it('L1: no file at all: an empty cache, and main and backup written at once (26 bytes each)', async () => {
    const { target, file } = await startWith({});
    await waitUntil(() => existsSync(`${file}_bck`), 'the first save');
    expect(read(file).equals(EMPTY_FILE)).toBe(true);
    expect(read(`${file}_bck`).equals(EMPTY_FILE)).toBe(true);
    expect(await retrieve(target, 'plain')).toBe('NOTRETRIEVED plain\r\n');
  });

  it.each([
    ['L2: main lacks its end marker', VALUES.subarray(0, -1)],
    ['L3: main is 6 bytes of garbage', Buffer.from('hello\n')],
    ['L3b: main is text, neither V3 nor legacy', Buffer.from('this is not a clacks persistence file\n')],
    ['L4: main has valid markers around broken YAML', V3('--- \n{[: broken\n')],
    ['L8: main is empty', Buffer.alloc(0)],
    ['L9: main holds a YAML string (the reference dies at the next KEYLIST)', V3('--- just a string\n')],
    ['L10: main holds a YAML list', V3('--- \n- a\n- b\n')],
  ])('%s: the backup is loaded, the damaged main kept as p.dat_corrupt, main and backup rewritten', async (_case, main) => {
    const { target, file, logged } = await startWith({ 'p.dat': main, 'p.dat_bck': 'values' });
    expect(logged.some((line) => line.startsWith('error:') && line.includes(`${file} does not load`))).toBe(true);
    expect(await retrieve(target, 'plain', 'gone', 'utf8')).toBe(`RETRIEVED plain=hello world\r\nNOTRETRIEVED gone\r\nRETRIEVED utf8=${Buffer.from('Grüße, Zürich € 日本語 🚀').toString('latin1')}\r\n`);
    await waitUntil(() => existsSync(file), 'the save after the fallback');
    expect(read(`${file}_corrupt`).equals(main)).toBe(true);
    // The cache loaded from the backup; the RETRIEVEs above may have moved access times since.
    await target.server.close();
    const saved = read(file).toString('latin1');
    expect(saved.replace(/'\d+\.\d+'/g, 'T')).toBe(VALUES.toString('latin1').replace(/'\d+\.\d+'/g, 'T'));
  });

  it('L5: no main file, a valid backup: the backup is loaded and main written again', async () => {
    const { target, file } = await startWith({ 'p.dat_bck': 'values' });
    expect(await retrieve(target, 'plain')).toBe('RETRIEVED plain=hello world\r\n');
    await waitUntil(() => existsSync(file), 'the save after the fallback');
    expect(read(file).equals(VALUES)).toBe(true);
    expect(read(`${file}_bck`).equals(VALUES)).toBe(true);
  });

  it("L6: main garbage, no backup, the Perl server's temporary file p.dat_ valid: it is the last resort", async () => {
    const { target, file, logged } = await startWith({ 'p.dat': Buffer.from('hello\n'), 'p.dat_': 'values' });
    expect(logged.some((line) => line.includes(`${file}_`) && line.includes('loaded 37'))).toBe(true);
    expect(await retrieve(target, 'plain')).toBe('RETRIEVED plain=hello world\r\n');
    await waitUntil(() => existsSync(`${file}_bck`), 'the save after the fallback');
    expect(read(file).equals(read(`${file}_bck`))).toBe(true);
  });

  it('L7: the two markers only: an empty cache; the next save writes the 26-byte empty file', async () => {
    const { target, file } = await startWith({ 'p.dat': V3('') });
    expect(await retrieve(target, 'plain')).toBe('NOTRETRIEVED plain\r\n');
    expect(read(file).length).toBe(18);
    await target.server.close();
    expect(read(file).equals(EMPTY_FILE)).toBe(true);
  });

  it('a main file that loads is used, whatever the backup holds; nothing is written until something changes', async () => {
    const { target, file } = await startWith({ 'p.dat': 'step2', 'p.dat_bck': 'values' });
    expect(await retrieve(target, 'nothing')).toBe('NOTRETRIEVED nothing\r\n');
    await target.server.close();
    expect(read(file).equals(sampleBytes('step2'))).toBe(true);
    expect(read(`${file}_bck`).equals(VALUES)).toBe(true);
  });

  it('L11/L12: legacy files load (removed keys as tombstones) and are rewritten as V3, the legacy file kept as the backup', async () => {
    const { target, file, logged } = await startWith({ 'p.dat': 'legacy_v21' });
    expect(logged.some((line) => line.includes('legacy format'))).toBe(true);
    expect(await retrieve(target, 'eq', 'removedkey')).toBe('RETRIEVED eq=a=b\r\nNOTRETRIEVED removedkey\r\n');
    await target.server.close();
    expect(read(file).subarray(0, 9).toString('latin1')).toBe('\0CLACKSV3');
    expect(read(`${file}_bck`).equals(sampleBytes('legacy_v21'))).toBe(true);

    const pre22 = await startWith({ 'p.dat': 'legacy_pre22' });
    expect(await retrieve(pre22.target, 'plain')).toBe('RETRIEVED plain=pre-22 value\r\n');
  });

  it('L13: a JSON object between the markers loads as YAML::Syck reads it', async () => {
    const { target } = await startWith({ 'p.dat': 'json_body' });
    expect(await retrieve(target, 'json.key', 'json.gone', 'plain')).toBe('RETRIEVED json.key=from JSON \\u00e4 = x\r\nNOTRETRIEVED json.gone\r\nRETRIEVED plain=42\r\n');
  });

  it('the JSON file of earlier net-clacks versions loads, byte for byte, and is rewritten as V3', async () => {
    const value = Buffer.from([...Buffer.from('Grüße € 🚀 '), 0xff, 0xfe, 0x00, 0x41]).toString('latin1');
    const json = JSON.stringify({ format: 'net-clacks-cache', version: 1, savedAt: '2026-11-01T00:00:00.000Z', entries: [['text', value], ['count', '2.5']] });
    const { target, file } = await startWith({ 'p.dat': Buffer.from(json, 'latin1') });
    expect(await retrieve(target, 'text', 'count')).toBe(`RETRIEVED text=${value}\r\nRETRIEVED count=2.5\r\n`);
    await target.server.close();
    const saved = read(file).toString('latin1');
    expect(saved.startsWith("\0CLACKSV3--- \ncount: \n  accesstime: '")).toBe(true);
    expect(saved).toContain(`text: \n`);
    expect(read(`${file}_bck`).toString('latin1')).toBe(json);
  });
});
