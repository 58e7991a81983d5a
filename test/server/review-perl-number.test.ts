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
    const zeros = '0'.repeat(4_000_000);
    const steps: Array<[string | undefined, string, string]> = [
      ...Array.from({ length: 5 }, (): [string, string, string] => [digits, '1', 'Inf']),
      [undefined, `-${digits}`, '-Inf'],
      [undefined, `${zeros}42`, '42'],
      [undefined, `${zeros}.5`, '0.5'],
    ];
    // A ratio, not a time (the machine may be slow or busy): the steps against
    // one regex pass over the same strings, the fastest of three rounds each,
    // so that a stall of the process in one round does not count. Linear
    // costs about 5 such passes; BigInt() of 4 million digits alone costs 60.
    const elapsed = (run: () => void): number => {
      const started = performance.now();
      run();
      return performance.now() - started;
    };
    let work = Infinity;
    let reading = Infinity;
    for (let round = 0; round < 3; round++) {
      work = Math.min(work, elapsed(() => steps.forEach(([value, step, expected]) => expect(applyStep(value, step, false)).toBe(expected))));
      reading = Math.min(reading, elapsed(() => steps.forEach(([value, step]) => /^-?[0-9.]*$/.test(step) && /^[0-9]*$/.test(value ?? ''))));
    }
    expect(work / reading).toBeLessThan(40);
  });
});
