/**
 * The platform seam: everything the shared client needs from its runtime,
 * behind one object. The code reaches it as `#platform` (package.json
 * "imports"), which resolves to `./node.ts` by default and to `./browser.ts`
 * under the `browser` condition: esbuild/tsup use that condition for the
 * browser bundle, and TypeScript with `customConditions: ["browser"]` for
 * its types (tsconfig.browser.json), so the browser build never sees a Node
 * built-in. Each platform module exports the same things: `platform`
 * (this interface), `PlatformEmitter` (the base class of the client: Node's
 * EventEmitter, or a small typed emitter), `PlatformTlsOptions` (Node's
 * `tls.ConnectionOptions`, or `never`), and the instrumentation functions
 * (diagnostics_channel and util.debuglog in Node, no-ops in the browser;
 * re-exported for the client by client/instrumentation.ts).
 *
 * Something new that only Node has goes here as one more member, with a
 * no-op or a web equivalent in browser.ts; shared code never imports
 * `node:*` itself.
 * @module
 */
import type { ResolvedTarget } from '../client/options.js';
import type { OpenTransport } from '../connection/transport.js';

/** Splits received bytes into lines (see wire/line-reader.ts and wire/byte-line-reader.ts). */
export interface PlatformLineReader {
  push(chunk: Uint8Array): void;
}

/** Options of {@link Platform.createLineReader}. */
export interface PlatformLineReaderOptions {
  maxLineLength: number;
  encoding: 'utf8';
  /** Offered large lines undecoded (see `LineReaderOptions.onLargeLine`); the browser's reader never calls it. */
  onLargeLine?: (bytes: Uint8Array) => boolean;
}

/** What the shared code needs from its runtime. */
export interface Platform {
  /** `node` or `browser`. */
  readonly name: 'node' | 'browser';
  /** Opens a transport to a target (Node: Unix, TLS, WebSocket; browser: WebSocket). */
  readonly openTransport: OpenTransport;
  /** Refuses, with a ValidationError, a target this platform cannot reach (a Unix socket from a browser). */
  checkTarget(target: ResolvedTarget): void;
  /** The line reader of received bytes: Node's Buffer-based one, or a Uint8Array + TextDecoder one. */
  createLineReader(onLine: (line: string) => void, options: PlatformLineReaderOptions): PlatformLineReader;
  /** An environment variable (`CLACKS_URL`); always undefined in a browser. */
  environment(name: string): string | undefined;
  /** Lets the process exit while this timer is pending (Node); nothing in a browser. */
  unref(timer: ReturnType<typeof setTimeout>): void;
  /** The UTF-8 text of `bytes` (invalid sequences become U+FFFD, a BOM is kept), as the line reader decodes lines. */
  decodeUtf8(bytes: Uint8Array): string;
  /** The length of `text` in UTF-8 bytes. */
  byteLength(text: string): number;
  /** `bytes` random bytes as hex. */
  randomHex(bytes: number): string;
  /** Base64 of the UTF-8 bytes of `text`. */
  encodeBase64(text: string): string;
  /** The UTF-8 text of base64 `data` (already validated); invalid UTF-8 becomes U+FFFD. */
  decodeBase64(data: string): string;
  /**
   * Parses a YAML document; plain scalars (not quoted, not tagged) become
   * `resolvePlain(text)`, every other scalar a string; anchors and aliases
   * are resolved, tags ignored.
   * @throws {CodecError} for invalid YAML.
   */
  loadYaml(text: string, resolvePlain: (text: string) => unknown): unknown;
}
