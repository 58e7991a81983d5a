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
});
