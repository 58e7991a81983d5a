/**
 * The codec contract: how a cache value becomes the text after `=` on the
 * wire, and back. Every codec's output is one line: it never contains CR or
 * LF, since the protocol cannot carry them (PROTOCOL.md, "Names and values").
 * @module
 */

/**
 * Turns values into wire text and back. `T` is what `decode` returns; the
 * built-in codecs return `unknown`, a custom codec may narrow it.
 *
 * `encode` throws a {@link ValidationError} for a value it refuses and must
 * never return text containing CR or LF. `decode` throws a
 * {@link CodecError} (with a `cause`) for text it cannot read.
 */
export interface ValueCodec<T = unknown> {
  /** Wire text for `value`: one line, no CR or LF. */
  encode(value: T): string;
  /** The value stored as `wire` (the text after `=`, as received). */
  decode(wire: string): T;
}

/** Prefix of a string holding CR or LF: `PAGECAMELCLACKSB64:` + base64 of its UTF-8 bytes. */
export const PERL_BASE64_PREFIX = 'PAGECAMELCLACKSB64:';

/** Prefix of a structure: `PAGECAMELCLACKSYAMLB64: ` (with the space) + base64 of a YAML document. */
export const PERL_YAML_PREFIX = 'PAGECAMELCLACKSYAMLB64: ';
