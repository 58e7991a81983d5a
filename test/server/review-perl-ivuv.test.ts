/** Review: Perl's PERL_PRESERVE_IVUV addition, checked against perl 5.36 (`perl -le 'print $a + $b'`). */
import { describe, expect, it } from 'vitest';
import { applyStep } from '../../src/server/perl-number.js';

describe('review: INCREMENT keeps whole numbers exact the way Perl does', () => {
  it.each([
    // [old value, step, decrement, what perl prints]
    ['1e15', '1', false, '1000000000000001'],
    ['1e+15', undefined, false, '1000000000000001'], // "1e+15" stays incrementable
    ['8e15', '2.54755539717306e+15', false, '10547555397173060'],
    ['1e19', '1', false, '10000000000000000001'],
    ['-9.223372036854775808e18', '5e8', false, '-9223372036354775808'],
    ['-9223372036854775809', '0', false, '-9223372036854775808'],
    // Not integers for Perl: a decimal point without exponent, or trailing junk.
    ['55.0', '7907129795635384.0', false, '7.90712979563544e+15'],
    ['1e15x', '1', false, '1e+15'],
    // Overflow: below IV_MIN the exact magnitude is kept; past 2^64 the operands are added as doubles.
    ['1e6', '9511849307399415040', true, '-9.51184930739841e+18'],
    ['18446744073709551615', '7e11', false, '1.84467447737096e+19'],
    ['18446744073709551615', '-17.63e13', true, '1.84469203737096e+19'],
    // Perl prints a negative zero as 0.
    ['-0.0', '-0.0', false, '0'],
    ['-0.0', '0e7', true, '0'],
  ])('%s with step %s (decrement: %s) gives %s', (old, step, decrement, result) => {
    expect(applyStep(old, step, decrement)).toBe(result);
  });
});
