/**
 * How Perl's YAML::Syck (1.34, the version the reference server's files were
 * written with) writes a byte string as a YAML scalar: plain, single-quoted
 * or double-quoted, and with which escapes. The V3 persistence file is a
 * Syck dump, so matching these rules is what makes our file byte for byte
 * the reference's (transcript 12 shows every style).
 *
 * The rules, in Syck's order:
 * - A string Perl's `looks_like_number` accepts is single-quoted, unless it
 *   is a short integer (at most 9 characters), which is left to the general
 *   rules below (`36`, `-3` plain; `'21.5'`, `'0123'`, `'1700000001'` quoted).
 * - The empty string is `''`.
 * - Otherwise the scalar is plain, unless: a word YAML reads as a boolean or
 *   null (`yes`, `null`, `~`…) is single-quoted; a non-printable byte, a
 *   leading or trailing blank, an indicator at the start (`#`, `*`, `- `…),
 *   `: ` or ` #` inside, a line break, or a leading `:` makes it
 *   double-quoted. Bytes from 0x80 up count as printable (raw UTF-8 and
 *   latin1 stay as they are in plain scalars).
 * - A mapping key that would not be plain is always double-quoted.
 *
 * Strings are latin1 (one char per byte) throughout.
 * @module
 */

/** Perl's isSPACE: the whitespace `looks_like_number` skips on either side. */
const SPACE = '[\\t\\n\\v\\f\\r ]*';
const DECIMAL = '[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?';
const INF_NAN = '[+-]?(?:inf(?:inity)?|nan(?:\\(\\d+\\))?|nanq|nans|qnan|snan|1\\.#(?:inf|ind|qnan|snan))';
const PERL_NUMBER = new RegExp(`^(?:${SPACE}(?:${DECIMAL}|${INF_NAN})${SPACE}|0 but true)$`, 'i');

/** Perl's `looks_like_number` on a string. */
export function looksLikeNumber(text: string): boolean {
  return text.length > 0 && PERL_NUMBER.test(text);
}

/**
 * Syck's `syck_str_is_unquotable_integer` as it behaves in 1.34: at most 9
 * characters, `0`, or an optional `-` and a first character other than `0`
 * followed only by digits (the first character itself is not checked, so
 * ` 5`, `+5` and `.5` pass; the scalar rules then quote the first).
 */
export function isUnquotableInteger(text: string): boolean {
  const length = text.length;
  if (length === 0 || length > 9) return false;
  if (text === '0') return true;
  const start = text.charCodeAt(0) === 0x2d /* - */ ? 1 : 0;
  if (start === length || text.charCodeAt(start) === 0x30 /* 0 */) return false;
  for (let i = start + 1; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

/**
 * What Syck's implicit typing reads as a boolean or null, written quoted so
 * it stays a string. Its scanner stops at the first byte from 0x80 up, so
 * `true\xFF` counts as `true` too (but a lone `y` or `n` must stand alone).
 */
const BOOL_OR_NULL = /^(?:[yYnN]|(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)(?:[\x80-\xff][^]*)?)$/;

/** Flags of Syck's `syck_scan_scalar` that decide the style of a block-context scalar. */
const NONPRINT = 1;
const INDENTED = 2;
const WHITEEDGE = 4;
const NEWLINE = 8;
const INDICATOR = 16;

/** First characters that make a scalar an indicator (c-indicators, and Syck's `^`). */
const INDICATOR_START = new Set([...'[]{}!*&|>\'"#%@`^']);
/** First characters that are indicators when a blank, a line break or the end follows. */
const INDICATOR_BEFORE_SPACE = new Set([...'-:?,']);

function scan(text: string): number {
  const length = text.length;
  let flags = 0;
  const first = text[0] as string;
  const second = text[1];
  if (INDICATOR_START.has(first)) flags |= INDICATOR;
  if (INDICATOR_BEFORE_SPACE.has(first) && (second === ' ' || second === '\n' || second === '\r' || length === 1)) flags |= INDICATOR;
  const last = text[length - 1];
  if (first === ' ' || first === '\t' || (length > 1 && (last === ' ' || last === '\t'))) flags |= WHITEEDGE;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0a) {
      flags |= NEWLINE;
      const next = text[i + 1];
      if (next === ' ' || next === '\t') flags |= INDENTED;
    } else if (code < 0x20 ? code !== 0x09 && code !== 0x0d : code === 0x7f) {
      flags |= NONPRINT;
    } else if (code === 0x23 /* # */) {
      if (i > 0 && text.charCodeAt(i - 1) === 0x20) flags |= INDICATOR;
    } else if (code === 0x3a /* : */) {
      const next = text[i + 1];
      if (next === ' ' || next === '\n' || i === length - 1) flags |= INDICATOR;
    }
  }
  return flags;
}

type Style = 'plain' | 'single' | 'double';

/** The style YAML::Syck gives a byte string, as a mapping value or (`key`) as a mapping key. */
export function syckStyle(text: string, key: boolean): Style {
  // perl_syck.h: numbers are quoted unless they are basic integers; '' is quoted.
  let style: Style | 'auto' = looksLikeNumber(text) ? (isUnquotableInteger(text) ? 'auto' : 'single') : text === '' ? 'single' : 'auto';
  if (text === '') return key ? 'double' : 'single';
  // emitter.c, syck_emit_scalar: words that would load as a boolean or null are quoted.
  if (BOOL_OR_NULL.test(text)) style = 'single';
  const flags = scan(text);
  // A line break would make it a literal block, which Syck writes double-quoted.
  if (style === 'auto') style = flags & NEWLINE ? 'double' : 'plain';
  if (flags & NONPRINT) style = 'double';
  else if (style !== 'single' && flags & WHITEEDGE) style = 'double';
  else if (flags & INDENTED) style = 'double';
  else if (style === 'plain' && flags & INDICATOR) style = 'double';
  if (key && style !== 'plain') return 'double';
  // Ruby would read a plain `:name` as a symbol.
  if (style === 'plain' && text.charCodeAt(0) === 0x3a) return 'double';
  return style;
}

/** What each byte becomes inside Syck's double quotes: named escapes, `\\xHH` (upper case) for other controls and every byte from 0x7F up. */
const DOUBLE_QUOTED = Array.from({ length: 256 }, (_, code) => {
  const named: Record<number, string> = { 0x00: '\\0', 0x07: '\\a', 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0b: '\\v', 0x0c: '\\f', 0x0d: '\\r', 0x1b: '\\e', 0x22: '\\"', 0x5c: '\\\\' };
  if (named[code] !== undefined) return Buffer.from(named[code] as string, 'latin1');
  if (code < 0x20 || code >= 0x7f) return Buffer.from(`\\x${code.toString(16).toUpperCase().padStart(2, '0')}`, 'latin1');
  return Buffer.from([code]);
});

/** Syck's double-quoted form. Byte by byte into a buffer: a 15 MiB value of control bytes escapes in milliseconds. */
function doubleQuoted(text: string): string {
  const out = Buffer.allocUnsafe(text.length * 4 + 2);
  let at = 0;
  out[at++] = 0x22;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x20 && code < 0x7f && code !== 0x22 && code !== 0x5c) out[at++] = code;
    else {
      const escape = DOUBLE_QUOTED[code & 0xff] as Buffer;
      for (let j = 0; j < escape.length; j++) out[at++] = escape[j] as number;
    }
  }
  out[at++] = 0x22;
  return out.toString('latin1', 0, at);
}

/** Syck's single-quoted form: `''` for a quote, and a line break written as an empty line (two when it starts a line). */
function singleQuoted(text: string): string {
  if (!text.includes('\n')) return `'${text.replaceAll("'", "''")}'`;
  let out = "'";
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char === "'") out += "''";
    else if (char === '\n') {
      out += text[lineStart] !== '\n' || lineStart === 0 ? '\n\n' : '\n';
      lineStart = i + 1;
    } else out += char;
  }
  return `${out}'`;
}

/** A byte string as YAML::Syck writes it, as a mapping value or (`key`) a mapping key. */
export function syckScalar(text: string, key = false): string {
  switch (syckStyle(text, key)) {
    case 'plain':
      return text;
    case 'single':
      return singleQuoted(text);
    case 'double':
      return doubleQuoted(text);
  }
}
