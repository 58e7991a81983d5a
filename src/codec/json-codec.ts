/**
 * A JSON codec for deployments where every reader and writer is net-clacks.
 *
 * Values are stored as plain JSON text, without a prefix: `JSON.stringify`
 * output is always one line (CR and LF inside strings are escaped as `\r`
 * and `\n`), stays readable in KEYLIST/monitor output and to other JSON
 * tools, and `42`, `"text"`, `true` and `null` all round-trip with their
 * types. Perl cache clients see the JSON text as a plain string. A value
 * that is not JSON (say, stored by a Perl client) fails to decode.
 * @module
 */
import { CodecError, ValidationError } from '../errors.js';
import type { ValueCodec } from './value-codec.js';

/**
 * Encodes with `JSON.stringify`, so JSON's rules apply: `toJSON` is used,
 * undefined properties are left out, `NaN`/`Infinity` become `null`.
 * @throws {ValidationError} for `undefined`, functions, symbols, bigints and cycles.
 */
function encodeJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError('value', `cannot be written as JSON: ${reason}`);
  }
  if (text === undefined) throw new ValidationError('value', `a ${typeof value} cannot be written as JSON`);
  return text;
}

/** @throws {CodecError} when `wire` is not JSON. */
function decodeJson(wire: string): unknown {
  try {
    return JSON.parse(wire) as unknown;
  } catch (error) {
    throw new CodecError('invalid JSON value', { cause: error });
  }
}

/** Stores any JSON value as one line of plain JSON; not readable as structures by Perl clients. */
export const jsonCodec: ValueCodec = { encode: encodeJson, decode: decodeJson };
