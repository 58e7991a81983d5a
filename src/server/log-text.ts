/**
 * Log hygiene: what peers send never reaches the server's log raw. Control
 * characters (C0, DEL, C1: terminal escape sequences, bells, line breaks)
 * are escaped as `\xNN`, lines are cut to a maximum length, and a client's
 * repeated error reports are rate-limited per client with a count of what
 * was left out.
 * @module
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Text a peer sent (latin1, one char per byte) as readable log text: UTF-8 decoded where valid, cut to `max` characters. */
export function peerText(latin1: string, max: number): string {
  const cut = latin1.length > max ? latin1.slice(0, max) : latin1;
  const text = Buffer.from(cut, 'latin1').toString('utf8');
  return cut.length < latin1.length ? `${text}… (${latin1.length} bytes)` : text;
}

/** Escapes control characters and cuts the line to `max` characters, saying how long it was. */
export function logLine(message: string, max: number): string {
  // Cut before escaping (a megabyte line costs no more than a short one), and after (escapes lengthen).
  const long = message.length > max;
  let text = (long ? message.slice(0, max) : message).replace(CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const cut = long || text.length > max;
  if (text.length > max) text = text.slice(0, max);
  return cut ? `${text}… (${message.length} characters)` : text;
}

/** At most `perMinute` events per window of a minute; counts the rest. */
export class RateWindow {
  private windowStart = 0;
  private used = 0;
  /** Events refused since the last `takeSuppressed()`. */
  private suppressed = 0;

  /** Whether one more event may go out now. */
  allow(perMinute: number, now = Date.now()): boolean {
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used < perMinute) {
      this.used++;
      return true;
    }
    this.suppressed++;
    return false;
  }

  /** How many were refused since last asked, and resets that count. */
  takeSuppressed(): number {
    const count = this.suppressed;
    this.suppressed = 0;
    return count;
  }
}
