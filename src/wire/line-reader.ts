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
 *
 * A line of `largeLineBytes` (1 MiB) and more can be taken undecoded
 * instead (`onLargeLine`): the client keeps a large SET's value as bytes
 * until a consumer takes the event, so the SETs a slow consumer's bound
 * drops never become strings.
 * @module
 */
import { LineTooLongError } from '../errors.js';
import { DEFAULT_LARGE_LINE_BYTES, DEFAULT_MAX_LINE_LENGTH, type LineEncoding, type LineReaderOptions } from './framing.js';

const LF = 0x0a;
const CR = 0x0d;

export { DEFAULT_MAX_LINE_LENGTH, type LineEncoding, type LineReaderOptions } from './framing.js';

/** Capacity of the first buffer for an unfinished line. */
const INITIAL_CAPACITY = 256;
/** A line buffer up to this size is kept for the next unfinished line; a larger one is let go. */
const RETAINED_CAPACITY = 1024;
const EMPTY = Buffer.alloc(0);

/**
 * Splits Buffer chunks into lines and hands each non-empty one to `onLine`.
 *
 * The bytes of an unfinished line are copied into one buffer that grows by
 * half its size at a time (never past the line limit), so holding N bytes
 * costs N to 1.5 N bytes (at least 256) whatever the chunk sizes were: a peer
 * that sends one byte at a time costs no more than one that sends 64 KiB at
 * once.
 */
export class LineReader {
  /**
   * Longest accepted line in bytes, CRs included. The server raises it once
   * a client has logged in; a change applies from the next byte read.
   */
  maxLineLength: number;
  /**
   * The server's fast path (latin1 readers only): offered each complete line
   * that lies within one chunk and holds no stray CR, as its bounds
   * `[start, end)` (the CR before the LF left out) in `text`, the chunk
   * decoded once as latin1, before the line is decoded on its own. When it
   * returns true it has handled the line, and `onLine` does not see it.
   * Slices of `text` keep the whole chunk's text alive: a handler may look
   * at them but must keep none.
   */
  textHandler: ((text: string, start: number, end: number, chunk: Buffer) => boolean) | undefined;
  private readonly onLine: (line: string) => void;
  private readonly encoding: LineEncoding;
  private readonly onLargeLine: ((bytes: Buffer) => boolean) | undefined;
  /** Lines this long are offered to `onLargeLine` first (never, without one). */
  private readonly largeLineBytes: number;
  /** Bytes [0, partialLength) are an unfinished line from earlier chunks. */
  private partial: Buffer = EMPTY;
  private partialLength = 0;

  constructor(onLine: (line: string) => void, options: LineReaderOptions = {}) {
    this.onLine = onLine;
    this.maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    this.encoding = options.encoding ?? 'utf8';
    this.onLargeLine = options.onLargeLine;
    // Above the retained capacity: a large line's buffer is always let go, so it can be handed over.
    this.largeLineBytes = this.onLargeLine ? Math.max(options.largeLineBytes ?? DEFAULT_LARGE_LINE_BYTES, RETAINED_CAPACITY + 1) : Number.POSITIVE_INFINITY;
  }

  /** Bytes held for a line whose LF has not arrived yet. */
  get bufferedBytes(): number {
    return this.partialLength;
  }

  /** Bytes allocated for that line: at most 1.5 times `bufferedBytes` (or 1 KiB between lines). */
  get allocatedBytes(): number {
    return this.partial.length;
  }

  /** Forgets any unfinished line (after a reconnect). */
  reset(): void {
    this.partial = EMPTY;
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
      if (this.partialLength + lf > this.maxLineLength) this.fail();
      this.append(chunk, 0, lf);
      const line = this.partial.subarray(0, this.partialLength);
      this.partialLength = 0;
      const released = this.partial.length > RETAINED_CAPACITY;
      if (released) this.partial = EMPTY;
      this.emit(line, 0, line.length, released);
      start = lf + 1;
      lf = chunk.indexOf(LF, start);
    }
    if (this.textHandler !== undefined && this.encoding === 'latin1' && lf !== -1) {
      start = this.offerLines(chunk, start, lf);
    } else {
      while (lf !== -1) {
        if (lf - start > this.maxLineLength) this.fail();
        this.emit(chunk, start, lf);
        start = lf + 1;
        lf = chunk.indexOf(LF, start);
      }
    }
    if (start < chunk.length) this.keep(chunk, start);
  }

  /**
   * The complete lines of `chunk` from `start` (the first LF at `lf`), each
   * offered to the text handler first; returns where the unfinished rest starts.
   * Lines are found in the chunk's text (a string search per line instead of
   * a call into C++), and only a line the handler leaves becomes a string of its own.
   */
  private offerLines(chunk: Buffer, start: number, lf: number): number {
    const text = chunk.toString('latin1');
    // The first CR at or after `start` (text.length: none), searched again only once passed.
    let cr = -1;
    while (lf !== -1) {
      if (lf - start > this.maxLineLength) this.fail();
      const end = lf > start && text.charCodeAt(lf - 1) === 0x0d ? lf - 1 : lf;
      if (end > start) {
        if (cr < start) {
          cr = text.indexOf('\r', start);
          if (cr === -1) cr = text.length;
        }
        // A line with a stray CR, or one the handler does not take, goes the usual way.
        const handler = this.textHandler;
        if (cr < end || handler === undefined || !handler(text, start, end, chunk)) this.emit(chunk, start, lf);
      }
      start = lf + 1;
      lf = text.indexOf('\n', start);
    }
    return start;
  }

  /** Copies the rest of `chunk` from `start` (no LF in it) behind the unfinished line. */
  private keep(chunk: Buffer, start: number): void {
    if (this.partialLength + chunk.length - start > this.maxLineLength) this.fail();
    // Copied: the caller may reuse its chunk, and a small view must not pin a large one.
    this.append(chunk, start, chunk.length);
  }

  private append(chunk: Buffer, start: number, end: number): void {
    const needed = this.partialLength + end - start;
    if (needed > this.partial.length) {
      // Geometric growth keeps the copying linear; the limit (plus the LF's CR) caps the size.
      const grownBy = this.partial.length + (this.partial.length >> 1);
      const capacity = Math.max(needed, Math.min(Math.max(INITIAL_CAPACITY, grownBy), this.maxLineLength + 1));
      // Not from the shared pool: a small kept buffer must not pin an 8 KiB slab.
      const grown = Buffer.allocUnsafeSlow(capacity);
      this.partial.copy(grown, 0, 0, this.partialLength);
      this.partial = grown;
    }
    chunk.copy(this.partial, this.partialLength, start, end);
    this.partialLength = needed;
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
   * `released`: `buf` is a line buffer the reader has let go (a view of it
   * may be handed over).
   */
  private emit(buf: Buffer, start: number, end: number, released = false): void {
    // Common case: no CR, or just the one before the LF.
    if (end > start && buf[end - 1] === CR) end--;
    if (end <= start) return;
    if (end - start >= this.largeLineBytes) {
      this.emitLarge(released ? buf.subarray(start, end) : Buffer.copyBytesFrom(buf, start, end - start));
      return;
    }
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

  /**
   * Offers a large line (bytes the reader no longer uses) to `onLargeLine`
   * with its stray CRs removed in place; decodes and emits it when not taken.
   */
  private emitLarge(line: Buffer): void {
    let cr = line.indexOf(CR);
    if (cr !== -1) {
      let length = cr;
      for (let from = cr + 1; from <= line.length; from = cr + 1) {
        cr = line.indexOf(CR, from);
        const stop = cr === -1 ? line.length : cr;
        line.copyWithin(length, from, stop);
        length += stop - from;
        if (cr === -1) break;
      }
      line = line.subarray(0, length);
    }
    if (line.length === 0) return;
    if (this.onLargeLine?.(line) !== true) this.onLine(line.toString(this.encoding));
  }
}
