import { describe, expect, it } from 'vitest';
import { CodecError, ValidationError } from '../../src/errors.js';
import { jsonCodec, perlCodec, rawCodec, type ValueCodec } from '../../src/codec/index.js';

describe('jsonCodec', () => {
  it('stores plain JSON, one line, no prefix', () => {
    expect(jsonCodec.encode({ a: 1, list: [1, 2] })).toBe('{"a":1,"list":[1,2]}');
    expect(jsonCodec.encode('line1\nline2\r\n')).toBe('"line1\\nline2\\r\\n"');
    expect(jsonCodec.encode(42)).toBe('42');
    expect(jsonCodec.encode(null)).toBe('null');
    expect(jsonCodec.encode('')).toBe('""');
  });

  it('round-trips values with their types', () => {
    const values: unknown[] = [42, -1.5, true, false, null, '', 'text', '42', 'Grüße\r\n🚀', [1, 'two', [3]], { nested: { deep: [null, { x: 'y' }] } }, '\u2028\u2029'];
    for (const value of values) {
      const wire = jsonCodec.encode(value);
      expect(wire, JSON.stringify(value)).not.toMatch(/[\r\n]/);
      expect(jsonCodec.decode(wire)).toEqual(value);
    }
  });

  it('follows JSON rules: undefined properties left out, NaN as null, toJSON used', () => {
    expect(jsonCodec.encode({ a: undefined, b: Number.NaN, d: new Date(0) })).toBe('{"b":null,"d":"1970-01-01T00:00:00.000Z"}');
  });

  it('refuses what JSON cannot write', () => {
    for (const value of [undefined, () => 1, Symbol('s'), 1n]) {
      expect(() => jsonCodec.encode(value)).toThrow(ValidationError);
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => jsonCodec.encode(cyclic)).toThrow(ValidationError);
  });

  it('turns text that is not JSON into a CodecError with a cause', () => {
    for (const wire of ['hello', '{"a":', 'PAGECAMELCLACKSB64:bGluZTEKbGluZTI=', '']) {
      let error: unknown;
      try {
        jsonCodec.decode(wire);
      } catch (caught) {
        error = caught;
      }
      expect(error, wire).toBeInstanceOf(CodecError);
      expect((error as CodecError).cause).toBeInstanceOf(SyntaxError);
    }
  });

  it('a 1 MB string', () => {
    const big = 'z\n'.repeat(512 * 1024);
    const wire = jsonCodec.encode(big);
    expect(wire).not.toMatch(/[\r\n]/);
    expect(jsonCodec.decode(wire)).toBe(big);
  });
});

describe('rawCodec', () => {
  it('passes strings through unchanged, prefixes included', () => {
    for (const value of ['', 'plain', 'a=b', 'PAGECAMELCLACKSB64:bGluZTEKbGluZTI=', 'Grüße 🚀']) {
      expect(rawCodec.encode(value)).toBe(value);
      expect(rawCodec.decode(value)).toBe(value);
    }
  });

  it('refuses CR, LF and non-strings', () => {
    for (const value of ['a\nb', 'a\rb', 'x\r\nCLEARCACHE']) expect(() => rawCodec.encode(value)).toThrow(ValidationError);
    expect(() => rawCodec.encode(42 as unknown as string)).toThrow(ValidationError);
  });
});

describe('custom codecs', () => {
  /** A typed codec: numbers stored as hex. */
  const hexCodec: ValueCodec<number> = {
    encode: (value) => value.toString(16),
    decode: (wire) => Number.parseInt(wire, 16),
  };

  /** A wrapping codec: adds a version tag around another codec. */
  function versioned<T>(inner: ValueCodec<T>, version: number): ValueCodec<T> {
    const tag = `v${version}|`;
    return {
      encode: (value) => tag + inner.encode(value),
      decode: (wire) => {
        if (!wire.startsWith(tag)) throw new CodecError(`expected ${tag}`, { cause: new Error(wire) });
        return inner.decode(wire.slice(tag.length));
      },
    };
  }

  it('a typed codec plugs into the same interface', () => {
    const codecs: ValueCodec<number>[] = [hexCodec];
    expect(codecs[0]!.encode(255)).toBe('ff');
    const decoded: number = hexCodec.decode('ff');
    expect(decoded).toBe(255);
  });

  it('codecs compose', () => {
    const codec = versioned(perlCodec, 2);
    const wire = codec.encode({ a: 1, list: [1, 2] });
    expect(wire).toBe('v2|PAGECAMELCLACKSYAMLB64: LS0tIAphOiAxCmxpc3Q6IAogIC0gMQogIC0gMgo=');
    expect(codec.decode(wire)).toEqual({ a: 1, list: [1, 2] });
    expect(() => codec.decode('v1|x')).toThrow(CodecError);
  });

  it('the built-in codecs are interchangeable ValueCodecs', () => {
    const codecs: ValueCodec[] = [perlCodec, jsonCodec, rawCodec];
    for (const codec of codecs) expect(codec.decode(codec.encode('same'))).toBe('same');
  });
});
