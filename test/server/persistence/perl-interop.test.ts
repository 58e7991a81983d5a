/**
 * Our V3 files against the real Perl YAML::Syck, when it is installed
 * (Debian: libyaml-syck-perl); skipped otherwise. The Perl side does what
 * the reference server does with the file: strip the markers, Load, Dump.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CacheEntry } from '../../../src/server/cache.js';
import { syckScalar } from '../../../src/server/persistence/syck-scalar.js';
import { decodeDoubleQuoted, decodeSingleQuoted } from '../../../src/server/persistence/yaml-quoted.js';
import { bytes, readEntries, removeScratchDirectories, scratchDirectory, writeEntries } from '../../helpers/persistence.js';

const HAS_SYCK = spawnSync('perl', ['-MYAML::Syck', '-e', '1']).status === 0;

/** Per input line (hex of a byte string): hex of Dump({ $s => { data => $s } }). */
const PERL_DUMP_SCALARS = String.raw`
use strict; use YAML::Syck; $YAML::Syck::SortKeys = 1;
while (my $line = <STDIN>) { chomp $line; my $s = pack('H*', $line);
  print unpack('H*', Dump({ $s => { data => $s } })), "\n"; }`;

/** Loads the V3 file named in ARGV like the reference server; prints one line per entry, then the hex of its own Dump. */
const PERL_LOAD_FILE = String.raw`
use strict; use YAML::Syck; $YAML::Syck::SortKeys = 1;
open(my $fh, '<', $ARGV[0]) or die; binmode $fh; local $/; my $file = <$fh>; close $fh;
die 'no start marker' unless substr($file, 0, 9) eq chr(0) . 'CLACKSV3';
die 'no end marker' unless substr($file, -9) eq chr(0) . 'CLACKSV3';
my $cache = Load(substr($file, 9, length($file) - 18));
for my $key (sort keys %$cache) { my $e = $cache->{$key};
  print join(' ', unpack('H*', $key), unpack('H*', $e->{data}), $e->{cachetime}, $e->{accesstime}, $e->{deleted}), "\n"; }
print 'DUMP ', unpack('H*', chr(0) . 'CLACKSV3' . Dump($cache) . chr(0) . 'CLACKSV3'), "\n";`;

/** Writes a V3 file the way the reference server does, from "hexkey hexdata cachetime accesstime deleted" lines (times as Perl floats). */
const PERL_WRITE_FILE = String.raw`
use strict; use YAML::Syck; $YAML::Syck::SortKeys = 1;
my %cache;
while (my $line = <STDIN>) { chomp $line; my ($k, $d, $c, $a, $x) = split / /, $line;
  $cache{pack('H*', $k)} = { data => pack('H*', $d), cachetime => $c + 0.0, accesstime => $a + 0.0, deleted => $x + 0 }; }
open(my $fh, '>', $ARGV[0]) or die; binmode $fh; print $fh chr(0) . 'CLACKSV3' . Dump(\%cache) . chr(0) . 'CLACKSV3'; close $fh;`;

/** Per input line (hex of a YAML scalar's source): hex of what Load makes of `k: <source>`. */
const PERL_LOAD_SCALARS = String.raw`
use strict; use YAML::Syck;
while (my $line = <STDIN>) { chomp $line; my $source = pack('H*', $line);
  my $loaded = Load("--- \nk: $source\n"); print unpack('H*', $loaded->{k}), "\n"; }`;

const hex = (text: string): string => Buffer.from(text, 'latin1').toString('hex');
const unhex = (text: string): string => Buffer.from(text, 'hex').toString('latin1');

function perl(script: string, args: string[], input = ''): string {
  return execFileSync('perl', ['-e', script, ...args], { input, maxBuffer: 1 << 28 }).toString('latin1');
}

/** Tricky names and values: every style, controls, raw UTF-8 and latin1, numbers Syck quotes and does not. */
const TRICKY = [
  'hello world', '', '0', '00', '-0', '+0', '7', '-12345678', '123456789', '1234567890', '0.5', '.5', '1e5', 'Inf', 'nan', '0 but true',
  'yes', 'No', 'off', 'null', 'NULL', '~', 'y', 'true\xff', ' lead', 'trail ', '\tTab', 'a\tb', 'a: b', 'a:b', ':sym', 'a #b', 'a#b', '#x', '- x', '-x',
  '? x', '[a]', '{a: 1}', '*a', '&a', '!a', '|a', '>a', '%a', '@a', '`a', '^a', "'q'", '"q"', 'C:\\new', 'a\0b', '\x01\x02\x1b\x7f', '\r1', '1\r',
  'line\nbreak', '5\n', '\n5', ' 12', '12 ', '---', '...', '<<', '=', bytes('Grüße 日本語 🚀'), '\xe4\xf6\xfc', ' \xe4', 'PAGECAMELCLACKSYAMLB64: LS0t',
  `${'long '.repeat(40)}end`,
];

describe.skipIf(!HAS_SYCK)('V3 files and the real YAML::Syck', () => {
  afterEach(removeScratchDirectories);

  it('every scalar is written in the style Syck picks (20,000 random strings and the tricky ones)', () => {
    const alphabet = [...' \t\n\r\0\x01\x7f\x80\xe4\xffab0159-+.eE:#?,[]{}!*&|>\'"%@`^\\=~ynNofiIxX\v\f_'];
    const words = ['yes', 'null', 'true', 'off', 'inf', 'nan', 'Infinity', '1e5', '0 but true', '---', '<<', '0x1F', '123456789', '1234567890', ' 12', '-.5', 'true\xff', 'y'];
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const cases = [...TRICKY];
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      for (let length = 1 + Math.floor(random() * 10); length > 0; length--) text += random() < 0.1 ? pick(words) : pick(alphabet);
      cases.push(text);
    }
    const dumps = perl(PERL_DUMP_SCALARS, [], `${cases.map(hex).join('\n')}\n`).trim().split('\n');
    const mismatches = cases.filter((text, index) => `--- \n${syckScalar(text, true)}: \n  data: ${syckScalar(text)}\n` !== unhex(dumps[index] as string));
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  it('quoted scalars read as YAML::Syck reads them: its escapes only, line folding, escaped line breaks', () => {
    const sources = [
      '"\\u00e4 \\U000000e4 \\q \\/ \\N \\_ \\x4 \\xZZ \\\'"', '"\\x41\\x4a\\xe4\\e\\a\\b\\f\\v\\0\\r\\t\\n\\\\\\""', '"line1\n  line2"', '"a\\\n  b"',
      '"a  \n\n\n   b"', '"x\\\\\n y"', "'it''s'", "'a\n  b'", "'a\n\n  b'", "'5\n\n'", "'\n\n5'", "'a \n\tb'",
    ];
    const loaded = perl(PERL_LOAD_SCALARS, [], `${sources.map(hex).join('\n')}\n`).trim().split('\n').map(unhex);
    const ours = sources.map((source) => (source.startsWith('"') ? decodeDoubleQuoted(source) : decodeSingleQuoted(source)));
    expect(ours).toEqual(loaded);
  });

  it('Perl loads a file we wrote with every key, value byte, time and tombstone, and dumps the same bytes', async () => {
    const entries = new Map<string, CacheEntry>();
    TRICKY.forEach((text, index) => {
      const cachetime = 1796115537.99664 + index * 0.01001;
      entries.set(text === '' ? 'empty key' : text, { data: text, cachetime, accesstime: cachetime + 1.5, deleted: false });
    });
    entries.set('removed', { data: '', cachetime: 1796115540.5, accesstime: 0, deleted: true });
    const file = join(scratchDirectory(), 'p.dat');
    const ours = await writeEntries(file, entries);

    const lines = perl(PERL_LOAD_FILE, [file]).trim().split('\n');
    const dump = (lines.pop() as string).replace(/^DUMP /, '');
    expect(unhex(dump)).toBe(ours.toString('latin1'));
    const loaded = new Map(
      lines.map((line) => {
        const [key, data, cachetime, accesstime, deleted] = line.split(' ') as [string, string, string, string, string];
        return [unhex(key), { data: unhex(data), cachetime: Number(cachetime), accesstime: Number(accesstime), deleted: deleted === '1' }] as const;
      }),
    );
    expect(loaded.size).toBe(entries.size);
    for (const [name, entry] of entries) {
      const perlEntry = loaded.get(name);
      expect({ name, data: perlEntry?.data, deleted: perlEntry?.deleted }).toEqual({ name, data: entry.data, deleted: entry.deleted });
      // Perl prints the times with 15 significant digits, as the file holds them.
      expect(perlEntry?.cachetime).toBeCloseTo(entry.cachetime, 4);
      expect(perlEntry?.accesstime).toBeCloseTo(entry.accesstime, 4);
    }
  });

  it('we load a file Perl wrote the way the reference server writes it, and write it back byte for byte', async () => {
    const directory = scratchDirectory();
    const perlFile = join(directory, 'perl.dat');
    // Every fifth entry a tombstone (REMOVE leaves its data empty).
    const removed = (index: number): boolean => index % 5 === 0;
    const input = TRICKY.map((text, index) => `${hex(`k${index}:${text}`)} ${removed(index) ? '' : hex(text)} ${1796115537.5 + index / 7} ${1796115600.25 + index / 3} ${removed(index) ? 1 : 0}`);
    perl(PERL_WRITE_FILE, [perlFile], `${input.join('\n')}\n`);
    const entries = await readEntries(perlFile);
    expect(entries.size).toBe(TRICKY.length);
    TRICKY.forEach((text, index) => {
      const entry = entries.get(`k${index}:${text}`);
      expect(entry).toMatchObject({ data: removed(index) ? '' : text, deleted: removed(index) });
      expect(entry?.cachetime).toBeCloseTo(1796115537.5 + index / 7, 4);
      expect(entry?.accesstime).toBeCloseTo(1796115600.25 + index / 3, 4);
    });
    const ours = await writeEntries(join(directory, 'ours.dat'), entries);
    expect(ours.toString('latin1')).toBe(readFileSync(perlFile, 'latin1'));
  });
});
