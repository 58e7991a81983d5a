/**
 * Passwords never appear in a message, a log line or CLI output: targets are
 * shown as `clacks://admin:***@host:49888`, and any text that may hold a URL
 * someone typed (one that failed to parse, say) is redacted before it is
 * quoted.
 * @module
 */

/** `scheme://user:password@` → `scheme://user:***@`; the password may hold anything but whitespace. */
const USERINFO_PASSWORD = /(\/\/[^/?#@:\s]*:)[^\s]*@/g;
/** `?password=…` / `&pass=…` / `&pw=…` in a query. */
const QUERY_PASSWORD = /([?&;](?:password|passwd|pass|pw)=)[^&#\s]*/gi;

/** The text with every password of a URL in it replaced by `***`. */
export function redactUrl(text: string): string {
  return text.replace(USERINFO_PASSWORD, '$1***@').replace(QUERY_PASSWORD, '$1***');
}

/**
 * `OVERHEAD A <token>` (any OVERHEAD line with the A flag), also as a
 * monitor sees it from the reference server (`DEBUG <cid>=OVERHEAD A …`):
 * the token is the password, merely base64-encoded.
 */
const AUTH_LINE = /^((?:DEBUG [^=]*=)?OVERHEAD\s+\S*A\S*)\s.*$/i;

/** A protocol line safe to show: a login line loses its token. */
export function redactLine(line: string): string {
  return AUTH_LINE.test(line) ? line.replace(AUTH_LINE, '$1 ***') : line;
}
