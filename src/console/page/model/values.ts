/**
 * Cache values as the console shows them: decoded the way the Perl
 * libraries encode them (`PAGECAMELCLACKSB64:` text, `PAGECAMELCLACKSYAMLB64:`
 * structures), with the raw wire text kept beside. Plain text: never HTML.
 * @module
 */
import { decodePerlValue, encodePerlValue } from '../../../codec/perl-codec.js';
import { PERL_BASE64_PREFIX } from '../../../codec/value-codec.js';

/** What a value is on the wire. */
export type ValueKind = 'text' | 'perl-text' | 'perl-structure' | 'undecodable';

/** A value ready to show. */
export interface ValueView {
  kind: ValueKind;
  /** A short label for the kind: `text`, `B64 text`, `YAML structure`, `undecodable`. */
  label: string;
  /** The decoded value as text: the string itself, or the structure as indented JSON. */
  decoded: string;
  /** The decoded value on one line, for a table: the string, or the structure as compact JSON. */
  compact: string;
  /** Exactly what the server holds. */
  raw: string;
  /** Why it could not be decoded. */
  error?: string;
}

const LABELS: Record<ValueKind, string> = {
  text: 'text',
  'perl-text': 'B64 text',
  'perl-structure': 'YAML structure',
  undecodable: 'undecodable',
};

/** Decodes a wire value with the package's Perl codec. */
export function viewValue(raw: string): ValueView {
  const kind: ValueKind = raw.startsWith('PAGECAMELCLACKSYAMLB64:') && raw.length > 23 ? 'perl-structure' : raw.startsWith(PERL_BASE64_PREFIX) && raw.length > PERL_BASE64_PREFIX.length ? 'perl-text' : 'text';
  if (kind === 'text') return { kind, label: LABELS.text, decoded: raw, compact: raw, raw };
  try {
    const value = decodePerlValue(raw);
    if (typeof value === 'string') return { kind, label: LABELS[kind], decoded: value, compact: value, raw };
    return { kind, label: LABELS[kind], decoded: JSON.stringify(value, null, 2), compact: JSON.stringify(value), raw };
  } catch (error) {
    return { kind: 'undecodable', label: LABELS.undecodable, decoded: raw, compact: raw, raw, error: error instanceof Error ? error.message : String(error) };
  }
}

/** One line of at most `max` characters: line breaks shown as ⏎, the rest cut with …. */
export function preview(text: string, max = 160): string {
  const line = text.length > max * 2 ? text.slice(0, max * 2) : text;
  const flat = line.replace(/\r\n|\r|\n/g, ' ⏎ ').replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** How the store form's text becomes a wire value. */
export type StoreEncoding = 'text' | 'json' | 'raw';

/**
 * The wire value for the store form: `text` as the Perl libraries store a
 * string (PAGECAMELCLACKSB64 when it holds a line break), `json` parsed and
 * stored as a Perl YAML structure, `raw` as it is (one line).
 * @throws {Error} with a message for the form (bad JSON, a line break in raw).
 */
export function encodeForStore(text: string, encoding: StoreEncoding): string {
  switch (encoding) {
    case 'text':
      return encodePerlValue(text);
    case 'json': {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new Error(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
      }
      return encodePerlValue(value);
    }
    case 'raw':
      if (/[\r\n]/.test(text)) throw new Error('a raw value is one line: choose "text" to store line breaks');
      return text;
  }
}
