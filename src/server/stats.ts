/**
 * What a running server counts and holds: `ClacksServer.stats` (counters
 * since start) and `ClacksServer.usage()` (the memory it holds for its
 * clients right now, and the peaks). Tests and benchmarks prove the limits
 * through these figures.
 * @module
 */
import type { ServerConnectionState, RefusalReason } from './admission.js';
import type { DropKind } from './client-connection.js';

/** Counters a running server keeps (`server.stats`). */
export interface ServerStats {
  /** Sockets accepted (after the TLS handshake, for TLS listeners). */
  connectionsAccepted: number;
  /** Sockets closed on accept because a connection cap was reached. */
  connectionsRefused: number;
  /** Refusals by the cap that caused them. */
  refusedBy: Record<RefusalReason, number>;
  /** `OVERHEAD A` lines with good credentials. */
  authSuccesses: number;
  /** `OVERHEAD A` lines with bad or malformed credentials. */
  authFailures: number;
  /** Logins that had to wait for the brute-force throttle before being checked. */
  loginsThrottled: number;
  /** Clients connected right now, logged in or not. */
  clientsConnected: number;
  /** Bytes received from all clients (after TLS decryption). */
  bytesReceived: number;
  /** Bytes written to all clients (before TLS encryption), counted as the socket takes them. */
  bytesSent: number;
  /** SET and NOTIFY events queued for listening clients: one per listener reached. */
  eventsDelivered: number;
  /** Non-empty lines received from all clients. */
  linesReceived: number;
  /** Clients dropped with output still queued (not reading, stalled, over a budget…). */
  clientsDropped: number;
  /** Clients dropped, by reason (whether or not output was queued). */
  droppedBy: Record<DropKind, number>;
  /** Connections closed for a line over `maxLineLength` (or `maxPreAuthLineLength` before login). */
  linesTooLong: number;
  /** LISTENs refused by `maxListenBytesPerClient` or `maxTotalListenBytes` (`OVERHEAD E listen_limit`). */
  listensRefused: number;
  /** `OVERHEAD E` reports left out of the log by `errorLogsPerMinute`. */
  errorReportsSuppressed: number;
  /** Saves of the cache to `persistFile` that succeeded. */
  cacheSaves: number;
  /** Saves of the cache that failed (each one is also logged as an error). */
  cacheSaveFailures: number;
}

/** One connection's share (`usage().clients`). */
export interface ClientUsage {
  cid: string;
  /** IPv4 address, IPv6 /64, or `unix` (see the README's "Limits"). */
  source: string;
  state: ServerConnectionState;
  /** The logged-in user's name. */
  user: string | undefined;
  /** Bytes held for its input: the buffer of an unfinished line, and lines waiting to run. */
  inputBytes: number;
  /** Bytes of output queued for it and not yet taken by the kernel. */
  outputBytes: number;
  /** Its lines are waiting (a streamed reply, a throttled login, its own output backlog). */
  waiting: boolean;
  /** A KEYLIST or CLIENTLIST reply is being streamed to it. */
  streaming: boolean;
}

/** A snapshot of what the server holds (`server.usage()`). */
export interface ServerUsage {
  /** Connections by state; `handshaking` are TLS handshakes in progress. */
  connections: { total: number } & Record<ServerConnectionState, number>;
  /** Input held across connections, its peak since start (or the last `resetPeaks`), and its budget (`maxTotalInput`). */
  input: { bytes: number; peakBytes: number; budget: number };
  /** Output queued across connections, its peak, and its budget (`maxTotalOutput`). */
  output: { bytes: number; peakBytes: number; budget: number };
  /** What the names clients LISTEN to cost (each name's bytes plus its bookkeeping), and its budget (`maxTotalListenBytes`). */
  listens: { bytes: number; budget: number };
  /** KEYLIST snapshots being sorted or sent, and the bytes of references they hold. */
  keylists: { snapshots: number; bytes: number };
  /** Sources the login throttle remembers, and logins waiting for their check. */
  loginThrottle: { sources: number; waiting: number };
  /** Every connection past its TLS handshake, not yet closed. */
  clients: ClientUsage[];
}
