/**
 * The names and message shapes of the client's diagnostics channels
 * (`node:diagnostics_channel`), for APM agents, OpenTelemetry wrappers and
 * metrics. Nothing is published, and no message is built, while a channel
 * has no subscriber.
 * @module
 */
import type { ClacksEventType } from '../events/types.js';
import type { OverflowPolicy } from '../events/event-queue.js';
import type { StatusEvent } from '../events/types.js';

/** The channel names. `command` and `connect` are TracingChannels (`tracing:net-clacks:command:start` …). */
export const CHANNELS = {
  /** TracingChannel: one trace per command, from the call until its promise settles. */
  command: 'net-clacks:command',
  /** TracingChannel: one trace per connection attempt (socket, TLS, greeting and login), the first and every reconnect. */
  connect: 'net-clacks:connect',
  /** Channel: every connection status change ({@link StatusMessage}). */
  status: 'net-clacks:status',
  /** Channel: an event an iterator had no room for ({@link DroppedEventMessage}). */
  eventDropped: 'net-clacks:event-dropped',
} as const;

/** Where a traced operation goes, in the fields OpenTelemetry's database conventions use. */
export interface ServerFields {
  /** The server as a URL with the password redacted: `clacks://admin:***@host:49888`. */
  server: string;
  /** Host name, or the socket path of a Unix socket (OpenTelemetry `server.address`). */
  serverAddress: string;
  /** TCP port (OpenTelemetry `server.port`); `undefined` for a Unix socket. */
  serverPort: number | undefined;
}

/**
 * The context of a `net-clacks:command` trace. `start` is published when
 * the command is called (synchronously, in the caller's async context),
 * `asyncEnd` when its promise settles (a read: its reply arrived; a write:
 * it was handed to the socket), `error` before that when it failed.
 */
export interface CommandTraceContext extends ServerFields {
  /** The command: `RETRIEVE`, `STORE`, `SET`, `NOTIFY`, `FLUSH`, `KEYLIST` … */
  command: string;
  /** The name it is about (cache key or signal name), for commands that take one. Values are never included. */
  key: string | undefined;
  /** The reply (set before `asyncEnd` on success): the value of a RETRIEVE, the keys of a KEYLIST … */
  result?: unknown;
  /** Why it failed (set before `error`). */
  error?: unknown;
}

/** The context of a `net-clacks:connect` trace: one connection attempt. */
export interface ConnectTraceContext extends ServerFields {
  /** 1 for the first attempt (of `createClient`, or of a reconnect), counting up while attempts fail. */
  attempt: number;
  /** Whether this attempt follows a connection loss. */
  reconnect: boolean;
  /** Why it failed (set before `error`). */
  error?: unknown;
}

/** A message of the `net-clacks:status` channel. */
export interface StatusMessage {
  /** The client whose status changed. */
  client: object;
  /** The change, as `client.status()` reports it. */
  event: StatusEvent;
}

/** A message of the `net-clacks:event-dropped` channel. */
export interface DroppedEventMessage {
  /** The client whose iterator dropped the event. */
  client: object;
  /** The type of the event that was dropped. */
  type: ClacksEventType;
  /** Which bound was reached: the iterator's `bufferSize` (count) or its `bufferBytes`. */
  reason: 'count' | 'bytes';
  /** `drop-oldest`: the oldest buffered event was dropped; `error`: the iterator ended with a SlowConsumerError. */
  overflow: OverflowPolicy;
}
