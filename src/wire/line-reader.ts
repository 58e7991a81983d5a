/**
 * Line framing: turns a stream of Buffer chunks into text lines.
 *
 * The reference server drops every CR byte wherever it stands and splits on
 * LF; empty lines are ignored (PROTOCOL.md, "Transport"). Both sides of
 * net-clacks frame lines this way. Each chunk is decoded once (a multi-byte
 * UTF-8 character split between chunks is held by a StringDecoder) and split
 * with `indexOf`; lines are slices of the chunk's text.
 * @module
 */
import { StringDecoder } from 'node:string_decoder';
import { LineTooLongError } from '../errors.js';

const CR = 0x0d;

/** How line bytes become strings. */
export type LineEncoding = 'utf8' | 'latin1';

/** Options of a {@link LineReader}. */
export interface LineReaderOptions {
  /**
   * Longest accepted line in characters (bytes for ASCII and latin1), CRs included. A longer line makes
   * {@link LineReader.push} throw a {@link LineTooLongError}. Default 16 MiB.
   */
  maxLineLength?: number;
  /**
   * `utf8` (the client: values are text) or `latin1` (the server: one char per
   * byte, so values pass through byte for byte, invalid UTF-8 included).
   */
  encoding?: LineEncoding;
}

/** Default maximum line length: 16 MiB. */
export const DEFAULT_MAX_LINE_LENGTH = 16 * 1024 * 1024;

/** Splits Buffer chunks into lines and hands each non-empty one to `onLine`. */
export class LineReader {
  private readonly onLine: (line: string) => void;
  private readonly maxLineLength: number;
  private readonly encoding: LineEncoding;
  private decoder: StringDecoder;
  /** Text of an unfinished line, from earlier chunks. */
  private partial = '';

  constructor(onLine: (line: string) => void, options: LineReaderOptions = {}) {
    this.onLine = onLine;
    this.maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    this.encoding = options.encoding ?? 'utf8';
    this.decoder = new StringDecoder(this.encoding);
  }

  /** Characters held for a line whose LF has not arrived yet (bytes, for ASCII and latin1). */
  get bufferedBytes(): number {
    return this.partial.length;
  }

  /** Forgets any unfinished line (after a reconnect). */
  reset(): void {
    this.partial = '';
    this.decoder = new StringDecoder(this.encoding);
  }

  /**
   * Feeds one chunk. Calls `onLine` for each complete line, in order.
   * @throws {LineTooLongError} when a line exceeds the maximum length; the
   *   reader is then reset and the connection should be dropped.
   */
  push(chunk: Buffer): void {
    // One native decode per chunk; the decoder keeps a multi-byte character
    // split between chunks until its last byte arrives.
    const text = this.decoder.write(chunk);
    let start = 0;
    let lf = text.indexOf('\n');
    if (this.partial !== '') {
      // Search only the new text, so a long line arriving in many chunks is
      // not rescanned from its start each time.
      if (lf === -1) {
        this.keep(this.partial + text);
        return;
      }
      const line = this.partial + text.slice(0, lf);
      this.partial = '';
      if (line.length > this.maxLineLength) this.fail();
      this.emit(line, 0, line.length, line.indexOf('\r'));
      start = lf + 1;
      lf = text.indexOf('\n', start);
    }
    // The next CR at or after `start`, found once per CR rather than once per
    // line, so LF-only input is not rescanned to its end for every line.
    let nextCr = lf === -1 ? -1 : text.indexOf('\r', start);
    while (lf !== -1) {
      if (lf - start > this.maxLineLength) this.fail();
      if (nextCr !== -1 && nextCr < start) nextCr = text.indexOf('\r', start);
      this.emit(text, start, lf, nextCr);
      start = lf + 1;
      lf = text.indexOf('\n', start);
    }
    if (start < text.length) this.keep(start === 0 ? text : text.slice(start));
  }

  private keep(rest: string): void {
    if (rest.length > this.maxLineLength) this.fail();
    this.partial = rest;
  }

  private fail(): never {
    this.reset();
    throw new LineTooLongError(this.maxLineLength);
  }

  /**
   * Emits text [start, end) minus every CR; nothing for an empty line.
   * `cr` is the first CR at or after `start` in `text`, or -1.
   */
  private emit(text: string, start: number, end: number, cr: number): void {
    // Common case: no CR, or just the one before the LF.
    if (end > start && text.charCodeAt(end - 1) === CR) end--;
    if (cr === -1 || cr >= end) {
      if (end > start) this.onLine(text.slice(start, end));
      return;
    }
    // Stray CRs inside the line: the reference server drops them all.
    const line = text.slice(start, end).replace(/\r/g, '');
    if (line.length > 0) this.onLine(line);
  }
}
