/**
 * Line framing for Uint8Array chunks, decoded with TextDecoder: the browser
 * build's counterpart of line-reader.ts (which works on Node Buffers, with
 * Buffer's own indexOf and toString, the faster path under Node). Same
 * rules (PROTOCOL.md, "Transport"): split on LF, drop every CR, ignore empty
 * lines, refuse a line longer than the limit. An unfinished line is kept in
 * one growing buffer, so its cost is its bytes whatever the chunk sizes.
 * @module
 */
import { LineTooLongError } from '../errors.js';
import { DEFAULT_MAX_LINE_LENGTH, type LineReaderOptions } from './framing.js';

const LF = 0x0a;
const CR = 0x0d;
/** A kept buffer larger than this is let go once its line is complete. */
const KEEP_CAPACITY = 64 * 1024;

/** Splits Uint8Array chunks into lines and hands each non-empty one to `onLine`. */
export class ByteLineReader {
  private readonly onLine: (line: string) => void;
  private readonly maxLineLength: number;
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  /** Bytes of an unfinished line, from earlier chunks: `partial[0, partialLength)`. */
  private partial = new Uint8Array(0);
  private partialLength = 0;

  constructor(onLine: (line: string) => void, options: LineReaderOptions = {}) {
    this.onLine = onLine;
    this.maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    // `latin1` asks for one char per byte; TextDecoder's windows-1252 is not that, so map it by hand.
    if (options.encoding === 'latin1') this.decode = latin1;
  }

  /** Bytes held for a line whose LF has not arrived yet. */
  get bufferedBytes(): number {
    return this.partialLength;
  }

  /** Forgets any unfinished line. */
  reset(): void {
    this.partial = new Uint8Array(0);
    this.partialLength = 0;
  }

  /**
   * Feeds one chunk. Calls `onLine` for each complete line, in order.
   * @throws {LineTooLongError} when a line exceeds the maximum length; the
   *   reader is then reset and the connection should be dropped.
   */
  push(chunk: Uint8Array): void {
    let start = 0;
    let lf = chunk.indexOf(LF);
    if (this.partialLength > 0) {
      if (lf === -1) {
        this.keep(chunk, 0);
        return;
      }
      if (this.partialLength + lf > this.maxLineLength) this.fail();
      this.keep(chunk.subarray(0, lf), 0);
      const line = this.partial.subarray(0, this.partialLength);
      this.partialLength = 0;
      this.emit(line, 0, line.length, line.indexOf(CR));
      if (this.partial.length > KEEP_CAPACITY) this.partial = new Uint8Array(0);
      start = lf + 1;
      lf = chunk.indexOf(LF, start);
    }
    // The next CR at or after `start`, searched in the whole chunk once per CR:
    // a view (subarray) per search would cost more than the decoding.
    let nextCr = lf === -1 ? -1 : chunk.indexOf(CR, start);
    while (lf !== -1) {
      if (lf - start > this.maxLineLength) this.fail();
      if (nextCr !== -1 && nextCr < start) nextCr = chunk.indexOf(CR, start);
      this.emit(chunk, start, lf, nextCr);
      start = lf + 1;
      lf = chunk.indexOf(LF, start);
    }
    if (start < chunk.length) this.keep(chunk, start);
  }

  /** Appends `chunk[start…]` to the unfinished line (a copy: the caller may reuse its chunk). */
  private keep(chunk: Uint8Array, start: number): void {
    const rest = chunk.length - start;
    const needed = this.partialLength + rest;
    if (needed > this.maxLineLength) this.fail();
    if (needed > this.partial.length) {
      const grown = new Uint8Array(Math.min(Math.max(needed, this.partial.length * 2, 256), this.maxLineLength));
      grown.set(this.partial.subarray(0, this.partialLength));
      this.partial = grown;
    }
    this.partial.set(chunk.subarray(start), this.partialLength);
    this.partialLength = needed;
  }

  private fail(): never {
    this.reset();
    throw new LineTooLongError(this.maxLineLength);
  }

  /**
   * Emits bytes [start, end) minus every CR; nothing for an empty line.
   * `cr` is the first CR at or after `start` in `bytes`, or -1.
   */
  private emit(bytes: Uint8Array, start: number, end: number, cr: number): void {
    // Common case: no CR, or just the one before the LF.
    if (end > start && bytes[end - 1] === CR) end--;
    if (cr === -1 || cr >= end) {
      if (end > start) this.onLine(this.decode(bytes.subarray(start, end)));
      return;
    }
    // Stray CRs inside the line: the reference server drops them all.
    const kept = new Uint8Array(end - start);
    let length = 0;
    let from = start;
    while (cr !== -1 && cr < end) {
      kept.set(bytes.subarray(from, cr), length);
      length += cr - from;
      from = cr + 1;
      cr = bytes.indexOf(CR, from);
    }
    kept.set(bytes.subarray(from, end), length);
    length += end - from;
    if (length > 0) this.onLine(this.decode(kept.subarray(0, length)));
  }

  private decode: (bytes: Uint8Array) => string = (bytes) => this.decoder.decode(bytes);
}

/** One char per byte. */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return text;
}
