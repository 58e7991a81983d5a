/** Review: Perl numeric conversion and `%.15g` corners, checked against perl 5.36. */
import { describe, expect, it } from 'vitest';
import { applyStep, formatDouble } from '../../src/server/perl-number.js';

describe('review: Perl arithmetic corners', () => {
  it('only ASCII whitespace leads a number (a latin1 NBSP byte does not)', () => {
    // perl -e 'print 0 + "\xa05"' prints 0: Perl's isSPACE is ASCII-only for byte strings.
    expect(applyStep(undefined, '\xa05', false)).toBe('0');
    expect(applyStep('\xa05', undefined, false)).toBe('1');
    expect(applyStep('5\xa0', undefined, false)).toBe('6');
    // Vertical tab and form feed do count.
    expect(applyStep('\x0b5', undefined, false)).toBe('6');
  });

  it('%.15g rounds an exact tie to even, like C', () => {
    // perl -e 'print 0 + "123456789012344.5"' prints 123456789012344.
    expect(formatDouble(123456789012344.5)).toBe('123456789012344');
    expect(formatDouble(-123456789012344.5)).toBe('-123456789012344');
    expect(formatDouble(123456789012345.5)).toBe('123456789012346');
    expect(applyStep(undefined, '123456789012344.5', false)).toBe('123456789012344');
    // Not a tie: ordinary rounding is unchanged.
    expect(formatDouble(0.1 + 0.2)).toBe('0.3');
    expect(formatDouble(2 / 3)).toBe('0.666666666666667');
    expect(formatDouble(1e300 * 7)).toBe('7e+300');
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
