/**
 * The identity codec: strings stored and returned exactly as they are.
 * @module
 */
import { validateValue } from '../wire/validate.js';
import type { ValueCodec } from './value-codec.js';

/**
 * Strings only, unchanged, no prefix detection on read. Use it when values
 * must reach the server verbatim (numbers for INCREMENT, values other
 * clients read raw).
 * @throws {ValidationError} (on encode) for a non-string or a string holding CR or LF.
 */
export const rawCodec: ValueCodec<string> = {
  encode: (value) => validateValue(value),
  decode: (wire) => wire,
};
