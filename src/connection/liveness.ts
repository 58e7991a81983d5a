/**
 * Liveness of one connection: a server that stopped answering (frozen,
 * half-open TCP, a silently dropped link), or stopped reading our writes, is
 * declared dead so that the reconnect can start. PING has no reply, so the
 * probe is a FLUSH, sent by the owner when asked.
 * @module
 */
import { ConnectionError } from '../errors.js';
import type { Connection } from './connection.js';

/** The probe the monitor asks for, and its state, kept by the owner. */
export interface LivenessProbe {
  /** Sends a FLUSH probe. */
  send(): void;
  /** When the probe still waiting for its reply was sent (ms since epoch), or undefined. */
  outstandingSince(): number | undefined;
}

export class LivenessMonitor {
  private progress: { bytesWritten: number; at: number };
  /** When {@link check} last ran. */
  private lastCheck: number;
  /** When this process last came back from a stall of its own (0: never). */
  private resumedAt = 0;

  constructor(
    private readonly connection: Connection,
    private readonly interval: number,
    private readonly timeout: number,
    private readonly probe: LivenessProbe,
  ) {
    this.progress = { bytesWritten: connection.bytesWritten, at: Date.now() };
    this.lastCheck = this.progress.at;
  }

  /** How often {@link check} should run, in ms. */
  get tick(): number {
    return Math.max(10, Math.min(this.interval, this.timeout) / 2);
  }

  /** Probes after `interval` of silence; destroys the connection after `timeout` without any sign of life. */
  check(now = Date.now()): void {
    const connection = this.connection;
    if (connection.isClosed) return;
    // A check that comes more than a tick late means this process itself was
    // stalled (a blocked event loop, a long GC). Timers run before sockets are
    // read, so the server's answer may be waiting unread: the time lost is not
    // counted against the server, which gets a whole timeout from now.
    if (now - this.lastCheck > 2 * this.tick) this.resumedAt = now;
    this.lastCheck = now;
    if (connection.socketBuffered > 0) {
      if (connection.bytesWritten !== this.progress.bytesWritten) this.progress = { bytesWritten: connection.bytesWritten, at: now };
      else if (now - Math.max(this.progress.at, this.resumedAt) >= this.timeout) {
        connection.destroy(new ConnectionError(`the server stopped reading: no write progress for ${now - this.progress.at} ms`));
        return;
      }
    } else {
      this.progress = { bytesWritten: connection.bytesWritten, at: now };
    }
    const silentFor = now - connection.lastReceivedAt;
    const probeSentAt = this.probe.outstandingSince();
    if (probeSentAt !== undefined) {
      if (now - Math.max(probeSentAt, connection.lastReceivedAt, this.resumedAt) >= this.timeout) {
        connection.destroy(new ConnectionError(`the server stopped responding: nothing received for ${silentFor} ms`));
      }
      return;
    }
    if (silentFor >= this.interval) this.probe.send();
  }
}
