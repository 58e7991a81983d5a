/**
 * What both line readers share: the limit and the options. line-reader.ts
 * frames Node Buffers, byte-line-reader.ts Uint8Arrays (the browser build).
 * @module
 */

/** How line bytes become strings. */
export type LineEncoding = 'utf8' | 'latin1';

/** Options of a {@link LineReader} (and of the browser build's ByteLineReader). */
export interface LineReaderOptions {
  /**
   * Longest accepted line in bytes, CRs included. A longer line makes
   * `push` throw a {@link LineTooLongError}. Default 16 MiB.
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
