/**
 * A slave's connection to its master: connect (TLS, verified unless told
 * otherwise, or a Unix socket) through the client's transport layer, hand
 * the socket to the hub as the link, and after any loss try again on the
 * reference's schedule: the next attempt is due `reconnectTimeout` plus a
 * random jitter after the PREVIOUS ATTEMPT (not after the loss), so a link
 * that was up for long comes back at once and one that keeps failing is
 * retried every 30-40 s by default (transcript 11, dt).
 * @module
 */
import type { Socket } from 'node:net';
import { openSocket, withCertificateHint } from '../../connection/node-transport.js';
import type { LogLevel } from '../options.js';
import type { LinkPhase, LinkSync } from './link.js';
import type { ResolvedInterclacks, ResolvedMaster } from './options.js';

/** What the connector needs from the server. */
export interface UpstreamHost {
  /** Takes over the connected socket as the link to the master. */
  attachMaster(socket: Socket): void;
  log(level: LogLevel, message: string): void;
}

export class MasterConnector {
  readonly master: ResolvedMaster;
  /** `up`/`syncing` are the link's own phases; the connector knows connecting, linked and down. */
  state: Exclude<LinkPhase, 'up' | 'syncing'> | 'linked' = 'down';
  since = Date.now();
  lastError: string | undefined;
  nextAttemptAt: number | undefined;
  /** The sync of the last connection, kept while the link is down. */
  lastSync: LinkSync | undefined;
  private readonly timers: ResolvedInterclacks;
  private readonly host: UpstreamHost;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private abort: AbortController | undefined;
  private stopped = false;
  /** Consecutive failed attempts, to keep the log quiet while the master stays away. */
  private failures = 0;

  constructor(master: ResolvedMaster, timers: ResolvedInterclacks, host: UpstreamHost) {
    this.master = master;
    this.timers = timers;
    this.host = host;
  }

  start(): void {
    this.attempt();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort?.abort();
    this.nextAttemptAt = undefined;
  }

  /** The link's connection is gone: try again when due. */
  linkGone(reason: string, sync: LinkSync | undefined): void {
    this.lastError = reason;
    this.lastSync = sync;
    this.enter('down');
    this.schedule();
  }

  private enter(state: MasterConnector['state']): void {
    this.state = state;
    this.since = Date.now();
  }

  private attempt(): void {
    if (this.stopped) return;
    this.timer = undefined;
    this.nextAttemptAt = undefined;
    this.lastAttemptAt = Date.now();
    this.enter('connecting');
    const abort = new AbortController();
    this.abort = abort;
    const { where, target, tls } = this.master;
    openSocket(target, {
      where,
      tls,
      connectTimeout: this.timers.connectTimeout,
      tlsHandshakeTimeout: this.timers.tlsHandshakeTimeout,
      keepAlive: 30_000,
      signal: abort.signal,
    }).then(
      (socket) => {
        this.abort = undefined;
        if (this.stopped) return void socket.destroy();
        this.failures = 0;
        this.lastError = undefined;
        this.enter('linked');
        this.host.attachMaster(socket);
      },
      (error: unknown) => {
        this.abort = undefined;
        if (this.stopped) return;
        const message = withCertificateHint(
          error,
          "Trust the master's certificate with --master-ca FILE (master.tls.ca), or skip verification with --master-insecure (master.tls.rejectUnauthorized: false).",
        );
        this.failures++;
        // The first failure and every change are worth a warning; the same one again is not, except now and then.
        const level: LogLevel = message !== this.lastError || this.failures % 10 === 1 ? 'warn' : 'debug';
        this.lastError = message;
        this.enter('down');
        this.schedule();
        this.host.log(level, `interclacks: cannot reach the master ${where} (attempt ${this.failures}): ${message.replace(/\.$/, '')}; next attempt in ${Math.round(((this.nextAttemptAt ?? Date.now()) - Date.now()) / 100) / 10} s`);
      },
    );
  }

  private schedule(): void {
    if (this.stopped || this.timer !== undefined) return;
    const jitter = Math.random() * this.timers.reconnectJitter;
    const due = this.lastAttemptAt + this.timers.reconnectTimeout + jitter;
    const delay = Math.max(0, due - Date.now());
    this.nextAttemptAt = Date.now() + delay;
    this.timer = setTimeout(() => this.attempt(), delay);
    this.timer.unref();
  }
}
