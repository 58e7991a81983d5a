/**
 * The browser platform (see platform.ts): WebSocket only, Uint8Array line
 * framing with TextDecoder, base64 through btoa/atob, and the compact YAML
 * reader instead of the `yaml` package (which alone would be over the
 * bundle's size budget).
 * @module
 */
import { loadYamlCompact } from '../codec/yaml-reader.js';
import { openWebSocketTransport, type WebSocketConstructor } from '../connection/websocket-transport.js';
import { ValidationError } from '../errors.js';
import { ByteLineReader } from '../wire/byte-line-reader.js';
import type { Platform } from './platform.js';

export { TypedEmitter as PlatformEmitter } from './emitter.js';
export type { PlatformLineReader } from './platform.js';
export { commandsObserved, traceCommand, connectsObserved, traceConnect, statusObserved, publishStatus, dropsObserved, publishDropped, debugEnabled, debugTraffic, debugNote } from './browser-instrumentation.js';

/** No TLS options in a browser: the browser's own TLS settings apply to `wss://`. */
export type PlatformTlsOptions = never;

const encoder = new TextEncoder();

/** UTF-8 bytes of a string, counted without encoding it (a lone surrogate counts as U+FFFD, 3 bytes). */
function utf8Length(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) length += 1;
    else if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 2; // a surrogate pair: 2 chars, 4 bytes
      i++;
    } else length += 2;
  }
  return length;
}
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export const platform: Platform = {
  name: 'browser',
  openTransport: (target, options) =>
    openWebSocketTransport(target, options, { WebSocket: (globalThis as unknown as { WebSocket: WebSocketConstructor }).WebSocket }),
  checkTarget: (target) => {
    if (target.kind !== 'ws') {
      throw new ValidationError('url', 'a web page connects through a gateway: use a ws:// or wss:// URL (see `clacks gateway`)');
    }
  },
  createLineReader: (onLine, options) => new ByteLineReader(onLine, options),
  environment: () => undefined,
  unref: () => {},
  decodeUtf8: (bytes) => decoder.decode(bytes),
  byteLength: utf8Length,
  randomHex: (bytes) => {
    let hex = '';
    for (const byte of crypto.getRandomValues(new Uint8Array(bytes))) hex += byte.toString(16).padStart(2, '0');
    return hex;
  },
  encodeBase64: (text) => {
    const bytes = encoder.encode(text);
    let binary = '';
    // In slices: String.fromCharCode takes its bytes as arguments, and arguments are limited.
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  },
  decodeBase64: (data) => {
    const binary = atob(data);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return decoder.decode(bytes);
  },
  loadYaml: loadYamlCompact,
};
