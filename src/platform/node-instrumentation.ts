/**
 * Every Node built-in the client uses for observability, in one place:
 * `node:diagnostics_channel` for tracing and metrics (channels.ts has the
 * names and shapes) and `util.debuglog` for `NODE_DEBUG=net-clacks`. The rest
 * of the client calls these plain functions through `#platform`
 * (client/instrumentation.ts); the browser build has no-ops in their place
 * (browser-instrumentation.ts).
 *
 * Each `…Observed()` check is a few property reads: the client calls it
 * before building any context object, so an unobserved client pays nothing
 * more.
 * @module
 */
import diagnostics from 'node:diagnostics_channel';
import { debuglog } from 'node:util';
import { escapeControl } from '../util/escape.js';
import { redactLine } from '../util/redact.js';
import { CHANNELS, type CommandTraceContext, type ConnectTraceContext, type DroppedEventMessage, type StatusMessage } from '../client/channels.js';

const commandChannel = diagnostics.tracingChannel<unknown, CommandTraceContext>(CHANNELS.command);
const connectChannel = diagnostics.tracingChannel<unknown, ConnectTraceContext>(CHANNELS.connect);
const statusChannel = diagnostics.channel(CHANNELS.status);
const droppedChannel = diagnostics.channel(CHANNELS.eventDropped);

/** Whether anyone listens to any of a TracingChannel's five channels (TracingChannel.hasSubscribers is missing before Node 20.13). */
function traced(channel: diagnostics.TracingChannel<unknown, object>): boolean {
  return (
    channel.start.hasSubscribers ||
    channel.end.hasSubscribers ||
    channel.asyncStart.hasSubscribers ||
    channel.asyncEnd.hasSubscribers ||
    channel.error.hasSubscribers
  );
}

/** Whether commands are traced: only then build a {@link CommandTraceContext}. */
export function commandsObserved(): boolean {
  return traced(commandChannel);
}

/** Runs a command inside its trace; the promise returned settles as `run()`'s does. */
export function traceCommand<T>(context: CommandTraceContext, run: () => Promise<T>): Promise<T> {
  return commandChannel.tracePromise(run, context);
}

/** Whether connection attempts are traced. */
export function connectsObserved(): boolean {
  return traced(connectChannel);
}

/** Runs a connection attempt inside its trace. */
export function traceConnect<T>(context: ConnectTraceContext, run: () => Promise<T>): Promise<T> {
  return connectChannel.tracePromise(run, context);
}

/** Whether anyone listens to status changes. */
export function statusObserved(): boolean {
  return statusChannel.hasSubscribers;
}

/** Publishes a status change. */
export function publishStatus(message: StatusMessage): void {
  statusChannel.publish(message);
}

/** Whether anyone listens to dropped events. */
export function dropsObserved(): boolean {
  return droppedChannel.hasSubscribers;
}

/** Publishes a dropped event. */
export function publishDropped(message: DroppedEventMessage): void {
  droppedChannel.publish(message);
}

// ---------------------------------------------------------------- NODE_DEBUG=net-clacks

const debug = debuglog('net-clacks');

/** Longest protocol line printed in full; longer ones are cut (a 16 MiB value is not worth a terminal). */
const DEBUG_LINE_LIMIT = 500;

/** Whether `NODE_DEBUG` names net-clacks. */
export function debugEnabled(): boolean {
  return debug.enabled;
}

/**
 * Prints protocol lines (`>` sent, `<` received) for `NODE_DEBUG=net-clacks`:
 * a login line without its token, control characters escaped, long lines cut.
 */
export function debugTraffic(where: string, direction: 'in' | 'out', text: string): void {
  const arrow = direction === 'in' ? '<' : '>';
  for (const line of text.split('\n')) {
    const bare = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (bare === '') continue;
    const shown = bare.length > DEBUG_LINE_LIMIT ? `${bare.slice(0, DEBUG_LINE_LIMIT)}… (${bare.length} characters)` : bare;
    debug('%s %s %s', where, arrow, escapeControl(redactLine(shown)));
  }
}

/** Prints a note (a status change) for `NODE_DEBUG=net-clacks`. */
export function debugNote(where: string, text: string): void {
  debug('%s %s', where, escapeControl(text));
}
