/**
 * The public API both builds share: the client, its options and events,
 * errors, the cache and the codecs. index.ts (Node) adds the wire layer,
 * the embedded server and the gateway; browser.ts is this alone.
 * @module
 */
export { createClient } from './client/create-client.js';
export { ClacksClient } from './client/client.js';
export type { RequestOptions, SetOptions, SubscribeOptions, StatusOptions, Subscription, ClacksClientEvents, ClientStats } from './client/client.js';
export { CHANNELS } from './client/channels.js';
export type { CommandTraceContext, ConnectTraceContext, ServerFields, StatusMessage, DroppedEventMessage } from './client/channels.js';
export type { ClientInfo } from './client/client-info.js';
export { parseClacksUrl } from './client/options.js';
export type { ClientOptions, ServerTarget, ResolvedTarget, ClientTimeouts, LivenessOptions, OfflineQueueOptions } from './client/options.js';
export { exponentialBackoff } from './connection/reconnect-policy.js';
export type { ReconnectPolicy, BackoffOptions } from './connection/reconnect-policy.js';
export type { ConnectionState } from './connection/state.js';
export type { EventOptions, ValueDecoder } from './events/event-hub.js';
export type { OverflowPolicy, EventStream } from './events/event-queue.js';
export type * from './events/types.js';
export * from './errors.js';
export { VERSION } from './version.js';
export { createCache, ClacksCache, sanitizeKey } from './cache/clacks-cache.js';
export type { CacheOptions } from './cache/clacks-cache.js';
export * from './codec/index.js';
