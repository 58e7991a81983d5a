/**
 * Line framing: turns a stream of Buffer chunks into text lines.
 *
 * The reference server drops every CR byte wherever it stands and splits on
 * LF; empty lines are ignored (PROTOCOL.md, "Transport"). Both sides of
 * net-clacks frame lines this way. Work is done with `indexOf` on Buffers and
 * one `toString` per line; bytes of a line split across chunks (a CRLF, a
 * multi-byte UTF-8 character) are joined before decoding.
 *
 * Decoding each chunk once and slicing lines out of the text is faster, but
 * V8 keeps such slices as views of the whole chunk's string: a worker that
 * keeps the latest value of many names would keep as many 64 KiB chunks
 * alive. One independent string per line avoids that.
 * @module
 */
import { LineTooLongError } from '../errors.js';
import { DEFAULT_MAX_LINE_LENGTH, type LineEncoding, type LineReaderOptions } from './framing.js';

const LF = 0x0a;
const CR = 0x0d;

export { DEFAULT_MAX_LINE_LENGTH, type LineEncoding, type LineReaderOptions } from './framing.js';

/** Splits Buffer chunks into lines and hands each non-empty one to `onLine`. */
export class LineReader {
  private readonly onLine: (line: string) => void;
  private readonly maxLineLength: number;
  private readonly encoding: LineEncoding;
  /** Bytes of an unfinished line, from earlier chunks. */
  private partial: Buffer[] = [];
  private partialLength = 0;

  constructor(onLine: (line: string) => void, options: LineReaderOptions = {}) {
    this.onLine = onLine;
    this.maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    this.encoding = options.encoding ?? 'utf8';
  }

  /** Bytes held for a line whose LF has not arrived yet. */
  get bufferedBytes(): number {
    return this.partialLength;
  }

  /** Forgets any unfinished line (after a reconnect). */
  reset(): void {
    this.partial = [];
    this.partialLength = 0;
  }

  /**
   * Feeds one chunk. Calls `onLine` for each complete line, in order.
   * @throws {LineTooLongError} when a line exceeds the maximum length; the
   *   reader is then reset and the connection should be dropped.
   */
  push(chunk: Buffer): void {
    let start = 0;
    let lf = chunk.indexOf(LF, 0);
    if (this.partialLength > 0) {
      if (lf === -1) {
        this.keep(chunk, 0);
        return;
      }
      this.partial.push(chunk.subarray(0, lf));
      const joined = Buffer.concat(this.partial, this.partialLength + lf);
      this.partial = [];
      this.partialLength = 0;
      if (joined.length > this.maxLineLength) this.fail();
      this.emit(joined, 0, joined.length);
      start = lf + 1;
      lf = chunk.indexOf(LF, start);
    }
    while (lf !== -1) {
      if (lf - start > this.maxLineLength) this.fail();
      this.emit(chunk, start, lf);
      start = lf + 1;
      lf = chunk.indexOf(LF, start);
    }
    if (start < chunk.length) this.keep(chunk, start);
  }

  private keep(chunk: Buffer, start: number): void {
    const rest = chunk.length - start;
    if (this.partialLength + rest > this.maxLineLength) this.fail();
    // Copy: the caller may reuse its chunk, and a small view must not pin a large one.
    this.partial.push(Buffer.from(chunk.subarray(start)));
    this.partialLength += rest;
  }

  private fail(): never {
    this.reset();
    throw new LineTooLongError(this.maxLineLength);
  }

  /**
   * Emits bytes [start, end) minus every CR; nothing for an empty line. The
   * line is decoded first and searched for a CR as text (a CR byte is a CR
   * character in UTF-8 and in latin1, and a string search costs less than a
   * Buffer one); only a line with a stray CR is taken apart as bytes.
   */
  private emit(buf: Buffer, start: number, end: number): void {
    // Common case: no CR, or just the one before the LF.
    if (end > start && buf[end - 1] === CR) end--;
    if (end <= start) return;
    // No encoding is UTF-8, and Buffer#toString takes its shortest path then.
    const line = this.encoding === 'utf8' ? buf.toString(undefined, start, end) : buf.toString(this.encoding, start, end);
    if (line.indexOf('\r') === -1) {
      this.onLine(line);
      return;
    }
    // Stray CRs inside the line: the reference server drops them all, as bytes
    // (before decoding, so that a CR inside a multi-byte character still joins it).
    const parts: Buffer[] = [];
    let from = start;
    for (let cr = buf.indexOf(CR, start); cr !== -1 && cr < end; cr = buf.indexOf(CR, from)) {
      if (cr > from) parts.push(buf.subarray(from, cr));
      from = cr + 1;
    }
    if (end > from) parts.push(buf.subarray(from, end));
    const joined = Buffer.concat(parts);
    if (joined.length > 0) this.onLine(joined.toString(this.encoding));
  }
}
