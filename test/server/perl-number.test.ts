/** INCREMENT/DECREMENT arithmetic and number formatting, as the reference's Perl does them. */
import { describe, expect, it } from 'vitest';
import { applyStep, formatDouble } from '../../src/server/perl-number.js';

describe('Perl arithmetic for INCREMENT and DECREMENT', () => {
  it.each([
    // [old value, step, decrement, result] — the transcript 02 cases first
    [undefined, undefined, false, '1'],
    ['1', '5', false, '6'],
    ['6', undefined, true, '5'],
    ['5', '2', true, '3'],
    ['3', '1.5', false, '4.5'],
    ['4.5', '-10', false, '-5.5'],
    [undefined, undefined, true, '-1'],
    ['abc', undefined, false, '1'],
    [undefined, 'abc', false, '0'],
    [undefined, '1e3', false, '1000'],
    ['0.1', '0.2', false, '0.3'],
    ['9223372036854775807', undefined, false, '9223372036854775808'],
    [' 7', undefined, false, '8'],
    // beyond the transcripts
    ['18446744073709551615', undefined, false, '1.84467440737096e+19'],
    ['-9223372036854775808', undefined, true, '-9.22337203685478e+18'],
    ['7abc', undefined, false, '8'],
    ['.5', undefined, false, '1.5'],
    ['1e20', undefined, false, '1e+20'],
    ['0.0001', '0', false, '0.0001'],
    ['0.00001', '0', false, '1e-05'],
    ['123456789012345678', '0.5', false, '1.23456789012346e+17'],
    ['inf', undefined, false, 'Inf'],
    ['-7', '+2', false, '-5'],
  ])('%s with step %s (decrement: %s) gives %s', (old, step, decrement, result) => {
    expect(applyStep(old, step, decrement)).toBe(result);
  });

  it('formats doubles like %.15g', () => {
    expect(formatDouble(1795542784.41789)).toBe('1795542784.41789');
    expect(formatDouble(1e15)).toBe('1e+15');
    expect(formatDouble(123456789012345)).toBe('123456789012345');
    expect(formatDouble(NaN)).toBe('NaN');
    expect(formatDouble(-Infinity)).toBe('-Inf');
  });
});
