/**
 * The Perl-compatible value encoding of Net::Clacks::ClacksCache
 * (PROTOCOL.md, "Names and values"; transcript 06):
 *
 * - a string holding CR or LF: `PAGECAMELCLACKSB64:` + base64 of its UTF-8 bytes;
 * - a plain object or array: `PAGECAMELCLACKSYAMLB64: ` (with the space) +
 *   base64 of a YAML document in YAML::Syck's style (see perl-yaml.ts);
 * - any other string: itself.
 *
 * Perl scalars have no type, so numbers, bigints and booleans given on their
 * own are stored as their string form (`42`, `1.5`, `true`) and read back as
 * strings. Inside a structure they are YAML scalars (`1`, `true`) that the
 * default `typed` reading turns back into numbers and booleans; Perl's
 * `YAML::Syck::Load` sees the strings `"1"` and `"true"`.
 * `null`/`undefined` on their own are refused (delete the key instead);
 * inside a structure `null` is YAML `~` (Perl's undef).
 * @module
 */
import { platform } from '#platform';
import { CodecError, ValidationError } from '../errors.js';
import { dumpPerlYaml, loadPerlYaml, type YamlScalars } from './perl-yaml.js';
import { PERL_BASE64_PREFIX, PERL_YAML_PREFIX, type ValueCodec } from './value-codec.js';

/** Options of the Perl-compatible codec. */
export interface PerlCodecOptions {
  /**
   * How plain YAML scalars inside structures are read. `typed` (default):
   * integers up to 2^53, decimal floats, `true`/`false` and `null` become JS
   * values. `strings`: every scalar is a string, as Perl's `YAML::Syck::Load`
   * returns them. `~` and empty values are `null` either way.
   */
  scalars?: YamlScalars;
}

/**
 * The reference cache client refuses to store a plain string starting with
 * `PAGECAMELCLACKSB64`, since every reader would decode it. The YAML prefix
 * (`PAGECAMELCLACKSYAMLB64`) is not covered by that Perl check, but readers
 * decode it just the same, so it is refused here too.
 */
const RESERVED_PREFIX = /^PAGECAMELCLACKS(?:B64|YAMLB64)/;
const LINE_BREAK = /[\r\n]/;
// Standard alphabet; padding optional (Perl's decoder does not require it).
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Encodes a value the way Net::Clacks::ClacksCache `set` does. The result
 * never contains CR or LF.
 * @throws {ValidationError} for a string starting with `PAGECAMELCLACKSB64`
 *   or `PAGECAMELCLACKSYAMLB64`, for `null`/`undefined`, non-finite numbers,
 *   functions, symbols, and structures holding cycles or non-plain objects.
 */
export function encodePerlValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      if (RESERVED_PREFIX.test(value)) {
        throw new ValidationError('value', 'a plain string must not start with PAGECAMELCLACKSB64 or PAGECAMELCLACKSYAMLB64 (readers would decode it)');
      }
      return LINE_BREAK.test(value) ? PERL_BASE64_PREFIX + platform.encodeBase64(value) : value;
    case 'number':
      if (!Number.isFinite(value)) throw new ValidationError('value', `${value} cannot be stored; only finite numbers`);
      return String(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return String(value);
    case 'object':
      if (value === null) throw new ValidationError('value', 'null cannot be stored on its own (remove the key instead)');
      return PERL_YAML_PREFIX + platform.encodeBase64(dumpPerlYaml(value));
    default:
      throw new ValidationError('value', `a ${typeof value} cannot be stored`);
  }
}

/**
 * Decodes a value the way Net::Clacks::ClacksCache `get` does: a
 * `PAGECAMELCLACKSYAMLB64:` value becomes the structure, a
 * `PAGECAMELCLACKSB64:` value the string, anything else is returned as is.
 * As in Perl, a prefix with nothing after it is not decoded. Decoded bytes
 * are read as UTF-8 (invalid sequences become U+FFFD).
 * @throws {CodecError} for invalid base64 or invalid YAML.
 */
export function decodePerlValue(wire: string, options: PerlCodecOptions = {}): unknown {
  // The reference tests the YAML prefix first, then the plain one; the YAML
  // prefix's space is just one more non-base64 byte Perl's decoder skips.
  if (wire.startsWith('PAGECAMELCLACKSYAMLB64:') && wire.length > 'PAGECAMELCLACKSYAMLB64:'.length) {
    const yaml = decodeBase64(wire.slice('PAGECAMELCLACKSYAMLB64:'.length).trimStart(), 'PAGECAMELCLACKSYAMLB64');
    return loadPerlYaml(yaml, options.scalars ?? 'typed');
  }
  if (wire.startsWith(PERL_BASE64_PREFIX) && wire.length > PERL_BASE64_PREFIX.length) {
    return decodeBase64(wire.slice(PERL_BASE64_PREFIX.length), 'PAGECAMELCLACKSB64');
  }
  return wire;
}

function decodeBase64(payload: string, what: string): string {
  if (!BASE64.test(payload) || payload.length % 4 === 1 || (payload.includes('=') && payload.length % 4 !== 0)) {
    const shown = payload.length > 40 ? `${payload.slice(0, 40)}…` : payload;
    throw new CodecError(`invalid ${what} value: not base64`, { cause: new SyntaxError(`not base64: ${JSON.stringify(shown)}`) });
  }
  return platform.decodeBase64(payload);
}

/**
 * Builds a Perl-compatible codec; see {@link PerlCodecOptions} for how YAML
 * scalars are read back.
 */
export function createPerlCodec(options: PerlCodecOptions = {}): ValueCodec {
  const decodeOptions: PerlCodecOptions = { scalars: options.scalars ?? 'typed' };
  return {
    encode: encodePerlValue,
    decode: (wire) => decodePerlValue(wire, decodeOptions),
  };
}

/**
 * The default codec, byte-compatible with Net::Clacks::ClacksCache: strings
 * as themselves or `PAGECAMELCLACKSB64:`, structures as
 * `PAGECAMELCLACKSYAMLB64: `, YAML scalars read `typed`.
 */
export const perlCodec: ValueCodec = createPerlCodec();
