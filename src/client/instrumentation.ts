/**
 * The client's tracing, metrics and debug logging (see channels.ts for the
 * channel names and message shapes). Node's diagnostics_channel and
 * util.debuglog live behind `#platform` (platform/node-instrumentation.ts);
 * the browser build has no-ops in their place.
 * @module
 */
export { commandsObserved, traceCommand, connectsObserved, traceConnect, statusObserved, publishStatus, dropsObserved, publishDropped, debugEnabled, debugTraffic, debugNote } from '#platform';
