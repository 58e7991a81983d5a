/**
 * Observability in the browser build: no diagnostics_channel and no
 * NODE_DEBUG there, so nothing is ever observed and the client builds no
 * trace context. The same functions as node-instrumentation.ts.
 * @module
 */
import type { CommandTraceContext, ConnectTraceContext, DroppedEventMessage, StatusMessage } from '../client/channels.js';

const never = (): boolean => false;
const nothing = (): void => {};

export const commandsObserved = never;
export const connectsObserved = never;
export const statusObserved = never;
export const dropsObserved = never;
export const debugEnabled = never;
export const traceCommand = <T>(_context: CommandTraceContext, run: () => Promise<T>): Promise<T> => run();
export const traceConnect = <T>(_context: ConnectTraceContext, run: () => Promise<T>): Promise<T> => run();
export const publishStatus: (message: StatusMessage) => void = nothing;
export const publishDropped: (message: DroppedEventMessage) => void = nothing;
export const debugTraffic: (where: string, direction: 'in' | 'out', text: string) => void = nothing;
export const debugNote: (where: string, text: string) => void = nothing;
