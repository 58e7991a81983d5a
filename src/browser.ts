/**
 * net-clacks in a web page: the same client as under Node (Promises for
 * commands, `for await` for events and subscriptions, status, reconnect),
 * connecting through a WebSocket gateway (`clacks gateway`, `clacks serve
 * --ws`) with a `ws://` or `wss://` URL, and the cache API with the Perl
 * codecs. No Node built-ins: one ES module for any bundler or a
 * `<script type="module">`.
 *
 * @example
 * ```ts no-run
 * import { createClient } from 'net-clacks/browser';
 * const client = await createClient('wss://gateway.example.org/clacks', { username: 'web', password });
 * for await (const event of client.subscribe('Sensors::Temperature')) console.log(event);
 * ```
 * @packageDocumentation
 */
export { createClient } from './client/create-client.js';
export { ClacksClient } from './client/client.js';
export type { RequestOptions, SetOptions, SubscribeOptions, StatusOptions, Subscription, ClacksClientEvents } from './client/client.js';
export type { ClientInfo } from './client/client-info.js';
export { parseClacksUrl } from './client/options.js';
export type { ClientOptions, ServerTarget, ResolvedTarget, ClientTimeouts, LivenessOptions, OfflineQueueOptions } from './client/options.js';
export { exponentialBackoff } from './connection/reconnect-policy.js';
export type { ReconnectPolicy, BackoffOptions } from './connection/reconnect-policy.js';
export type { ConnectionState } from './connection/state.js';
export type { EventOptions, ValueDecoder } from './events/event-hub.js';
export type { OverflowPolicy } from './events/event-queue.js';
export type * from './events/types.js';
export * from './errors.js';
export { VERSION } from './version.js';
export { createCache, ClacksCache, sanitizeKey } from './cache/clacks-cache.js';
export type { CacheOptions } from './cache/clacks-cache.js';
export * from './codec/index.js';
