/**
 * INCREMENT/DECREMENT arithmetic the way the reference server's Perl does it
 * (PROTOCOL.md, "Commands, client to server"): a string counts as the number
 * it starts with (else 0); integers stay exact up to 2^64-1 (so
 * 9223372036854775807 + 1 is 9223372036854775808); anything else is a double
 * printed with `%.15g` (so 0.1 + 0.2 is 0.3).
 * @module
 */

/** A Perl scalar after numeric conversion: an exact integer (IV/UV) or a double (NV). */
export type PerlNumber =
  | { kind: 'integer'; value: bigint }
  /** `wholeNumber`: the string was entirely a number in exponent form, or an integer out of range (see `asInteger`). */
  | { kind: 'double'; value: number; wholeNumber?: boolean };

const IV_MIN = -(2n ** 63n);
const UV_MAX = 2n ** 64n - 1n;
const UV_LIMIT = 2n ** 64n;
const ZERO: PerlNumber = { kind: 'integer', value: 0n };

// Perl's isSPACE on byte strings is ASCII-only; JS `\s` would also take the
// latin1 NBSP byte (0xA0), which Perl does not skip ("\xa05" is 0, not 5).
/** A whole string that is an integer, surrounding whitespace allowed (Perl's grok_number). */
const INTEGER = /^[\t\n\v\f\r ]*([+-]?\d+)[\t\n\v\f\r ]*$/;
/** The numeric prefix Perl takes from any other string. */
const NUMERIC_PREFIX = /^[\t\n\v\f\r ]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/;
const SPECIAL = /^[\t\n\v\f\r ]*([+-]?)(inf(?:inity)?|nan)/i;
const TRAILING_SPACE = /^[\t\n\v\f\r ]*$/;
/** More digits than UV_MAX has (20) cannot be an integer; BigInt() of megabytes of digits is superlinear. */
const MAX_INTEGER_DIGITS = 20;

/** Converts a stored value or a step to a number, as `0 + $string` would. */
export function toPerlNumber(text: string): PerlNumber {
  const integer = INTEGER.exec(text);
  if (integer) {
    const digits = (integer[1] as string).replace(/^([+-]?)0+(?=\d)/, '$1');
    if (digits.replace(/^[+-]/, '').length > MAX_INTEGER_DIGITS) return { kind: 'double', value: Number(digits), wholeNumber: true };
    const value = BigInt(digits);
    if (value >= IV_MIN && value <= UV_MAX) return { kind: 'integer', value };
    return { kind: 'double', value: Number(value), wholeNumber: true };
  }
  const prefix = NUMERIC_PREFIX.exec(text);
  if (prefix) {
    const number = prefix[1] as string;
    const wholeNumber = /[eE]/.test(number) && TRAILING_SPACE.test(text.slice(prefix[0].length));
    return { kind: 'double', value: Number(number), wholeNumber };
  }
  const special = SPECIAL.exec(text);
  if (special) {
    const magnitude = (special[2] as string).toLowerCase().startsWith('inf') ? Infinity : NaN;
    return { kind: 'double', value: special[1] === '-' ? -magnitude : magnitude };
  }
  return ZERO;
}

/** `left + right` (or `left - right`) with Perl's integer-then-double rules. */
export function perlAdd(left: PerlNumber, right: PerlNumber, subtract = false): PerlNumber {
  left = asInteger(left);
  right = asInteger(right);
  if (left.kind === 'integer' && right.kind === 'integer') {
    const value = subtract ? left.value - right.value : left.value + right.value;
    if (value >= IV_MIN && value <= UV_MAX) return { kind: 'integer', value };
    // Perl's UV arithmetic still holds a magnitude below 2^64 (a result under
    // IV_MIN becomes -(NV)magnitude); past that it redoes the sum in doubles.
    if (value < 0 && value > -UV_LIMIT) return { kind: 'double', value: Number(value) };
  }
  const a = Number(left.value);
  const b = Number(right.value);
  return { kind: 'double', value: subtract ? a - b : a + b };
}

/**
 * PERL_PRESERVE_IVUV: pp_add uses an operand as an integer when its string
 * converts to an exact IV/UV. That holds for a whole-string number in exponent
 * form ("1e15", "2.5e3") or an out-of-range integer that rounds into range,
 * not for "55.0" (only privately IOK) nor "1e15x" (not a number). So "1e15" + 1
 * is 1000000000000001, not 1e+15 (which would make every later INCREMENT a no-op).
 */
function asInteger(number: PerlNumber): PerlNumber {
  if (number.kind === 'integer' || !number.wholeNumber || !Number.isInteger(number.value)) return number;
  const value = BigInt(number.value);
  return value >= IV_MIN && value <= UV_MAX ? { kind: 'integer', value } : number;
}

/** Prints a number the way Perl stringifies it. */
export function formatPerlNumber(number: PerlNumber): string {
  return number.kind === 'integer' ? number.value.toString() : formatDouble(number.value);
}

/** C's `%.15g`, with Perl's spelling of infinities and NaN. */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Inf' : '-Inf';
  // Perl stringifies every zero NV, -0 included, as "0".
  if (value === 0) return '0';
  const [mantissa, exponentText] = value.toExponential(14).split('e') as [string, string];
  const exponent = Number(exponentText);
  // 15 significant digits. toExponential/toFixed round an exact tie away from
  // zero, C's printf rounds it to even: 123456789012344.5 prints as ...344.
  let digits = mantissa.replace(/[-.]/g, '');
  if (value.toExponential(15).includes('5e')) {
    const exact = exactDigits(value);
    if (exact.length === 16 && exact.endsWith('5') && Number(exact[14]) % 2 === 0) digits = exact.slice(0, 15);
  }
  const sign = value < 0 ? '-' : '';
  if (exponent < -4 || exponent >= 15) {
    const expSign = exponent < 0 ? '-' : '+';
    return `${sign}${stripZeros(`${digits[0]}.${digits.slice(1)}`)}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent === 14) return sign + digits;
  const fixed = exponent >= 0 ? `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}` : `0.${'0'.repeat(-exponent - 1)}${digits}`;
  return sign + stripZeros(fixed);
}

/** The exact decimal significant digits of a finite, non-zero double, trailing zeros dropped. */
function exactDigits(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(value));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  // value = mantissa * 2^exponent; with exponent < 0 its digits are those of mantissa * 5^-exponent.
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  const digits = exponent >= 0 ? (mantissa << BigInt(exponent)).toString() : (mantissa * 5n ** BigInt(-exponent)).toString();
  return digits.replace(/0+$/, '');
}

/** Drops trailing zeros after a decimal point, and the point itself if nothing is left. */
function stripZeros(text: string): string {
  if (!text.includes('.')) return text;
  return text.replace(/\.?0+$/, '');
}

/** The new value of a key after INCREMENT (or DECREMENT) by `step` (default 1). */
export function applyStep(oldValue: string | undefined, step: string | undefined, decrement: boolean): string {
  const old = oldValue === undefined ? ZERO : toPerlNumber(oldValue);
  const by = step === undefined ? { kind: 'integer' as const, value: 1n } : toPerlNumber(step);
  return formatPerlNumber(perlAdd(old, by, decrement));
}
