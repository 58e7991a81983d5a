/**
 * What the gateway needs to know about lines without parsing them: where
 * they end (each message to a page holds whole lines), how long they are
 * (limits both ways), and, before login, whether the server has answered
 * `OVERHEAD O` (welcome) or `OVERHEAD F` (login failed). Bytes pass through
 * untouched, CRs and invalid UTF-8 included.
 * @module
 */
import { LineTooLongError } from '../errors.js';

const LF = 0x0a;
const EMPTY = Buffer.alloc(0);
/** A held buffer larger than this is let go once its line is complete. */
const KEEP_CAPACITY = 64 * 1024;

/** Cuts the server's byte stream after its last LF, holding the unfinished line (one growing buffer). */
export class LineCutter {
  private held = EMPTY;
  private heldLength = 0;

  constructor(private readonly maxLineLength: number) {}

  /** Bytes of the unfinished line held. */
  get bufferedBytes(): number {
    return this.heldLength;
  }

  /**
   * Whole lines to pass on (what was held plus this chunk up to its last
   * LF), or undefined when the chunk ends no line.
   * @throws {LineTooLongError} when a line is over the limit.
   */
  cut(chunk: Buffer): Buffer | undefined {
    const last = chunk.lastIndexOf(LF);
    if (last === -1) {
      this.hold(chunk);
      return undefined;
    }
    checkLines(chunk, 0, last + 1, this.maxLineLength, this.heldLength);
    let out: Buffer;
    if (this.heldLength > 0) {
      out = Buffer.concat([this.held.subarray(0, this.heldLength), chunk.subarray(0, last + 1)]);
      this.heldLength = 0;
      if (this.held.length > KEEP_CAPACITY) this.held = EMPTY;
    } else {
      out = last + 1 === chunk.length ? chunk : chunk.subarray(0, last + 1);
    }
    if (last + 1 < chunk.length) this.hold(chunk.subarray(last + 1));
    return out;
  }

  private hold(bytes: Buffer): void {
    const needed = this.heldLength + bytes.length;
    if (needed > this.maxLineLength) throw new LineTooLongError(this.maxLineLength);
    if (needed > this.held.length) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(needed, this.held.length * 2, 256), this.maxLineLength));
      this.held.copy(grown, 0, 0, this.heldLength);
      this.held = grown;
    }
    bytes.copy(this.held, this.heldLength);
    this.heldLength = needed;
  }
}

/**
 * Checks that every line in `bytes[start, end)` is within `max` bytes (LF
 * excluded), the first one continuing `carried` bytes from before. A range
 * no longer than the limit needs no scan: only its first line can be over.
 * @throws {LineTooLongError}
 */
export function checkLines(bytes: Uint8Array, start: number, end: number, max: number, carried = 0): void {
  let lf = bytes.indexOf(LF, start);
  if (lf === -1 || lf >= end) lf = end;
  if (carried + lf - start > max) throw new LineTooLongError(max);
  if (end - start <= max) return;
  while (lf < end) {
    const from = lf + 1;
    lf = bytes.indexOf(LF, from);
    if (lf === -1 || lf >= end) lf = end;
    if (lf - from > max) throw new LineTooLongError(max);
  }
}

/**
 * The lines of a message with every login line (`OVERHEAD` with the A flag)
 * replaced by what `replace` makes of its value (the token), a whole line,
 * CRLF included; the message itself when it holds none; undefined when
 * `replace` refuses one.
 */
export function replaceLoginLines(message: Buffer, replace: (token: string) => Buffer | undefined): Buffer | undefined {
  let parts: Buffer[] | undefined;
  let start = 0;
  let kept = 0;
  while (start < message.length) {
    const lf = message.indexOf(LF, start);
    const next = lf === -1 ? message.length : lf + 1;
    const token = loginToken(message, start, next);
    if (token !== undefined) {
      const login = replace(token);
      if (!login) return undefined;
      parts ??= [];
      if (kept < start) parts.push(message.subarray(kept, start));
      parts.push(login);
      kept = next;
    }
    start = next;
  }
  if (!parts) return message;
  if (kept < message.length) parts.push(message.subarray(kept));
  return Buffer.concat(parts);
}

/** The value of `bytes[start, end)` when it is an `OVERHEAD` line whose flags hold A (PROTOCOL.md, "OVERHEAD from a client"). */
function loginToken(bytes: Buffer, start: number, end: number): string | undefined {
  if (end - start < 10 || bytes.toString('latin1', start, start + 9) !== 'OVERHEAD ') return undefined;
  const space = bytes.indexOf(0x20, start + 9);
  const flagsEnd = space === -1 || space > end ? end : space;
  if (!bytes.toString('latin1', start + 9, flagsEnd).includes('A')) return undefined;
  return flagsEnd >= end ? '' : bytes.toString('utf8', flagsEnd + 1, end).replace(/[\r\n]/g, '');
}

/** The login outcome among whole lines from the server, if they tell it: `OVERHEAD` with flag O, or with flag F. */
export function loginOutcome(lines: Buffer): 'welcome' | 'failed' | undefined {
  let start = 0;
  while (start < lines.length) {
    let end = lines.indexOf(LF, start);
    if (end === -1) end = lines.length;
    // PROTOCOL.md, "Authentication": `OVERHEAD O Welcome!` or `OVERHEAD F Login failed!` (`M` is the greeting's).
    if (end - start > 9 && lines.toString('latin1', start, start + 9) === 'OVERHEAD ') {
      const space = lines.indexOf(0x20, start + 9);
      const flags = lines.toString('latin1', start + 9, space === -1 || space > end ? end : space);
      if (flags.includes('O')) return 'welcome';
      if (flags.includes('F')) return 'failed';
    }
    start = end + 1;
  }
  return undefined;
}
