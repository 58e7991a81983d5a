/**
 * Reading quoted YAML scalars the way YAML::Syck's loader reads them. Syck
 * knows fewer escapes than YAML 1.2: `\\ \" \0 \a \b \e \f \n \r \t \v`
 * and `\xHH` (two hex digits, a raw byte); any other backslash pair, `\u00e4`
 * included, stays as the two characters (transcript 12, the JSON body). A
 * line break inside quotes folds to a space, an empty line to a line feed,
 * and a backslash before a line break joins the lines.
 * @module
 */

const SIMPLE: Record<string, string> = {
  '\\': '\\', '"': '"', '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
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
  if (!body.includes('\\')) {
    if (!body.includes('\n')) return body;
  } else if (!body.includes('\n')) return decodeEscapes(body);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const char = body[i] as string;
    if (char === '\n') {
      const folded = foldLineBreak(body, i, out);
      out = folded.text;
      i = folded.next - 1;
      continue;
    }
    if (char !== '\\') {
      out += char;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) {
      out += char;
      continue;
    }
    if (next === '\n') {
      // An escaped line break: the lines join, the next one's indentation goes.
      i += 2;
      while (body[i] === ' ' || body[i] === '\t') i++;
      i--;
      continue;
    }
    const simple = SIMPLE[next];
    if (simple !== undefined) {
      out += simple;
      i++;
    } else if (next === 'x' && HEX_PAIR.test(body.slice(i + 2, i + 4))) {
      out += String.fromCharCode(parseInt(body.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      out += char + next;
      i++;
    }
  }
  return out;
}

/** The content of a single-quoted scalar: `''` is a quote; line breaks fold as in double quotes. */
export function decodeSingleQuoted(source: string): string {
  const body = source.slice(1, -1);
  if (!body.includes('\n')) return body.replaceAll("''", "'");
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const char = body[i] as string;
    if (char === '\n') {
      const folded = foldLineBreak(body, i, out);
      out = folded.text;
      i = folded.next - 1;
    } else if (char === "'" && body[i + 1] === "'") {
      out += "'";
      i++;
    } else out += char;
  }
  return out;
}

/**
 * Folds the line break at `at`: trailing blanks before it and leading blanks
 * after it go; one break becomes a space, each further (empty) line a line feed.
 */
function foldLineBreak(body: string, at: number, text: string): { text: string; next: number } {
  let out = text.replace(/[ \t]+$/, '');
  let i = at + 1;
  let breaks = 0;
  for (;;) {
    while (body[i] === ' ' || body[i] === '\t') i++;
    if (body[i] !== '\n') break;
    breaks++;
    i++;
  }
  out += breaks === 0 ? ' ' : '\n'.repeat(breaks);
  return { text: out, next: i };
}
