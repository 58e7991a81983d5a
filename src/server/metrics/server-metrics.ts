/**
 * The server's metrics: a {@link MetricsSnapshot} (plain figures the server
 * gathers at scrape time) turned into metric families by a pure function.
 * Every figure comes from counters the server keeps anyway (`server.stats`,
 * `server.usage()`, the cache's figures, the per-command counts); nothing
 * here walks the cache.
 *
 * Links (interclacks) come from an optional provider: `links` in the
 * snapshot, which gives `clacks_links` and `clacks_link_up` when present.
 * @module
 */
import type { CacheFigures } from '../cache.js';
import type { ServerStats, ServerUsage } from '../stats.js';
import { countsByWord, type CommandCounts } from './command-counts.js';
import type { MetricFamily, MetricSample } from './exposition.js';

/**
 * One interclacks link, as the metrics see it. The extension point for link
 * state: the server gives these (from its read-only view of its links) as
 * the snapshot's `links`, and the link metrics follow.
 */
export interface LinkMetrics {
  /** `master`: our link up to our master; `slave`: a server linked to us. */
  readonly role: 'master' | 'slave';
  /** The other end: the master's URL (password redacted) or the slave's cid. */
  readonly peer: string;
  /** The link's state in its own words (`connecting`, `syncing`, `up`, …). */
  readonly state: string;
  /** Whether it carries traffic now (connected and synced). */
  readonly up: boolean;
  /** Bytes queued for the peer, not yet taken by its socket. */
  readonly outputBytes: number;
}

/** What the server's metrics are made of, gathered at scrape time. */
export interface MetricsSnapshot {
  /** The package version and the greeting's server identification. */
  readonly version: string;
  readonly serverInfo: string;
  /** When the server started, in seconds since the epoch. */
  readonly startTimeSeconds: number;
  readonly stats: Readonly<ServerStats>;
  readonly usage: ServerUsage;
  /** The configured users' names, so that each has a series even with no client. */
  readonly users: readonly string[];
  readonly commands: CommandCounts;
  readonly cache: Readonly<CacheFigures>;
  /** Names at least one client LISTENs to, and the LISTEN subscriptions (client, name) in all. */
  readonly subscriptions: { readonly names: number; readonly total: number };
  /** Clients in MONITOR mode. */
  readonly monitors: number;
  /** Interclacks links, when the server has a view of them. */
  readonly links?: readonly LinkMetrics[];
}

type Labels = Record<string, string>;

const gauge = (name: string, help: string, samples: readonly MetricSample[]): MetricFamily => ({ name, help, type: 'gauge', samples });
const counter = (name: string, help: string, samples: readonly MetricSample[]): MetricFamily => ({ name, help, type: 'counter', samples });
const one = (value: number): MetricSample[] => [{ value }];
/** One sample per entry of a record, labelled `label`=key. */
const byKey = (label: string, record: Readonly<Record<string, number>>): MetricSample[] =>
  Object.entries(record).map(([key, value]) => ({ labels: { [label]: key }, value }));

/** The server's metric families, in a fixed order (pure). */
export function serverFamilies(snapshot: MetricsSnapshot): MetricFamily[] {
  const { stats, usage, cache } = snapshot;
  const { handshaking, unauthenticated, authenticated } = usage.connections;
  const perUser = new Map<string, number>(snapshot.users.map((user) => [user, 0]));
  for (const client of usage.clients) {
    if (client.state === 'authenticated' && client.user !== undefined) perUser.set(client.user, (perUser.get(client.user) ?? 0) + 1);
  }
  return [
    gauge('clacks_server_info', 'The server: its net-clacks version and the identification of its greeting (the value is always 1).', [
      { labels: { version: snapshot.version, server_info: snapshot.serverInfo }, value: 1 },
    ]),
    gauge('clacks_server_start_time_seconds', 'When the server started, in seconds since the epoch.', one(snapshot.startTimeSeconds)),
    // Connections and clients
    gauge('clacks_connections', 'Connections open now, by state: handshaking (TLS handshake in progress), unauthenticated (not logged in yet), authenticated.', [
      ...byKey('state', { handshaking, unauthenticated, authenticated }),
    ]),
    gauge('clacks_authenticated_clients', 'Clients logged in now, by user (every configured user, 0 when none is).', [...perUser].map(([user, value]) => ({ labels: { user }, value }))),
    counter('clacks_connections_accepted_total', 'Connections accepted (after the TLS handshake, for TLS listeners).', one(stats.connectionsAccepted)),
    counter('clacks_connections_refused_total', 'Connections closed on accept because a connection cap was reached, by cap.', byKey('reason', stats.refusedBy)),
    counter('clacks_logins_total', 'Logins (OVERHEAD A), by result.', [
      { labels: { result: 'success' }, value: stats.authSuccesses },
      { labels: { result: 'failure' }, value: stats.authFailures },
    ]),
    counter('clacks_logins_throttled_total', 'Logins that waited for the brute-force throttle before being checked.', one(stats.loginsThrottled)),
    gauge('clacks_logins_waiting', 'Logins waiting for the throttle now.', one(usage.loginThrottle.waiting)),
    gauge('clacks_login_throttle_sources', 'Sources (addresses) the login throttle remembers failures of.', one(usage.loginThrottle.sources)),
    counter('clacks_clients_dropped_total', 'Clients dropped, by reason (outputCap, stalled, outputBudget and inputBudget are slow consumers).', byKey('reason', stats.droppedBy)),
    counter('clacks_lines_too_long_total', 'Connections closed for a line over the line length limit.', one(stats.linesTooLong)),
    counter('clacks_error_reports_suppressed_total', 'OVERHEAD E reports left out of the log by the per-client rate limit.', one(stats.errorReportsSuppressed)),
    gauge('clacks_monitors', 'Clients in MONITOR mode.', one(snapshot.monitors)),
    gauge('clacks_subscribed_names', 'Names at least one client LISTENs to.', one(snapshot.subscriptions.names)),
    gauge('clacks_subscriptions', 'LISTEN subscriptions, one per client and name.', one(snapshot.subscriptions.total)),
    gauge('clacks_listen_bytes', 'What the names clients LISTEN to cost, in bytes (each name plus its bookkeeping).', one(usage.listens.bytes)),
    gauge('clacks_listen_budget_bytes', 'The budget for it (maxTotalListenBytes).', one(usage.listens.budget)),
    counter('clacks_listens_refused_total', 'LISTENs refused by the LISTEN limits (OVERHEAD E listen_limit).', one(stats.listensRefused)),
    // Traffic
    counter(
      'clacks_commands_total',
      'Lines received, by command (unknown: lines the server does not understand), logged in or not, permitted or not.',
      countsByWord(snapshot.commands).map(([command, value]) => ({ labels: { command }, value })),
    ),
    counter('clacks_events_delivered_total', 'SET and NOTIFY events queued for listening clients (one per listener).', one(stats.eventsDelivered)),
    counter('clacks_received_bytes_total', 'Bytes received from clients (after TLS decryption).', one(stats.bytesReceived)),
    counter('clacks_sent_bytes_total', 'Bytes written to clients (before TLS encryption).', one(stats.bytesSent)),
    // Buffers
    gauge('clacks_input_buffered_bytes', 'Bytes of input held for clients now: unfinished lines and lines waiting to run.', one(usage.input.bytes)),
    gauge('clacks_input_budget_bytes', 'The input budget across clients (maxTotalInput).', one(usage.input.budget)),
    gauge('clacks_output_queued_bytes', 'Bytes of output queued for clients now, not yet taken by the kernel.', one(usage.output.bytes)),
    gauge('clacks_output_budget_bytes', 'The output budget across clients (maxTotalOutput).', one(usage.output.budget)),
    gauge('clacks_keylist_snapshots', 'KEYLIST snapshots being sorted or sent now.', one(usage.keylists.snapshots)),
    // Cache and persistence
    gauge('clacks_cache_keys', 'Live keys in the cache (what RETRIEVE finds and KEYLIST lists).', one(cache.keys)),
    gauge('clacks_cache_tombstones', 'Tombstones of removed keys, kept for deletedCacheTime.', one(cache.tombstones)),
    gauge('clacks_cache_bytes', 'Bytes of the names and values in the cache (tombstones: their names), without per-entry overhead.', one(cache.bytes)),
    counter('clacks_cache_saves_total', 'Saves of the cache to the persistence file that succeeded.', one(stats.cacheSaves)),
    counter('clacks_cache_save_failures_total', 'Saves of the cache to the persistence file that failed.', one(stats.cacheSaveFailures)),
    ...linkFamilies(snapshot.links),
  ];
}

/** `clacks_links` (links by role and state) and `clacks_link_up` (per link); nothing without a links provider. */
function linkFamilies(links: readonly LinkMetrics[] | undefined): MetricFamily[] {
  if (links === undefined) return [];
  const byState = new Map<string, { labels: Labels; value: number }>();
  for (const link of links) {
    const key = `${link.role}\n${link.state}`;
    const entry = byState.get(key) ?? { labels: { role: link.role, state: link.state }, value: 0 };
    entry.value++;
    byState.set(key, entry);
  }
  return [
    gauge('clacks_links', 'Interclacks links, by role (master: ours to our master; slave: servers linked to us) and state.', [...byState.values()]),
    gauge(
      'clacks_link_up',
      'Whether an interclacks link carries traffic now (1) or not (0).',
      links.map((link) => ({ labels: { role: link.role, peer: link.peer }, value: link.up ? 1 : 0 })),
    ),
    gauge(
      'clacks_link_output_bytes',
      'Bytes queued for the peer of an interclacks link, not yet taken by its socket.',
      links.map((link) => ({ labels: { role: link.role, peer: link.peer }, value: link.outputBytes })),
    ),
  ];
}
