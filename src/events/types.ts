/**
 * The events a client delivers through `events()`, `subscribe()` and `status()`.
 * @module
 */
import type { ServerLine } from '../wire/server-lines.js';

/** `SET name=value` from another client, for a name this client listens to. */
export interface SetEvent<V = string> {
  type: 'set';
  name: string;
  /** The value; decoded when the iterator was given a codec. */
  value: V;
}

/** `NOTIFY name` from another client, for a name this client listens to. */
export interface NotifyEvent {
  type: 'notify';
  name: string;
}

/** `DEBUG sender=text`: monitor output (after `monitor()`). */
export interface DebugEvent {
  type: 'debug';
  /** A client id (`127.0.0.1:54321:7`), or `CONNECTED`, `DISCONNECTED`, `SERVERCACHE`. */
  sender: string;
  text: string;
}

/** `OVERHEAD E …`: the server reports an error (`permission_denied`, `unknown_command <line>`). */
export interface ErrorEvent {
  type: 'error';
  message: string;
}

/** An informational `OVERHEAD` line (M, or a forwarded G message such as `GN Terry Pratchett`). */
export interface MessageEvent {
  type: 'message';
  flags: string;
  text: string;
}

/** The connection was lost; a reconnect follows unless the client is closing. */
export interface DisconnectedEvent {
  type: 'disconnected';
  reason: Error;
}

/** The client is connected again: a gap marker, signals may have been missed while away. Subscriptions are already restored. */
export interface ReconnectedEvent {
  type: 'reconnected';
}

/** A line that answered no request (for example a reply to a `sendRaw` command). Delivered only to iterators that ask for it by type. */
export interface UnsolicitedEvent {
  type: 'unsolicited';
  line: ServerLine;
}

/** Everything `events()` can deliver. */
export type ClacksEvent<V = string> =
  | SetEvent<V>
  | NotifyEvent
  | DebugEvent
  | ErrorEvent
  | MessageEvent
  | DisconnectedEvent
  | ReconnectedEvent
  | UnsolicitedEvent;

/** The `type` of a {@link ClacksEvent}. */
export type ClacksEventType = ClacksEvent['type'];

/** What `subscribe()` delivers: the name's signals, and reconnect gap markers. */
export type SubscriptionEvent<V = string> = SetEvent<V> | NotifyEvent | ReconnectedEvent;

/** Connection status changes, from `status()`. */
export type StatusEvent =
  | { type: 'connecting'; attempt: number; server: string }
  | { type: 'connected'; server: string; serverInfo: string }
  | { type: 'disconnected'; reason: Error }
  | { type: 'reconnecting'; attempt: number; delay: number; cause: Error }
  | { type: 'reconnected'; server: string; serverInfo: string }
  | { type: 'closed'; reason?: Error };
