/**
 * What the server keeps about one interclacks link, beside the connection
 * itself (a link is an ordinary client connection in interclacks mode):
 * which side the peer is, its clock offset, its keepalive, the sync in
 * progress, and why it went down. Also the read-only view of the links that
 * `server.links()` returns (for operators and metrics).
 * @module
 */
import { RateWindow } from '../log-text.js';
import type { KeysyncDialect } from './keysync.js';

/** What the peer of a link is to this server: its master, or one of its slaves. */
export type LinkRole = 'master' | 'slave';

/**
 * The state of a link: `connecting` (the master is being reached), `syncing`
 * (connected, the cache exchange is not complete), `up`, `down` (the master
 * only: no connection, the next attempt is due at `nextAttemptAt`).
 */
export type LinkPhase = 'connecting' | 'syncing' | 'up' | 'down';

/** Figures of a sync: what went each way, and how long it took. */
export interface LinkSync {
  /** When it started (ms since the epoch): the connection to the master, or the slave's `OVERHEAD I 1`. */
  startedAt: number;
  /** How long it took, ms (so far, while syncing). */
  durationMs: number;
  /** KEYSYNC lines this server sent. */
  sent: number;
  /** KEYSYNC lines it received. */
  received: number;
  /** Received entries it took (newer than its own, or new). */
  taken: number;
  /** Entries that could not cross (a key with `=` to a Perl server). */
  skipped: number;
}

/** One link, as `server.links()` shows it. */
export interface LinkInfo {
  role: LinkRole;
  /** The master's target (password redacted), or the slave's connection id. */
  peer: string;
  /** The connection id (CLIENTLIST's CID) while connected. */
  cid: string | undefined;
  /** The peer's `CLACKS` identification. */
  peerInfo: string | undefined;
  /** The peer's server id, when it is a net-clacks server (Perl servers have none). */
  peerServerId: string | undefined;
  state: LinkPhase;
  /** When `state` last changed, ms since the epoch. */
  since: number;
  /** The sync of the current connection, or of the last one. */
  lastSync: LinkSync | undefined;
  /** Why the last connection went down (or the last attempt failed). */
  lastError: string | undefined;
  /** The master, while down: when the next attempt is due, ms since the epoch. */
  nextAttemptAt: number | undefined;
  /** Bytes queued for the peer. */
  outputBytes: number;
}

export class LinkState {
  readonly role: LinkRole;
  /** The peer's server id, when it is one of ours. */
  peerId: string | undefined;
  /** The master's path to the root of the network (its id first), as it last told us. */
  peerPath: readonly string[] = [];
  /** Our clock minus the peer's last `OVERHEAD T`, in seconds. */
  offset = 0;
  /** When we last sent PING on this link (ms). */
  lastPingSentAt = Date.now();
  phase: LinkPhase = 'syncing';
  since = Date.now();
  /** When the master's sync lock came on (ms), while it holds us. */
  lockedAt = 0;
  readonly sync: { startedAt: number; finishedAt: number; sent: number; received: number; taken: number; skipped: number };
  /** Why the link went down, when we know it better than "closed". */
  downReason: string | undefined;
  /** Lines ignored on this link, for the log's rate limit. */
  readonly ignoredLines = new RateWindow();

  constructor(role: LinkRole, peerId?: string) {
    this.role = role;
    this.peerId = peerId;
    this.sync = { startedAt: Date.now(), finishedAt: 0, sent: 0, received: 0, taken: 0, skipped: 0 };
  }

  /** How KEYSYNC lines are written for this peer. */
  get dialect(): KeysyncDialect {
    return this.peerId === undefined ? 'reference' : 'net-clacks';
  }

  enter(phase: LinkPhase): void {
    if (this.phase === phase) return;
    this.phase = phase;
    this.since = Date.now();
  }

  /** Notes why the link goes down, unless a reason is known already. */
  down(reason: string): void {
    this.downReason ??= reason;
  }

  /** The sync's figures as the view shows them. */
  syncInfo(now = Date.now()): LinkSync {
    const { startedAt, finishedAt, sent, received, taken, skipped } = this.sync;
    return { startedAt, durationMs: (finishedAt === 0 ? now : finishedAt) - startedAt, sent, received, taken, skipped };
  }
}
