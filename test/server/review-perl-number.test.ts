/** Review: Perl numeric conversion and `%.15g` corners, checked against perl 5.36. */
import { describe, expect, it } from 'vitest';
import { applyStep } from '../../src/server/perl-number.js';

describe('review: Perl arithmetic corners', () => {
  it('only ASCII whitespace leads a number (a latin1 NBSP byte does not)', () => {
    // perl -e 'print 0 + "\xa05"' prints 0: Perl's isSPACE is ASCII-only for byte strings.
    expect(applyStep(undefined, '\xa05', false)).toBe('0');
    expect(applyStep('\xa05', undefined, false)).toBe('1');
    expect(applyStep('5\xa0', undefined, false)).toBe('6');
    // Vertical tab and form feed do count.
    expect(applyStep('\x0b5', undefined, false)).toBe('6');
  });

  it('a huge run of digits costs no more than reading it', () => {
    // BigInt() of a multi-megabyte digit string is superlinear (seconds per line
    // for 16 MiB), which one client could use to freeze the whole server.
    const digits = '9'.repeat(4_000_000);
    const started = performance.now();
    for (let i = 0; i < 5; i++) expect(applyStep(digits, '1', false)).toBe('Inf');
    expect(applyStep(undefined, `-${digits}`, false)).toBe('-Inf');
    expect(applyStep(undefined, `${'0'.repeat(4_000_000)}42`, false)).toBe('42');
    expect(applyStep(undefined, `${'0'.repeat(4_000_000)}.5`, false)).toBe('0.5');
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
