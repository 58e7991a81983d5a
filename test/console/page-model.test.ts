/**
 * The console page's pure parts (no DOM): the bounded ring of the stream,
 * the per-second rates, how values are decoded and stored, how DEBUG lines
 * and CLIENTLIST entries become rows; and a check over the page's sources
 * that nothing inserts HTML.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { perlCodec } from '../../src/index.js';
import { toClientInfo } from '../../src/client/client-info.js';
import { clientRows, permissionsOf, tellsPermissions } from '../../src/console/page/model/clients.js';
import { formatAgo, formatDuration, formatRate } from '../../src/console/page/model/format.js';
import { RateWindow } from '../../src/console/page/model/rates.js';
import { Ring } from '../../src/console/page/model/ring.js';
import { boundedEntry, debugEntry, matchesFilter, parseCommand } from '../../src/console/page/model/stream.js';
import { encodeForStore, preview, viewValue } from '../../src/console/page/model/values.js';
import { ROOT } from '../cli/cli-process.js';

describe('the stream ring', () => {
  it('keeps the newest items within its capacity and counts what it dropped', () => {
    const ring = new Ring<number>(3);
    for (let i = 1; i <= 5; i++) ring.push(i);
    expect(ring.size).toBe(3);
    expect(ring.dropped).toBe(2);
    expect(ring.newest(10)).toEqual([5, 4, 3]);
    expect(ring.newest(2)).toEqual([5, 4]);
    expect(ring.newest(10, (n) => n % 2 === 1)).toEqual([5, 3]);
    ring.clear();
    expect([ring.size, ring.dropped, ring.newest(10)]).toEqual([0, 0, []]);
    expect(() => new Ring(0)).toThrow(RangeError);
  });
});

describe('the rates of the plot', () => {
  it('counts per second in a sliding window, forgetting what slid out', () => {
    const rates = new RateWindow(['events', 'commands'] as const, 5);
    const t0 = 1_000_000_000_000;
    rates.add('events', 1, t0);
    rates.add('events', 2, t0 + 500);
    rates.add('commands', 7, t0 + 1000);
    const first = rates.snapshot(t0 + 1000);
    expect(first.times).toEqual([999_999_997, 999_999_998, 999_999_999, 1_000_000_000, 1_000_000_001]);
    expect(first.values.events).toEqual([0, 0, 0, 3, 0]);
    expect(first.values.commands).toEqual([0, 0, 0, 0, 7]);
    expect(rates.snapshot(t0 + 1000, 2).values.events).toEqual([3, 0]);
    expect(rates.mean('events', 2, t0 + 2000)).toBe(1.5);
    // Ten seconds later the slots are reused: nothing old is counted.
    rates.add('events', 1, t0 + 10_000);
    expect(rates.snapshot(t0 + 10_000).values.events).toEqual([0, 0, 0, 0, 1]);
  });
});

describe('values as the console shows them', () => {
  it('decodes the Perl encodings with the package codec and keeps the raw text', () => {
    const structure = perlCodec.encode({ name: 'Alice', roles: ['admin'] });
    expect(viewValue(structure)).toEqual({
      kind: 'perl-structure',
      label: 'YAML structure',
      decoded: JSON.stringify({ name: 'Alice', roles: ['admin'] }, null, 2),
      compact: '{"name":"Alice","roles":["admin"]}',
      raw: structure,
    });
    const text = perlCodec.encode('one\ntwo');
    expect(viewValue(text)).toMatchObject({ kind: 'perl-text', label: 'B64 text', decoded: 'one\ntwo', compact: 'one\ntwo', raw: text });
    expect(viewValue('<b>plain</b>')).toMatchObject({ kind: 'text', decoded: '<b>plain</b>' });
    expect(viewValue('PAGECAMELCLACKSB64:!!!')).toMatchObject({ kind: 'undecodable', decoded: 'PAGECAMELCLACKSB64:!!!', error: expect.stringContaining('not base64') });
  });

  it('previews on one line, cut with an ellipsis', () => {
    expect(preview('a\nb\r\nc')).toBe('a ⏎ b ⏎ c');
    expect(preview('x'.repeat(500), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('encodes what the store form holds as the Perl libraries do', () => {
    expect(encodeForStore('plain', 'text')).toBe('plain');
    expect(encodeForStore('a\nb', 'text')).toBe(perlCodec.encode('a\nb'));
    expect(perlCodec.decode(encodeForStore('{"list":[1,2]}', 'json'))).toEqual({ list: [1, 2] });
    expect(encodeForStore('PAGECAMELCLACKSB64:aGk=', 'raw')).toBe('PAGECAMELCLACKSB64:aGk=');
    expect(() => encodeForStore('{nope', 'json')).toThrow(/^not JSON/);
    expect(() => encodeForStore('a\nb', 'raw')).toThrow(/one line/);
    expect(() => encodeForStore('PAGECAMELCLACKSB64:x', 'text')).toThrow(/must not start with PAGECAMELCLACKSB64/);
  });
});

describe('stream entries', () => {
  it('reads the monitor lines: commands, signals, connections, cache cleanup; never a login token', () => {
    expect(parseCommand('STORE a::b=c=d')).toEqual({ verb: 'STORE', name: 'a::b', detail: 'c=d' });
    expect(parseCommand('RETRIEVE a')).toEqual({ verb: 'RETRIEVE', name: 'a', detail: '' });
    expect(parseCommand('FLUSH x=1')).toEqual({ verb: 'FLUSH', name: '', detail: 'x=1' });
    expect(parseCommand('KEYLIST')).toEqual({ verb: 'KEYLIST', name: '', detail: '' });
    expect(debugEntry('cid:1', 'SET Door::Front=open')).toEqual({ kind: 'signal', label: 'SET', source: 'cid:1', name: 'Door::Front', detail: 'open' });
    expect(debugEntry('cid:1', 'INCREMENT n=2')).toMatchObject({ kind: 'command', label: 'INCREMENT', name: 'n', detail: '2' });
    expect(debugEntry('CONNECTED', 'cid:9')).toMatchObject({ kind: 'connected', source: 'server', detail: 'cid:9' });
    expect(debugEntry('DISCONNECTED', 'cid:9 (0 bytes discarded from outbuffer)')).toMatchObject({ kind: 'disconnected' });
    expect(debugEntry('SERVERCACHE', 'CLEANDELETED=old::key')).toMatchObject({ kind: 'cache', label: 'CLEANDELETED', name: 'old::key' });
    expect(debugEntry('cid:1', 'OVERHEAD A dXNlcg==:c2VjcmV0')).toMatchObject({ label: 'OVERHEAD', detail: 'A ***' });
  });

  it('keeps at most 1,000 characters of each field, saying how long a cut one was', () => {
    const entry = boundedEntry(debugEntry('cid:1', `SET ${'n'.repeat(5000)}=${'v'.repeat(2_000_000)}`));
    expect(entry.name).toBe(`${'n'.repeat(1000)}… (5,000 characters)`);
    expect(entry.detail).toBe(`${'v'.repeat(1000)}… (2,000,000 characters)`);
    expect(boundedEntry(debugEntry('cid:1', 'SET Door::Front=open'))).toEqual(debugEntry('cid:1', 'SET Door::Front=open'));
  });

  it('filters by a part of the name, whatever its case', () => {
    const entry = debugEntry('cid', 'SET Door::Front=open');
    expect([matchesFilter(entry, ''), matchesFilter(entry, 'door'), matchesFilter(entry, 'Front'), matchesFilter(entry, 'back')]).toEqual([true, true, true, false]);
  });
});

describe('the clients table', () => {
  const line = (fields: Record<string, string>) =>
    toClientInfo({ CID: 'c:1', HOST: '127.0.0.1', PORT: '1', CLIENTINFO: 'worker', OUTBUFFER_LENGTH: '10', INBUFFER_LENGTH: '0', INTERCLACKS: '0', MONITOR: '0', LASTPING: '0', LASTINTERCLACKSPING: '0', WRITEFAILTIME: '0', ...fields });

  it('flags monitors, interclacks links and the console itself', () => {
    const rows = clientRows([line({}), line({ CID: 'c:2', MONITOR: '1', INTERCLACKS: '1' }), line({ CID: 'c:3', CLIENTINFO: 'me' })], 'me', 10_000);
    expect(rows.map((row) => [row.cid, row.flags, row.own])).toEqual([
      ['c:1', [], false],
      ['c:2', ['monitor', 'interclacks'], false],
      ['c:3', ['this console'], true],
    ]);
    expect(rows[0]?.lastPing).toBe('never');
  });

  it('shows permissions only where the server tells them', () => {
    expect(tellsPermissions([line({})])).toBe(false);
    expect(permissionsOf(line({}).fields)).toBeUndefined();
    expect(tellsPermissions([line({}), line({ USER: 'rouser', PERMISSIONS: 'read' })])).toBe(true);
    expect(permissionsOf({ USER: 'rouser', PERMISSIONS: 'read' })).toBe('rouser (read)');
    expect(permissionsOf({ PERMISSIONS: 'read,write' })).toBe('read,write');
  });
});

describe('formatting', () => {
  it('writes durations, rates and ages', () => {
    expect([formatDuration(9_400), formatDuration(252_000), formatDuration(7_500_000), formatDuration(3 * 86_400_000 + 4 * 3_600_000)]).toEqual(['9s', '4m 12s', '2h 5m', '3d 4h']);
    expect([formatRate(0), formatRate(0.44), formatRate(12.4), formatRate(1234)]).toEqual(['0', '0.4', '12', '1.2k']);
    expect(formatAgo(100, 104_000)).toBe('4s ago');
  });
});

describe("the page's sources", () => {
  it('insert no HTML: no innerHTML, outerHTML, insertAdjacentHTML, document.write or DOMParser anywhere', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else if (name.endsWith('.ts')) files.push(full);
      }
    };
    walk(path.join(ROOT, 'src/console/page'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const code = readFileSync(file, 'utf8').replace(/\/\*\*[\s\S]*?\*\//g, '');
      expect(code, path.relative(ROOT, file)).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser|createContextualFragment/);
    }
  });
});
