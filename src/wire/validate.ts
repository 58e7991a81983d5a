/**
 * Validation of names and values before anything is written, so that no
 * argument can inject a second command or change the meaning of a line.
 * @module
 */
import { ValidationError } from '../errors.js';

/** Whitespace, `=`, or any control character (C0, DEL, C1); no `u` flag, which is slower. */
const BAD_NAME = /[\s=\x00-\x1f\x7f-\x9f]/;
/**
 * A lone UTF-16 surrogate: UTF-8 cannot carry it (it goes out as U+FFFD), so
 * the server would know the name by another spelling and a RETRIEVE reply
 * would never match its request.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * Printable ASCII but `=`: a name made only of these needs no other check.
 * One test of this class is a third cheaper than the two checks it spares
 * (names are validated on every call).
 */
const UNUSUAL_NAME_CHARACTER = /[^\x21-\x3c\x3e-\x7e]/;
const BAD_IDENTIFICATION = /[;\r\n\p{Cc}]/u;

/**
 * Checks a name (cache key, signal name): non-empty, no whitespace, no `=`,
 * no control characters (PROTOCOL.md, "Names and values").
 * @throws {ValidationError}
 */
export function validateName(name: unknown, argument = 'name'): string {
  if (typeof name !== 'string') throw new ValidationError(argument, `expected a string, got ${describe(name)}`);
  if (name.length === 0) throw new ValidationError(argument, 'must not be empty');
  if (!UNUSUAL_NAME_CHARACTER.test(name)) return name;
  const bad = BAD_NAME.exec(name) ?? LONE_SURROGATE.exec(name);
  if (bad) throw new ValidationError(argument, `${JSON.stringify(name)} contains ${describeChar(bad[0])}`);
  return name;
}

/**
 * Checks a value: a string without CR or LF (use a codec for multi-line values).
 * @throws {ValidationError}
 */
export function validateValue(value: unknown, argument = 'value'): string {
  if (typeof value !== 'string') throw new ValidationError(argument, `expected a string, got ${describe(value)}`);
  if (hasLineBreak(value)) {
    throw new ValidationError(argument, 'contains CR or LF (encode multi-line values with a codec, e.g. createCache)');
  }
  return value;
}

/**
 * Checks the client identification sent in the `CLACKS` line: no `;`, no
 * control characters (the server would rewrite `;` to `_`).
 * @throws {ValidationError}
 */
export function validateIdentification(name: unknown, argument = 'name'): string {
  if (typeof name !== 'string') throw new ValidationError(argument, `expected a string, got ${describe(name)}`);
  if (name.trim().length === 0) throw new ValidationError(argument, 'must not be empty');
  const bad = BAD_IDENTIFICATION.exec(name);
  if (bad) throw new ValidationError(argument, `contains ${describeChar(bad[0])}`);
  return name;
}

/**
 * Checks a free-form argument that ends a line (a FLUSH id, a cid, a raw
 * line): non-empty, no CR or LF.
 * @throws {ValidationError}
 */
export function validateText(text: unknown, argument: string): string {
  if (typeof text !== 'string') throw new ValidationError(argument, `expected a string, got ${describe(text)}`);
  if (text.length === 0) throw new ValidationError(argument, 'must not be empty');
  if (hasLineBreak(text)) throw new ValidationError(argument, 'contains CR or LF');
  return text;
}

/**
 * Checks an INCREMENT/DECREMENT step and formats it for the wire. Accepts a
 * finite number or a numeric string.
 * @throws {ValidationError}
 */
export function validateStep(step: unknown, argument = 'step'): string {
  if (typeof step === 'number') {
    if (!Number.isFinite(step)) throw new ValidationError(argument, `must be a finite number, got ${step}`);
    return String(step);
  }
  if (typeof step === 'bigint') return step.toString();
  if (typeof step === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(step)) return step;
  throw new ValidationError(argument, `expected a number or numeric string, got ${describe(step)}`);
}

/** Whether `text` holds a CR or an LF (two string searches cost less than a regex test: values are checked on every write). */
function hasLineBreak(text: string): boolean {
  return text.indexOf('\n') !== -1 || text.indexOf('\r') !== -1;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value;
}

function describeChar(char: string): string {
  if (char === '=') return '"="';
  if (char === ' ') return 'a space';
  if (char === ';') return '";"';
  const code = char.codePointAt(0) ?? 0;
  return `the character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}
