/**
 * The Node platform (see platform.ts): sockets, TLS and the `ws` package,
 * Buffer-based line framing and base64, the `yaml` package.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { loadYamlWithPackage } from '../codec/yaml-package.js';
import { openNodeTransport } from '../connection/node-transport.js';
import { LineReader } from '../wire/line-reader.js';
import type { Platform } from './platform.js';

export { EventEmitter as PlatformEmitter } from 'node:events';
export type { PlatformLineReader } from './platform.js';
export { commandsObserved, traceCommand, connectsObserved, traceConnect, statusObserved, publishStatus, dropsObserved, publishDropped, debugEnabled, debugTraffic, debugNote } from './node-instrumentation.js';

/** Node TLS options, for `clacks://` and `wss://` targets. */
export type PlatformTlsOptions = ConnectionOptions;

export const platform: Platform = {
  name: 'node',
  openTransport: openNodeTransport,
  checkTarget: () => {},
  // Node transports deliver Buffers, which this reader is built for (and fast on).
  createLineReader: (onLine, options) => new LineReader(onLine, options),
  environment: (name) => process.env[name],
  unref: (timer) => void timer.unref(),
  decodeUtf8: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(),
  byteLength: (text) => Buffer.byteLength(text, 'utf8'),
  randomHex: (bytes) => randomBytes(bytes).toString('hex'),
  encodeBase64: (text) => Buffer.from(text, 'utf8').toString('base64'),
  decodeBase64: (data) => Buffer.from(data, 'base64').toString('utf8'),
  loadYaml: loadYamlWithPackage,
};
