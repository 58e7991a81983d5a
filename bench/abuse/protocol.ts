/**
 * What the abuse benchmark's processes tell each other, and the accounts the
 * abuse server has: the main user, a writer, and `nobody`, who may only log
 * in (the cheapest account an attacker can get).
 * @module
 */
export const ABUSE_USERS = [
  { username: 'bench', password: 'bench-password' },
  { username: 'writer', password: 'writer-password', permissions: ['read' as const, 'write' as const] },
  { username: 'nobody', password: 'nothing', permissions: [] },
];

export interface AbuseServerSpec {
  socketPath: string;
  cert: string;
  key: string;
  sdkLocation: string;
  sdkSource: string;
}

/** The server's answer to `report`. Sizes in bytes. */
export interface ServerReport {
  baselineRss: number;
  peakRss: number;
  rss: number;
  /** Peaks of the server's own accounting since the last reset; null for a server without `usage()`. */
  peakInput: number | null;
  peakOutput: number | null;
  stats: Record<string, unknown>;
  log: { lines: number; bytes: number };
  /** The server's event-loop delay since the last reset, in ms (sampled every 10 ms, so 10 ms is the floor). */
  loopDelay: { p99: number; max: number };
}

/** The probe's answer: RETRIEVE latencies in milliseconds. */
export interface ProbeReport {
  count: number;
  p50: number;
  p99: number;
  max: number;
  /** Requests that got no answer within 5 s, and whether the probe lost its connection. */
  timeouts: number;
  disconnected: boolean;
}

/** A token line for `OVERHEAD A`. */
export function authLine(username: string, password: string): string {
  return `OVERHEAD A ${Buffer.from(username).toString('base64')}:${Buffer.from(password).toString('base64')}\r\n`;
}
