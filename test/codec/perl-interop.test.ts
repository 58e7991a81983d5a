/**
 * Round trips through the real Perl YAML::Syck, when it is installed
 * (Debian: libyaml-syck-perl); skipped otherwise. The Perl side does what
 * Net::Clacks::ClacksCache get/set do.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodePerlValue, encodePerlValue } from '../../src/codec/index.js';

const HAS_SYCK = spawnSync('perl', ['-MYAML::Syck', '-MJSON::PP', '-e', '1']).status === 0;

/** ClacksCache get() on each input line, printed as JSON (text, all scalars strings). */
const PERL_GET = String.raw`
use strict; use YAML::Syck; use MIME::Base64; use JSON::PP; use Encode;
my $json = JSON::PP->new->canonical->allow_nonref;
sub text { my ($v) = @_; return undef unless defined $v;
  return { map { decode('UTF-8', $_) => text($v->{$_}) } keys %$v } if ref $v eq 'HASH';
  return [ map { text($_) } @$v ] if ref $v eq 'ARRAY';
  return decode('UTF-8', "$v"); }
while (my $value = <STDIN>) {
  chomp $value;
  if ($value =~ /^PAGECAMELCLACKSYAMLB64\:(.+)/o) { $value = Load(decode_base64($1)); }
  elsif ($value =~ /^PAGECAMELCLACKSB64\:(.+)/o) { $value = decode_base64($1); }
  print $json->encode(text($value)), "\n";
}`;

/** ClacksCache set() of the structures given as JSON lines (strings as UTF-8 bytes). */
const PERL_SET = String.raw`
use strict; use YAML::Syck; use MIME::Base64; use JSON::PP;
sub bytes { my ($v) = @_; return undef unless defined $v;
  return { map { my $k = $_; utf8::downgrade($k); ($k => bytes($v->{$_})) } keys %$v } if ref $v eq 'HASH';
  return [ map { bytes($_) } @$v ] if ref $v eq 'ARRAY';
  utf8::downgrade($v); return $v; }
while (my $line = <STDIN>) {
  # Not in utf8 mode: the input bytes become the characters, so strings are byte strings as on the wire.
  # Downgraded: byte strings, as a Perl program reading the network holds them.
  my $data = bytes(JSON::PP->new->decode($line));
  if (ref $data ne '') { print 'PAGECAMELCLACKSYAMLB64: ', encode_base64(Dump($data), ''), "\n"; }
  elsif ($data =~ /^PAGECAMELCLACKSB64/o) { print "REFUSED\n"; }
  elsif ($data =~ /\n/o || $data =~ /\r/o) { print 'PAGECAMELCLACKSB64:', encode_base64($data, ''), "\n"; }
  else { print $data, "\n"; }
}`;

function perl(script: string, lines: string[]): string[] {
  const output = execFileSync('perl', ['-e', script], { input: `${lines.join('\n')}\n`, encoding: 'utf8' });
  return output.split('\n').slice(0, -1);
}

/** What a Perl program sees: every scalar a string, undef as null. */
function asPerlSees(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(asPerlSees);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, asPerlSees(entry)]));
  return String(value);
}

const VALUES: unknown[] = [
  'line1\nline2',
  'Grüße\r\n日本語 🚀',
  { a: 1, list: [1, 2] },
  { text: 'multi\nline', empty: '', nothing: null, yes: 'yes', t: true, n: -1.5, zip: '01234', date: '2001-12-14', tilde: '~' },
  [[], {}, [[['deep']]], { 'key: with colon': 'v #x', '': 'empty key', ' ': 'space key' }],
  { quotes: `it's "q"`, specials: '&a *b !c |d >e %f @g `h', lead: ' x', trail: 'x ', dash: '- x', doc: '--- x', dots: '...' },
  { control: '\0\x01\x07\t\x1b\x7f', unicode: '\u00e9\u2028\u0085\ufeff€🚀', backslash: 'C:\\path\\n' },
];

describe.skipIf(!HAS_SYCK)('interoperability with Perl YAML::Syck', () => {
  it('Perl reads what we write as the same structure', () => {
    const wires = VALUES.map(encodePerlValue);
    const fromPerl = perl(PERL_GET, wires).map((line) => JSON.parse(line) as unknown);
    expect(fromPerl).toEqual(VALUES.map(asPerlSees));
  });

  it('we read what Perl writes as Perl wrote it', () => {
    const jsonValues = VALUES.map((value) => asPerlSees(value));
    const wires = perl(PERL_SET, jsonValues.map((value) => JSON.stringify(value)));
    expect(wires.map((wire) => decodePerlValue(wire, { scalars: 'strings' }))).toEqual(jsonValues);
  });

  it('Perl writes the transcript 06 structure exactly as we do', () => {
    expect(perl(PERL_SET, ['{"a":1,"list":[1,2]}'])).toEqual([encodePerlValue({ a: 1, list: [1, 2] })]);
  });

  it('Perl refuses the B64 prefix but stores the YAML prefix raw (we refuse both)', () => {
    expect(perl(PERL_SET, ['"PAGECAMELCLACKSB64:abc"', '"PAGECAMELCLACKSYAMLB64: abc"'])).toEqual(['REFUSED', 'PAGECAMELCLACKSYAMLB64: abc']);
  });
});
