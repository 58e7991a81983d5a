/**
 * Reading quoted YAML scalars the way YAML::Syck's loader reads them. Syck
 * knows fewer escapes than YAML 1.2: `\\ \" \0 \a \b \e \f \n \r \t \v`
 * and `\xHH` (two hex digits, a raw byte); any other backslash pair, `\u00e4`
 * included, stays as the two characters (transcript 12, the JSON body). A
 * line break inside quotes folds to a space, an empty line to a line feed,
 * and a backslash before a line break joins the lines.
 * (Syck never writes a line break inside quotes itself, apart from a number
 * with a line feed in single quotes; hand-written files may hold them.)
 * @module
 */

const SIMPLE: Record<string, string> = {
  '\\': '\\', '"': '"', '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};
const SIMPLE_CODES = new Map([...Object.entries(SIMPLE)].map(([letter, char]) => [letter.charCodeAt(0), char.charCodeAt(0)]));

/** A hex digit's value, or -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/** Escapes on one line, byte by byte into a buffer: a 15 MiB value of `\x01` decodes in milliseconds. */
function decodeEscapes(body: string): string {
  const out = Buffer.allocUnsafe(body.length);
  let at = 0;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    if (code !== 0x5c || i + 1 === body.length) {
      out[at++] = code;
      continue;
    }
    const next = body.charCodeAt(i + 1);
    const simple = SIMPLE_CODES.get(next);
    if (simple !== undefined) {
      out[at++] = simple;
      i++;
      continue;
    }
    const high = next === 0x78 ? hexValue(body.charCodeAt(i + 2)) : -1;
    const low = high === -1 ? -1 : hexValue(body.charCodeAt(i + 3));
    if (low !== -1) {
      out[at++] = high * 16 + low;
      i += 3;
    } else {
      // Not an escape Syck knows: both characters stay.
      out[at++] = code;
      out[at++] = next;
      i++;
    }
  }
  return out.toString('latin1', 0, at);
}

/** The content of a double-quoted scalar, `source` being everything from the opening to the closing quote. */
export function decodeDoubleQuoted(source: string): string {
  const body = source.slice(1, -1);
  if (body.includes('\n')) return foldLines(body, decodeEscapes, true);
  return body.includes('\\') ? decodeEscapes(body) : body;
}

/** The content of a single-quoted scalar: `''` is a quote; line breaks fold as in double quotes. */
export function decodeSingleQuoted(source: string): string {
  const unquote = (text: string): string => text.replaceAll("''", "'");
  const body = source.slice(1, -1);
  return body.includes('\n') ? foldLines(body, unquote, false) : unquote(body);
}

/**
 * A quoted scalar over several lines, as Syck folds it: the spaces that
 * indent a continuation line go (tabs and trailing blanks stay); one break
 * between two lines becomes a space, each empty line a line feed; with
 * `escapes`, a backslash at the end of a line joins it to the next.
 */
function foldLines(body: string, decode: (segment: string) => string, escapes: boolean): string {
  const lines = body.split('\n');
  let out = '';
  let breaks = 0;
  let joinNext = false;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    const last = i === lines.length - 1;
    if (i > 0) line = line.replace(/^ +/, '');
    const joined = joinNext;
    joinNext = !last && escapes && /(?:^|[^\\])(?:\\\\)*\\$/.test(line);
    if (joinNext) line = line.slice(0, -1);
    if (i > 0 && !joined) {
      if (line === '' && !last) {
        breaks++;
        continue;
      }
      out += breaks === 0 ? ' ' : '\n'.repeat(breaks);
      breaks = 0;
    }
    out += decode(line);
  }
  return out;
}
