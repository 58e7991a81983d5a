/**
 * Other parties' bytes made safe for a terminal: keys, values, client
 * identifications, DEBUG text and error messages can hold ESC, BEL or C1
 * controls that a terminal would obey (retitle the window, move the cursor,
 * hide what follows). Escaped, they read as `\x1b`, `\x07`, `\u202e`.
 * @module
 */

/**
 * C0 controls (tab and line breaks too), DEL, C1 controls, and the Unicode
 * format characters that reorder or break text on screen: bidirectional
 * marks, embeddings, overrides and isolates, and the line and paragraph
 * separators.
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escapeOne(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control character written as an escape (`\x1b`, `\t`, `\u202e`); other text as it is. */
export function escapeControl(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escapeOne) : text;
}

/** What JSON.stringify leaves raw but a terminal may obey: DEL, C1 controls, bidirectional and separator characters. */
const JSON_UNSAFE = /[\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON text with the characters JSON.stringify leaves raw (DEL, C1, bidi) as `\u` escapes: the same data, safe on a terminal. */
export function escapeJson(json: string): string {
  return json.replace(JSON_UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
