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
  /**
   * Offered every line of at least {@link LineReaderOptions.largeLineBytes}
   * bytes as bytes (CRs removed) before it is decoded: returning true takes
   * the line undecoded (a large SET whose value may never be read), false
   * has it decoded and passed to `onLine` as usual. The bytes are the
   * callee's to keep. Only the Node reader (line-reader.ts) offers lines;
   * the browser's decodes every line.
   */
  onLargeLine?: ((bytes: Uint8Array) => boolean) | undefined;
  /** Shortest line offered to `onLargeLine`, in bytes. Default 1 MiB. */
  largeLineBytes?: number;
}

/** Default {@link LineReaderOptions.largeLineBytes}: 1 MiB. */
export const DEFAULT_LARGE_LINE_BYTES = 1024 * 1024;

/** Default maximum line length: 16 MiB. */
export const DEFAULT_MAX_LINE_LENGTH = 16 * 1024 * 1024;
