/**
 * Counters a running server keeps, readable at any time through
 * `ClacksServer.stats` (tests count auth attempts with them).
 * @module
 */
/** Counters a running server keeps (`server.stats`). */
export interface ServerStats {
  /** Sockets accepted (after the TLS handshake, for TLS listeners). */
  connectionsAccepted: number;
  /** `OVERHEAD A` lines with good credentials. */
  authSuccesses: number;
  /** `OVERHEAD A` lines with bad or malformed credentials. */
  authFailures: number;
  /** Clients connected right now, logged in or not. */
  clientsConnected: number;
  /** Bytes received from all clients (after TLS decryption). */
  bytesReceived: number;
  /** Non-empty lines received from all clients. */
  linesReceived: number;
  /** Clients dropped with output still queued (not reading, stalled, line too long…). */
  clientsDropped: number;
  /** Saves of the cache to `persistFile` that succeeded. */
  cacheSaves: number;
  /** Saves of the cache that failed (each one is also logged as an error). */
  cacheSaveFailures: number;
}
