/**
 * The browser build reads YAML with its own compact reader; the Node build
 * with the `yaml` package. Both must give the same values for every
 * document Perl's YAML libraries write, and refuse the same broken ones.
 */
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../src/errors.js';
import { loadYamlCompact } from '../../src/codec/yaml-reader.js';
import { loadYamlWithPackage } from '../../src/codec/yaml-package.js';
import { dumpPerlYaml } from '../../src/codec/perl-yaml.js';
import { YAML_CORPUS, YAML_INVALID } from './yaml-corpus.js';

// Marks plain scalars, so a plain/quoted mix-up shows.
const markPlain = (text: string): unknown => `plain:${text}`;

function both(text: string): { compact: unknown; pkg: unknown } {
  return { compact: loadYamlCompact(text, markPlain), pkg: loadYamlWithPackage(text, markPlain) };
}

describe('the compact YAML reader', () => {
  it.each(YAML_CORPUS.map((text) => [JSON.stringify(text).slice(0, 60), text]))('reads %s as the yaml package does', (_name, text) => {
    const { compact, pkg } = both(text);
    expect(compact).toEqual(pkg);
  });

  it.each(YAML_INVALID.map((text) => [JSON.stringify(text), text]))('refuses %s as the yaml package does', (_name, text) => {
    expect(() => loadYamlWithPackage(text, markPlain)).toThrow(CodecError);
    expect(() => loadYamlCompact(text, markPlain)).toThrow(CodecError);
  });

  it('keeps aliases to one shared value and bounds their number', () => {
    const value = loadYamlCompact('---\na: &x [1]\nb: *x\n', markPlain) as { a: unknown; b: unknown };
    expect(value.b).toBe(value.a);
    const many = `---\nbase: &x 1\nlist: [${Array.from({ length: 1001 }, () => '*x').join(', ')}]\n`;
    expect(() => loadYamlCompact(many, markPlain)).toThrow(/more than 1000 aliases/);
  });

  it('refuses what aliases would blow up, as the yaml package does: a "billion laughs" of 500 bytes', () => {
    // Nine levels of ten aliases: 10^9 values to whoever walks the result (JSON.stringify ran 44 s, then failed).
    let laughs = '---\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let level = 1; level < 9; level++) laughs += `a${level}: &a${level} [${Array.from({ length: 10 }, () => `*a${level - 1}`).join(', ')}]\n`;
    expect(() => loadYamlWithPackage(laughs, markPlain)).toThrow(CodecError);
    expect(() => loadYamlCompact(laughs, markPlain)).toThrow(CodecError);
    expect(() => loadYamlCompact(laughs, markPlain)).toThrow(/aliases standing for more than 1000000 values/);
    // Shared references as Perl dumps them, a thousand uses of one list, are fine.
    const shared = `---\nlist: &l [${Array.from({ length: 100 }, (_, i) => i).join(', ')}]\nuses: [${Array.from({ length: 999 }, () => '*l').join(', ')}]\n`;
    expect(loadYamlCompact(shared, markPlain)).toEqual(loadYamlWithPackage(shared, markPlain));
  });

  it('refuses a document nested too deeply with a CodecError, as the yaml package does', () => {
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    expect(() => loadYamlWithPackage(deep, markPlain)).toThrow(CodecError);
    expect(() => loadYamlCompact(deep, markPlain)).toThrow(CodecError);
  });

  it('never sets a prototype from a __proto__ key', () => {
    const value = loadYamlCompact('---\n"__proto__":\n  polluted: yes\n', markPlain) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads back whatever dumpPerlYaml writes, as the yaml package does (random structures)', () => {
    let seed = 20261201;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ['a', 'Z', '0', '9', ' ', ':', '#', '-', '?', '"', "'", '\\', '\n', '\t', '\r', '[', ']', '{', '}', ',', '&', '*', '!', '|', '>', '%', '@', '~', '.', 'é', '€', '😀', '\u2028', '\0', '\x7f'];
    const string = (): string => Array.from({ length: Math.floor(random() * 8) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    const value = (depth: number): unknown => {
      const pick = random();
      if (depth > 3 || pick < 0.4) {
        const scalar = random();
        if (scalar < 0.5) return string();
        if (scalar < 0.7) return Math.floor(random() * 2000) - 1000;
        if (scalar < 0.8) return random() < 0.5;
        if (scalar < 0.9) return null;
        return Number((random() * 100).toFixed(3));
      }
      if (pick < 0.7) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      const object: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 4); i > 0; i--) object[string() || 'k'] = value(depth + 1);
      return object;
    };
    for (let round = 0; round < 400; round++) {
      const data = random() < 0.5 ? [value(0)] : { root: value(0) };
      const text = dumpPerlYaml(data);
      const { compact, pkg } = both(text);
      expect(compact, text).toEqual(pkg);
    }
  });
});
