import { describe, expect, it } from 'vitest';
import { CodecError, ValidationError } from '../../src/errors.js';
import {
  createPerlCodec,
  decodePerlValue,
  dumpPerlYaml,
  encodePerlValue,
  loadPerlYaml,
  PERL_BASE64_PREFIX,
  PERL_YAML_PREFIX,
  perlCodec,
} from '../../src/codec/index.js';

/** The YAML document inside a `PAGECAMELCLACKSYAMLB64: ` value. */
function yamlOf(wire: string): string {
  expect(wire.startsWith(PERL_YAML_PREFIX)).toBe(true);
  return Buffer.from(wire.slice(PERL_YAML_PREFIX.length), 'base64').toString('utf8');
}

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('nothing was thrown');
}

function codecError(fn: () => unknown): CodecError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CodecError);
    return error as CodecError;
  }
  throw new Error('nothing was thrown');
}

describe('the exact values of transcript 06', () => {
  it('decodes PAGECAMELCLACKSB64 strings', () => {
    expect(decodePerlValue('PAGECAMELCLACKSB64:bGluZTEKbGluZTI=')).toBe('line1\nline2');
    expect(decodePerlValue('PAGECAMELCLACKSB64:bGluZTEKbGluZTINCmxpbmUz')).toBe('line1\nline2\r\nline3');
  });

  it('decodes the reference client\'s structure, typed by default', () => {
    expect(decodePerlValue('PAGECAMELCLACKSYAMLB64: LS0tIAphOiAxCmxpc3Q6IAogIC0gMQogIC0gMgo=')).toEqual({ a: 1, list: [1, 2] });
  });

  it('decodes it as Perl sees it with scalars: "strings"', () => {
    const wire = 'PAGECAMELCLACKSYAMLB64: LS0tIAphOiAxCmxpc3Q6IAogIC0gMQogIC0gMgo=';
    expect(decodePerlValue(wire, { scalars: 'strings' })).toEqual({ a: '1', list: ['1', '2'] });
    expect(createPerlCodec({ scalars: 'strings' }).decode(wire)).toEqual({ a: '1', list: ['1', '2'] });
  });

  it('encodes "line1\\nline2" byte for byte as the reference client', () => {
    expect(encodePerlValue('line1\nline2')).toBe('PAGECAMELCLACKSB64:bGluZTEKbGluZTI=');
    expect(encodePerlValue('line1\nline2\r\nline3')).toBe('PAGECAMELCLACKSB64:bGluZTEKbGluZTINCmxpbmUz');
  });

  it('encodes the structure byte for byte as YAML::Syck wrote it', () => {
    const wire = encodePerlValue({ a: 1, list: [1, 2] });
    expect(wire).toBe('PAGECAMELCLACKSYAMLB64: LS0tIAphOiAxCmxpc3Q6IAogIC0gMQogIC0gMgo=');
    expect(yamlOf(wire)).toBe('--- \na: 1\nlist: \n  - 1\n  - 2\n');
  });

  it('leaves a plain value alone both ways', () => {
    expect(encodePerlValue('no newline here')).toBe('no newline here');
    expect(decodePerlValue('no newline here')).toBe('no newline here');
  });
});

describe('encodePerlValue', () => {
  it('refuses plain strings starting with either prefix, as the reference refuses PAGECAMELCLACKSB64', () => {
    for (const value of ['PAGECAMELCLACKSB64:bGluZTEKbGluZTI=', 'PAGECAMELCLACKSB64', 'PAGECAMELCLACKSB64 anything', 'PAGECAMELCLACKSYAMLB64: abc', 'PAGECAMELCLACKSYAMLB64', 'PAGECAMELCLACKSB64:x\ny']) {
      const error = refusal(() => encodePerlValue(value));
      expect(error.argument).toBe('value');
      expect(error.code).toBe('INVALID_ARGUMENT');
    }
  });

  it('accepts strings that merely contain the prefix or start with a lookalike', () => {
    expect(encodePerlValue('x PAGECAMELCLACKSB64:')).toBe('x PAGECAMELCLACKSB64:');
    expect(encodePerlValue('pagecamelclacksb64:abc')).toBe('pagecamelclacksb64:abc');
    expect(encodePerlValue('PAGECAMELCLACKS')).toBe('PAGECAMELCLACKS');
  });

  it('base64-encodes a lone CR or LF, at either end', () => {
    expect(encodePerlValue('\n')).toBe('PAGECAMELCLACKSB64:Cg==');
    expect(encodePerlValue('\r')).toBe('PAGECAMELCLACKSB64:DQ==');
    expect(encodePerlValue('end\n')).toBe('PAGECAMELCLACKSB64:ZW5kCg==');
  });

  it('stores the empty string as itself', () => {
    expect(encodePerlValue('')).toBe('');
    expect(decodePerlValue('')).toBe('');
  });

  it('stores Unicode as UTF-8, plain or base64', () => {
    expect(encodePerlValue('Grüße, Zürich € 日本語 🚀')).toBe('Grüße, Zürich € 日本語 🚀');
    const wire = encodePerlValue('Grüße\n🚀');
    expect(wire).toBe(`PAGECAMELCLACKSB64:${Buffer.from('Grüße\n🚀', 'utf8').toString('base64')}`);
    expect(wire).toBe('PAGECAMELCLACKSB64:R3LDvMOfZQrwn5qA');
    expect(decodePerlValue(wire)).toBe('Grüße\n🚀');
  });

  it('writes numbers, bigints and booleans on their own as their string form', () => {
    expect(encodePerlValue(42)).toBe('42');
    expect(encodePerlValue(-1.5)).toBe('-1.5');
    expect(encodePerlValue(0)).toBe('0');
    expect(encodePerlValue(9223372036854775808n)).toBe('9223372036854775808');
    expect(encodePerlValue(true)).toBe('true');
    expect(encodePerlValue(false)).toBe('false');
    // No type survives on its own: they come back as strings.
    expect(decodePerlValue(encodePerlValue(42))).toBe('42');
  });

  it('refuses null, undefined, non-finite numbers, functions and symbols', () => {
    expect(refusal(() => encodePerlValue(null)).message).toContain('remove the key');
    refusal(() => encodePerlValue(undefined));
    refusal(() => encodePerlValue(Number.NaN));
    refusal(() => encodePerlValue(Number.POSITIVE_INFINITY));
    refusal(() => encodePerlValue(() => 1));
    refusal(() => encodePerlValue(Symbol('s')));
  });

  it('refuses structures it cannot write, saying where', () => {
    expect(refusal(() => encodePerlValue({ when: new Date(0) })).message).toContain('value.when is a Date');
    expect(refusal(() => encodePerlValue({ list: [1, new Map()] })).message).toContain('value.list[1] is a Map');
    expect(refusal(() => encodePerlValue({ a: { b: Number.NaN } })).message).toContain('value.a.b is NaN');
    expect(refusal(() => encodePerlValue({ f: () => 1 })).message).toContain('value.f is a function');
    expect(refusal(() => encodePerlValue({ ['k'.repeat(1025)]: 1 })).message).toContain('1024');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    expect(refusal(() => encodePerlValue(cyclic)).message).toContain('value.self.back refers back to itself');
  });

  it('writes a shared (acyclic) object twice', () => {
    const shared = { k: 'v' };
    expect(decodePerlValue(encodePerlValue({ one: shared, two: shared }))).toEqual({ one: { k: 'v' }, two: { k: 'v' } });
  });

  it('treats undefined like JSON does: properties left out, array items null', () => {
    expect(yamlOf(encodePerlValue({ a: undefined, b: [undefined, 1] }))).toBe('--- \nb: \n  - ~\n  - 1\n');
    expect(yamlOf(encodePerlValue({ a: undefined }))).toBe('--- {}\n');
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.k = 'v';
    expect(decodePerlValue(encodePerlValue(bare))).toEqual({ k: 'v' });
  });
});

describe('YAML written in YAML::Syck style', () => {
  it('nests blocks with two spaces and writes empty collections inline', () => {
    expect(dumpPerlYaml({ a: { b: [[], {}, [1, { c: 'd' }]] }, e: [] })).toBe(
      '--- \na: \n  b: \n    - []\n    - {}\n    - \n      - 1\n      - \n        c: d\ne: []\n',
    );
    expect(dumpPerlYaml([])).toBe('--- []\n');
    expect(dumpPerlYaml({})).toBe('--- {}\n');
    expect(dumpPerlYaml(['x'])).toBe('--- \n- x\n');
  });

  it('writes null as ~ and booleans and numbers plain', () => {
    expect(dumpPerlYaml({ n: null, t: true, f: false, i: -3, x: 1.5, e: 1e21, big: 12345678901234567890n })).toBe(
      '--- \n"n": ~\nt: true\nf: false\ni: -3\nx: 1.5\ne: 1e+21\nbig: 12345678901234567890\n',
    );
  });

  it('quotes strings a YAML reader could take for something else', () => {
    const quoted = ['true', 'False', 'yes', 'no', 'on', 'OFF', 'y', 'n', 'null', '~', '', '007', '1.5', '-3', '+1', '.5', '1e3', '0x1F', '1_000', '2001-12-14', '.inf', 'nan'];
    for (const text of quoted) {
      const line = dumpPerlYaml([text]).split('\n')[1]!;
      expect(line, text).toBe(`- "${text}"`);
    }
  });

  it('quotes strings with YAML syntax in them', () => {
    const cases: [string, string][] = [
      ['a: b', '"a: b"'],
      ['a #b', '"a #b"'],
      ['#hash', '"#hash"'],
      ['- dash', '"- dash"'],
      ['--- x', '"--- x"'],
      ['...', '"..."'],
      [' lead', '" lead"'],
      ['trail ', '"trail "'],
      ['key:', '"key:"'],
      ['&anchor', '"&anchor"'],
      ['*alias', '"*alias"'],
      ['!tag', '"!tag"'],
      ['|', '"|"'],
      ['>', '">"'],
      ["'single'", '"\'single\'"'],
      ['"double"', '"\\"double\\""'],
      ['{a}', '"{a}"'],
      ['[a]', '"[a]"'],
      ['%x', '"%x"'],
      ['@x', '"@x"'],
      ['`x', '"`x"'],
      ['?', '"?"'],
      ['=', '"="'],
      ['<<', '"<<"'],
    ];
    for (const [text, scalar] of cases) expect(dumpPerlYaml([text]), text).toBe(`--- \n- ${scalar}\n`);
  });

  it('leaves ordinary text plain, Unicode included', () => {
    for (const text of ['hello world', 'a:b', "it's", 'say "hi"', 'x-y_z/1.2', 'Grüße € 日本語 🚀', 'a,b', 'a[0]', 'Kitchen::Sensorbox2::Temperature']) {
      expect(dumpPerlYaml([text]), text).toBe(`--- \n- ${text}\n`);
    }
  });

  it('escapes control characters the way Syck reads them, never with \\u', () => {
    expect(dumpPerlYaml(['a\r\nb\tc\0d\x07e\x1bf\x7fg\x01"\\'])).toBe('--- \n- "a\\r\\nb\\tc\\0d\\ae\\ef\\x7fg\\x01\\"\\\\"\n');
    const yaml = dumpPerlYaml(['\u2028\u0085\ufeff', '\u00e9']);
    expect(yaml).not.toContain('\\u');
    expect(yaml).toBe('--- \n- "\u2028\u0085\ufeff"\n- \u00e9\n');
  });

  it('quotes keys too', () => {
    expect(dumpPerlYaml({ '': 1, 'a b': 2, 'k: v': 3, true: 4, '123': 5 })).toBe('--- \n"123": 5\n"": 1\na b: 2\n"k: v": 3\n"true": 4\n');
  });
});

describe('reading YAML', () => {
  // Written by Net::Clacks::ClacksCache set() with YAML::Syck 1.34 (Perl 5.36).
  const FROM_PERL = {
    mixed:
      'PAGECAMELCLACKSYAMLB64: LS0tIApjb3VudDogMwplbXB0eTogJycKZmxhZzogJ3RydWUnCm5hbWU6IEdyw7zDn2Ug4oKsCm5lc3RlZDogCiAgZGVlcDogCiAgICAtIAogICAgICAtIHgKICAgIC0ge30KCiAgICAtIFtdCgpub25lOiB+CnJhdGlvOiAnMC41Jwp6aXA6ICcwMTIzNCcK',
    tricky:
      'PAGECAMELCLACKSYAMLB64: LS0tIAotICJtdWx0aVxubGluZVxyXG50ZXh0IgotIGl0J3MKLSAiXCJxdW90ZWRcIiIKLSAiLSBkYXNoIgotICIgbGVhZCIKLSAidHJhaWwgIgotICIjaGFzaCIKLSAiYTogYiIKLSAnficKLSAneWVzJwotIDIwMDEtMTItMTQKLSAxXzAwMAotIDB4MUYKLSAuaW5mCi0gJzFlMycKLSAtNwotICcxLjI1Jwo=',
    aliased: 'PAGECAMELCLACKSYAMLB64: LS0tIApvbmU6ICYxIAogIGs6IHYKdHdvOiAqMQo=',
    blessed: 'PAGECAMELCLACKSYAMLB64: LS0tICEhcGVybC9oYXNoOk15OjpDbGFzcyAKZmllbGQ6IHZhbHVlCg==',
  };

  it('reads what YAML::Syck writes: quoting, empty collections, blank lines, undef', () => {
    expect(decodePerlValue(FROM_PERL.mixed)).toEqual({
      count: 3,
      empty: '',
      flag: 'true',
      name: 'Grüße €',
      nested: { deep: [['x'], {}, []] },
      none: null,
      ratio: '0.5',
      zip: '01234',
    });
  });

  it('keeps strings Syck leaves plain (dates, 1_000, 0x1F, .inf) as strings even when typed', () => {
    const tail = ['2001-12-14', '1_000', '0x1F', '.inf', '1e3', -7, '1.25'];
    const head = ['multi\nline\r\ntext', "it's", '"quoted"', '- dash', ' lead', 'trail ', '#hash', 'a: b', '~', 'yes'];
    expect(decodePerlValue(FROM_PERL.tricky)).toEqual([...head, ...tail]);
    expect(decodePerlValue(FROM_PERL.tricky, { scalars: 'strings' })).toEqual([...head, ...tail.map(String)]);
  });

  it('resolves anchors and aliases, and ignores Perl class tags', () => {
    expect(decodePerlValue(FROM_PERL.aliased)).toEqual({ one: { k: 'v' }, two: { k: 'v' } });
    expect(decodePerlValue(FROM_PERL.blessed)).toEqual({ field: 'value' });
  });

  it('types plain scalars in typed mode only', () => {
    const yaml = '--- \ni: 12\nneg: -4\nf: 2.5\ne: 1e3\nt: true\nF: FALSE\nn: null\nt2: ~\nempty:\nbig: 9223372036854775808\ns: text\nq: "12"\n';
    expect(loadPerlYaml(yaml)).toEqual({ i: 12, neg: -4, f: 2.5, e: 1000, t: true, F: false, n: null, t2: null, empty: null, big: '9223372036854775808', s: 'text', q: '12' });
    expect(loadPerlYaml(yaml, 'strings')).toEqual({ i: '12', neg: '-4', f: '2.5', e: '1e3', t: 'true', F: 'FALSE', n: 'null', t2: null, empty: null, big: '9223372036854775808', s: 'text', q: '12' });
  });

  it('reads a scalar document and an empty document', () => {
    expect(loadPerlYaml('--- scalar\n')).toBe('scalar');
    expect(loadPerlYaml('--- 5\n')).toBe(5);
    expect(loadPerlYaml('--- \n')).toBeNull();
    expect(loadPerlYaml('--- ~\n')).toBeNull();
  });

  it('does not let a __proto__ key change the prototype', () => {
    const value = loadPerlYaml('--- \n__proto__: \n  polluted: yes\n') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('turns bad YAML into a CodecError with a cause', () => {
    const error = codecError(() => decodePerlValue(`PAGECAMELCLACKSYAMLB64: ${Buffer.from('--- \na: [1\n').toString('base64')}`));
    expect(error.code).toBe('CODEC_ERROR');
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.message).toContain('invalid YAML');
    codecError(() => loadPerlYaml('a: "unterminated\n'));
  });
});

describe('decodePerlValue', () => {
  it('turns bad base64 into a CodecError with a cause', () => {
    for (const wire of ['PAGECAMELCLACKSB64:not base64!', 'PAGECAMELCLACKSB64:abcde', 'PAGECAMELCLACKSB64:ab=c', 'PAGECAMELCLACKSYAMLB64: ***', 'PAGECAMELCLACKSB64:bGluZTEKbGluZTI=x']) {
      const error = codecError(() => decodePerlValue(wire));
      expect(error.cause, wire).toBeInstanceOf(Error);
    }
  });

  it('accepts unpadded base64, as Perl does', () => {
    expect(decodePerlValue('PAGECAMELCLACKSB64:bGluZTEKbGluZTI')).toBe('line1\nline2');
  });

  it('accepts the YAML prefix without its space, as Perl does', () => {
    expect(decodePerlValue('PAGECAMELCLACKSYAMLB64:LS0tIAphOiAxCmxpc3Q6IAogIC0gMQogIC0gMgo=')).toEqual({ a: 1, list: [1, 2] });
  });

  it('returns a prefix with nothing after it unchanged, as Perl does', () => {
    expect(decodePerlValue('PAGECAMELCLACKSB64:')).toBe('PAGECAMELCLACKSB64:');
    expect(decodePerlValue('PAGECAMELCLACKSYAMLB64:')).toBe('PAGECAMELCLACKSYAMLB64:');
  });

  it('needs the colon: lookalike values are plain strings', () => {
    expect(decodePerlValue('PAGECAMELCLACKSB64 bGluZTE=')).toBe('PAGECAMELCLACKSB64 bGluZTE=');
    expect(decodePerlValue('xPAGECAMELCLACKSB64:bGluZTE=')).toBe('xPAGECAMELCLACKSB64:bGluZTE=');
  });

  it('reads invalid UTF-8 with replacement characters', () => {
    expect(decodePerlValue(`PAGECAMELCLACKSB64:${Buffer.from([0x61, 0xff, 0x0a]).toString('base64')}`)).toBe('a\ufffd\n');
  });
});

describe('round trips', () => {
  const values: unknown[] = [
    'line1\nline2',
    '\r\n',
    'a\rb',
    'Grüße\r\n日本語 🚀',
    'plain',
    '',
    { a: 1, list: [1, 2] },
    [],
    {},
    { deep: { deeper: { deepest: [[[['x']]], { k: [] }] } } },
    [null, true, false, 0, -1, 1.5, 1e-7, 'text', '', ' ', '~', 'null', '1', 'true', 'yes', 'a: b', 'multi\nline', 'tab\there', 'Grüße 🚀', '\u2028\u0085'],
    { '': 'empty key', 'key with spaces': 'v', 'k: v': 'colon', '123': 'numeric key', 'ü': 'ü', '#': '#' },
    { control: Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)).join('') + '\x7f' },
  ];

  for (const value of values) {
    it(`${JSON.stringify(value).slice(0, 60)} survives encode and decode`, () => {
      const wire = perlCodec.encode(value);
      expect(wire).not.toMatch(/[\r\n]/);
      expect(perlCodec.decode(wire)).toEqual(value);
    });
  }

  it('a 1 MB multi-line string', () => {
    const big = 'x'.repeat(1024 * 1024 - 1) + '\n';
    const wire = encodePerlValue(big);
    expect(wire.startsWith(PERL_BASE64_PREFIX)).toBe(true);
    expect(wire).not.toMatch(/[\r\n]/);
    expect(wire).toHaveLength(PERL_BASE64_PREFIX.length + Math.ceil((1024 * 1024) / 3) * 4);
    expect(decodePerlValue(wire)).toBe(big);
  });

  it('a 1 MB plain string stays plain', () => {
    const big = 'y'.repeat(1024 * 1024);
    expect(encodePerlValue(big)).toBe(big);
  });

  it('a structure holding 1 MB of text with line breaks', () => {
    const value = { text: 'line\n'.repeat(200_000), list: Array.from({ length: 1000 }, (_, index) => `item ${index}`) };
    const wire = encodePerlValue(value);
    expect(wire).not.toMatch(/[\r\n]/);
    expect(decodePerlValue(wire)).toEqual(value);
  });
});
