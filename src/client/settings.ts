/**
 * Client options resolved to the values the client runs with: every default
 * in one place.
 * @module
 */
import { exponentialBackoff, type ReconnectPolicy } from '../connection/reconnect-policy.js';
import type { OverflowPolicy } from '../events/event-queue.js';
import type { OfflineQueueLimits } from './offline-queue.js';
import { ValidationError } from '../errors.js';
import { validateIdentification, validateText } from '../wire/validate.js';
import { VERSION } from '../version.js';
import type { ClientOptions } from './options.js';

/** What the client runs with. */
export interface Settings {
  name: string;
  requestTimeout: number;
  connectTimeout: number;
  tlsHandshakeTimeout: number;
  headerTimeout: number;
  authTimeout: number;
  waitForServer: number;
  reconnect: boolean;
  policy: ReconnectPolicy;
  reconnectResetAfter: number;
  failover: 'in-order' | 'rotate';
  pingInterval: number | false;
  remembrance: { name: string; interval: number } | false;
  liveness: { interval: number; timeout: number } | false;
  keepAlive: number;
  caching: boolean;
  maxLineLength: number;
  maxWriteBuffer: number;
  closeTimeout: number;
  /** Bounds of the offline queue, or `false` when commands are refused while disconnected. */
  offlineQueue: OfflineQueueLimits | false;
  eventBufferSize: number;
  eventBufferBytes: number;
  eventOverflow: OverflowPolicy;
  maxListEntries: number;
  maxListBytes: number;
}

/** Fills in every default and checks what can be checked before connecting. */
export function resolveSettings(options: ClientOptions): Settings {
  const timeouts = options.timeouts ?? {};
  const offline = options.offlineQueue ?? true;
  const limits = offline === true || offline === false ? {} : offline;
  const remembrance = options.remembrance ?? true;
  const liveness = options.liveness ?? {};
  const settings: Settings = {
    name: validateIdentification(options.name ?? `net-clacks/${VERSION}`, 'name'),
    requestTimeout: timeouts.request ?? 30_000,
    connectTimeout: timeouts.connect ?? 10_000,
    tlsHandshakeTimeout: timeouts.tlsHandshake ?? 10_000,
    headerTimeout: timeouts.header ?? 15_000,
    authTimeout: timeouts.auth ?? 15_000,
    waitForServer: options.waitForServer ?? 0,
    reconnect: options.reconnect ?? true,
    policy: options.reconnectPolicy ?? exponentialBackoff(),
    reconnectResetAfter: options.reconnectResetAfter ?? 5_000,
    failover: options.failover ?? 'in-order',
    pingInterval: options.pingInterval ?? 30_000,
    remembrance:
      remembrance === false
        ? false
        : {
            name: (remembrance === true ? undefined : remembrance.name) ?? 'Terry Pratchett',
            interval: (remembrance === true ? undefined : remembrance.interval) ?? 3_600_000,
          },
    liveness: liveness === false ? false : { interval: liveness.interval ?? 15_000, timeout: liveness.timeout ?? 15_000 },
    keepAlive: options.keepAlive ?? 30_000,
    caching: options.caching ?? false,
    maxLineLength: options.maxLineLength ?? 16 * 1024 * 1024,
    maxWriteBuffer: options.maxWriteBuffer ?? 64 * 1024 * 1024,
    closeTimeout: timeouts.close ?? 5_000,
    offlineQueue:
      offline === false
        ? false
        : {
            maxCommands: limits.maxCommands ?? 10_000,
            maxBytes: limits.maxBytes ?? 16 * 1024 * 1024,
            timeout: limits.timeout ?? 30_000,
          },
    eventBufferSize: options.eventBufferSize ?? 10_000,
    eventBufferBytes: options.eventBufferBytes ?? 16 * 1024 * 1024,
    eventOverflow: options.eventOverflow ?? 'drop-oldest',
    maxListEntries: options.maxListEntries ?? 1_000_000,
    maxListBytes: options.maxListBytes ?? 64 * 1024 * 1024,
  };
  if (settings.remembrance) validateText(settings.remembrance.name, 'remembrance.name');
  for (const bound of ['eventBufferBytes', 'maxListEntries', 'maxListBytes'] as const) positive(settings[bound], bound);
  positive(settings.closeTimeout, 'timeouts.close');
  if (!(settings.reconnectResetAfter >= 0)) throw new ValidationError('reconnectResetAfter', `expected a duration in ms, got ${String(settings.reconnectResetAfter)}`);
  return settings;
}

/** A bound: a positive number (Infinity for none). */
function positive(value: number, argument: string): void {
  if (typeof value !== 'number' || !(value > 0)) throw new ValidationError(argument, `expected a positive number, got ${String(value)}`);
}
