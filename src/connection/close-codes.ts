/**
 * WebSocket close codes the gateway sends and the client reads
 * (RFC 6455 section 7.4; 4000-4999 are ours). Shared by both sides.
 * @module
 */

/** Close codes of the gateway. */
export const CloseCode = {
  /** The Clacks server ended the connection (after QUIT, TIMEOUT, …). */
  normal: 1000,
  /** The gateway is shutting down or restarting. */
  goingAway: 1001,
  /** A rule of the gateway was broken: no login in time, a line before login over the pre-login limit. */
  policy: 1008,
  /** A line over the gateway's line limit. */
  tooBig: 1009,
  /** The gateway has no room for another connection (total or from this address). */
  tryAgainLater: 1013,
  /** The Clacks server behind the gateway is unreachable or failed. */
  badGateway: 1014,
  /** The gateway's `authorize` hook refused the connection (no session, say): permanent, never retried. */
  unauthorized: 4001,
  /** The page's Origin is not on the gateway's allowlist: permanent, never retried. */
  originRefused: 4003,
} as const;
