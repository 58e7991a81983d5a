/**
 * The pure parts of the server's metrics: the exposition format, the
 * server's and the process's families from given figures, the link
 * extension point, and the loopback rule of the metrics endpoint.
 */
import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, formatExposition, formatValue, PROMETHEUS_CONTENT_TYPE, type MetricFamily } from '../../src/server/metrics/exposition.js';
import { COMMAND_SLOT, COMMAND_WORDS, countCommand, countsByWord, countUnknown, newCommandCounts } from '../../src/server/metrics/command-counts.js';
import type { ClientCommandType } from '../../src/wire/index.js';
import { checkMetricsOptions, isLoopbackHost } from '../../src/server/metrics/metrics-server.js';
import { processFamilies, type ProcessFigures } from '../../src/server/metrics/process-metrics.js';
import { serverFamilies, type MetricsSnapshot } from '../../src/server/metrics/server-metrics.js';
import { formatMetrics } from '../../src/server/metrics/snapshot.js';
import type { ServerStats } from '../../src/server/stats.js';
import { parseExposition } from '../helpers/prometheus.js';

describe('the exposition format (0.0.4)', () => {
  it('writes HELP and TYPE before each family, samples as one group, a line feed at the end', () => {
    const text = formatExposition([
      { name: 'a_total', help: 'Things.', type: 'counter', samples: [{ labels: { kind: 'x' }, value: 3 }, { labels: { kind: 'y' }, value: 0 }] },
      { name: 'b_bytes', help: 'Size.', type: 'gauge', samples: [{ value: 1.5 }] },
      { name: 'empty', help: 'Nothing yet.', type: 'gauge', samples: [] },
    ]);
    expect(text).toBe(
      '# HELP a_total Things.\n# TYPE a_total counter\na_total{kind="x"} 3\na_total{kind="y"} 0\n' + '# HELP b_bytes Size.\n# TYPE b_bytes gauge\nb_bytes 1.5\n',
    );
    expect(parseExposition(text).value('a_total', { kind: 'x' })).toBe(3);
    expect(formatExposition([])).toBe('');
    expect(PROMETHEUS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('escapes HELP text (\\ and line feed) and label values (\\, " and line feed)', () => {
    expect(escapeHelp('a\\b\nc "d"')).toBe('a\\\\b\\nc "d"');
    expect(escapeLabelValue('a\\b\nc "d"')).toBe('a\\\\b\\nc \\"d\\"');
    const text = formatExposition([{ name: 'x', help: 'line\none \\ two', type: 'gauge', samples: [{ labels: { user: 'we"ird\\name\nhere', other: '' }, value: 1 }] }]);
    expect(text).toContain('# HELP x line\\none \\\\ two\n');
    expect(text).toContain('x{user="we\\"ird\\\\name\\nhere",other=""} 1\n');
    const parsed = parseExposition(text);
    expect(parsed.families.get('x')?.help).toBe('line\none \\ two');
    expect(parsed.value('x', { user: 'we"ird\\name\nhere', other: '' })).toBe(1);
  });

  it('writes values as Go parses floats: NaN, +Inf, -Inf, exponents', () => {
    expect([Number.NaN, Infinity, -Infinity, 0, -0, 42, 0.25, 1e21, 5e-7, -3].map(formatValue)).toEqual(['NaN', '+Inf', '-Inf', '0', '0', '42', '0.25', '1e+21', '5e-7', '-3']);
    const text = formatExposition([{ name: 'v', help: 'Values.', type: 'gauge', samples: [{ labels: { n: 'nan' }, value: Number.NaN }, { labels: { n: 'inf' }, value: Infinity }, { labels: { n: 'big' }, value: 1e21 }] }]);
    const parsed = parseExposition(text);
    expect(parsed.value('v', { n: 'nan' })).toBeNaN();
    expect(parsed.value('v', { n: 'inf' })).toBe(Infinity);
    expect(parsed.value('v', { n: 'big' })).toBe(1e21);
  });

  it('refuses what the format forbids: bad names, reserved labels, duplicates, counters without _total', () => {
    const family = (overrides: Partial<MetricFamily>): MetricFamily => ({ name: 'ok', help: 'h', type: 'gauge', samples: [{ value: 1 }], ...overrides });
    expect(() => formatExposition([family({ name: '1abc' })])).toThrow(TypeError);
    expect(() => formatExposition([family({ name: 'a-b' })])).toThrow(/not valid/);
    expect(() => formatExposition([family({ samples: [{ labels: { 'bad-label': 'x' }, value: 1 }] })])).toThrow(/label name/);
    expect(() => formatExposition([family({ samples: [{ labels: { __name__: 'x' }, value: 1 }] })])).toThrow(/label name/);
    expect(() => formatExposition([family({}), family({})])).toThrow(/twice/);
    expect(() =>
      formatExposition([
        family({
          samples: [
            { labels: { a: '1', b: '2' }, value: 1 },
            { labels: { b: '2', a: '1' }, value: 2 },
          ],
        }),
      ]),
    ).toThrow(/two samples/);
    expect(() => formatExposition([family({ name: 'requests', type: 'counter' })])).toThrow(/_total/);
    expect(formatExposition([family({ name: 'ns:sub_name' })])).toContain('ns:sub_name 1\n');
  });

  it("the test's parser is strict: it catches what a broken exposition would do", () => {
    expect(() => parseExposition('x 1')).toThrow(/line feed/);
    expect(() => parseExposition('x 1\n')).toThrow(/without a TYPE/);
    expect(() => parseExposition('# TYPE x gauge\nx 1\nx 2\n')).toThrow(/duplicate/);
    expect(() => parseExposition('# TYPE x gauge\n# TYPE y gauge\nx 1\n')).toThrow(/one group/);
    expect(() => parseExposition('# TYPE x gauge\nx 1\n# HELP x late\n')).toThrow(/after the samples/);
    expect(() => parseExposition('# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\n# HELP x again\n')).toThrow(/already written/);
    expect(() => parseExposition('# TYPE x gauge\nx{a="\\t"} 1\n')).toThrow(/bad escape/);
    expect(() => parseExposition('# TYPE x gauge\nx one\n')).toThrow(/bad value/);
    expect(() => parseExposition('# a comment\n')).toThrow(/comment/);
  });
});

describe('per-command counts', () => {
  it('have one slot per command type, labelled with the command word', () => {
    const types = Object.keys(COMMAND_WORDS) as ClientCommandType[];
    const counts = newCommandCounts();
    // Then one slot each for KEYSYNC and TIMEOUT (interclacks lines the client parser calls unknown).
    expect(counts.length).toBe(types.length + 2);
    // Every type has its own slot, and the slots are 0 … n-1.
    expect(Object.keys(COMMAND_SLOT).sort()).toEqual([...types].sort());
    expect(types.map((type) => COMMAND_SLOT[type]).sort((a, b) => a - b)).toEqual(types.map((_, index) => index));
    // countCommand reaches the right slot for every type, the ones it knows by heart included.
    types.forEach((type, index) => {
      for (let i = 0; i <= index; i++) countCommand(counts, type);
    });
    const words = new Map(countsByWord(counts));
    expect(words.size).toBe(types.length + 2);
    types.forEach((type, index) => expect(words.get(COMMAND_WORDS[type]), type).toBe(index + 1));
    expect(words.get('RETRIEVE')).toBe(types.indexOf('retrieve') + 1);
    expect(words.has('unknown')).toBe(true);
    countUnknown(counts, 'KEYSYNC 1 2 k=v');
    countUnknown(counts, 'TIMEOUT');
    countUnknown(counts, 'BOGUS');
    const after = new Map(countsByWord(counts));
    expect([after.get('KEYSYNC'), after.get('TIMEOUT'), after.get('unknown')]).toEqual([1, 1, (words.get('unknown') ?? 0) + 1]);
  });
});

function stats(overrides: Partial<ServerStats> = {}): ServerStats {
  return {
    connectionsAccepted: 10,
    connectionsRefused: 2,
    refusedBy: { maxConnections: 1, maxUnauthenticated: 0, maxUnauthenticatedPerSource: 1 },
    authSuccesses: 7,
    authFailures: 3,
    loginsThrottled: 1,
    clientsConnected: 4,
    bytesReceived: 1000,
    bytesSent: 2000,
    eventsDelivered: 55,
    linesReceived: 99,
    clientsDropped: 1,
    droppedBy: { outputCap: 1, stalled: 2, outputBudget: 0, inputBudget: 0, renegotiation: 0, error: 0 },
    linesTooLong: 0,
    listensRefused: 0,
    errorReportsSuppressed: 0,
    cacheSaves: 5,
    cacheSaveFailures: 1,
    ...overrides,
  };
}

function snapshot(overrides: Partial<MetricsSnapshot> = {}): MetricsSnapshot {
  const client = (user: string | undefined) => ({
    cid: 'c',
    source: 'unix',
    state: user === undefined ? ('unauthenticated' as const) : ('authenticated' as const),
    user,
    inputBytes: 0,
    outputBytes: 0,
    waiting: false,
    streaming: false,
  });
  const commands = newCommandCounts();
  commands[COMMAND_SLOT.store] = 4;
  return {
    version: '1.2.3',
    serverInfo: 'net-clacks 1.2.3',
    startTimeSeconds: 1700000000.5,
    stats: stats(),
    usage: {
      connections: { total: 4, handshaking: 1, unauthenticated: 1, authenticated: 2 },
      input: { bytes: 10, peakBytes: 20, budget: 100 },
      output: { bytes: 30, peakBytes: 40, budget: 200 },
      listens: { bytes: 300, budget: 1000 },
      keylists: { snapshots: 1, bytes: 8 },
      loginThrottle: { sources: 2, waiting: 1 },
      clients: [client('admin'), client('admin'), client(undefined)],
    },
    users: ['admin', 'reader'],
    commands,
    cache: { keys: 3, tombstones: 1, bytes: 42 },
    subscriptions: { names: 2, total: 5 },
    monitors: 1,
    ...overrides,
  };
}

describe("the server's families", () => {
  it('turn the figures into valid series, each figure where it belongs', () => {
    const parsed = parseExposition(formatExposition(serverFamilies(snapshot())));
    expect(parsed.series('clacks_connections')).toEqual(new Map([['handshaking', 1], ['unauthenticated', 1], ['authenticated', 2]]));
    expect(parsed.series('clacks_authenticated_clients')).toEqual(new Map([['admin', 2], ['reader', 0]]));
    expect(parsed.value('clacks_server_info', { version: '1.2.3', server_info: 'net-clacks 1.2.3' })).toBe(1);
    expect(parsed.value('clacks_server_start_time_seconds')).toBe(1700000000.5);
    expect(parsed.value('clacks_connections_refused_total', { reason: 'maxUnauthenticatedPerSource' })).toBe(1);
    expect(parsed.series('clacks_logins_total')).toEqual(new Map([['success', 7], ['failure', 3]]));
    expect(parsed.value('clacks_logins_throttled_total')).toBe(1);
    expect(parsed.value('clacks_logins_waiting')).toBe(1);
    expect(parsed.value('clacks_login_throttle_sources')).toBe(2);
    expect(parsed.value('clacks_clients_dropped_total', { reason: 'stalled' })).toBe(2);
    expect(parsed.value('clacks_commands_total', { command: 'STORE' })).toBe(4);
    expect(parsed.value('clacks_commands_total', { command: 'RETRIEVE' })).toBe(0);
    expect(parsed.value('clacks_events_delivered_total')).toBe(55);
    expect(parsed.value('clacks_received_bytes_total')).toBe(1000);
    expect(parsed.value('clacks_sent_bytes_total')).toBe(2000);
    expect(parsed.value('clacks_input_buffered_bytes')).toBe(10);
    expect(parsed.value('clacks_output_budget_bytes')).toBe(200);
    expect(parsed.value('clacks_keylist_snapshots')).toBe(1);
    expect(parsed.value('clacks_cache_keys')).toBe(3);
    expect(parsed.value('clacks_cache_tombstones')).toBe(1);
    expect(parsed.value('clacks_cache_bytes')).toBe(42);
    expect(parsed.value('clacks_cache_saves_total')).toBe(5);
    expect(parsed.value('clacks_cache_save_failures_total')).toBe(1);
    expect(parsed.value('clacks_monitors')).toBe(1);
    expect(parsed.value('clacks_subscribed_names')).toBe(2);
    expect(parsed.value('clacks_subscriptions')).toBe(5);
    for (const family of parsed.families.values()) {
      expect(family.help, family.name).toBeTruthy();
      if (family.type === 'counter') expect(family.name).toMatch(/_total$/);
    }
  });

  it('budgets without a limit are +Inf', () => {
    const base = snapshot();
    const parsed = parseExposition(formatExposition(serverFamilies({ ...base, usage: { ...base.usage, input: { bytes: 0, peakBytes: 0, budget: Infinity } } })));
    expect(parsed.value('clacks_input_budget_bytes')).toBe(Infinity);
  });

  it('links (the interclacks extension point): none without a provider, gauges by state and per link with one', () => {
    const without = parseExposition(formatExposition(serverFamilies(snapshot())));
    expect(without.families.has('clacks_links')).toBe(false);
    expect(without.families.has('clacks_link_up')).toBe(false);
    const parsed = parseExposition(
      formatExposition(
        serverFamilies(
          snapshot({
            links: [
              { role: 'master', peer: 'clacks://link:***@master:49888', state: 'up', up: true, outputBytes: 0 },
              { role: 'slave', peer: '10.0.0.2:50000:7', state: 'syncing', up: false, outputBytes: 4096 },
              { role: 'slave', peer: '10.0.0.3:50001:9', state: 'up', up: true, outputBytes: 12 },
            ],
          }),
        ),
      ),
    );
    expect(parsed.value('clacks_links', { role: 'master', state: 'up' })).toBe(1);
    expect(parsed.value('clacks_links', { role: 'slave', state: 'up' })).toBe(1);
    expect(parsed.value('clacks_links', { role: 'slave', state: 'syncing' })).toBe(1);
    expect(parsed.value('clacks_link_up', { role: 'master', peer: 'clacks://link:***@master:49888' })).toBe(1);
    expect(parsed.value('clacks_link_up', { role: 'slave', peer: '10.0.0.2:50000:7' })).toBe(0);
    expect(parsed.value('clacks_link_output_bytes', { role: 'slave', peer: '10.0.0.2:50000:7' })).toBe(4096);
    // An empty provider: no series, and still valid.
    const none = parseExposition(formatExposition(serverFamilies(snapshot({ links: [] }))));
    expect(none.families.has('clacks_link_up')).toBe(false);
  });
});

describe("the process's families", () => {
  const figures: ProcessFigures = {
    cpuUserSeconds: 1.5,
    cpuSystemSeconds: 0.25,
    startTimeSeconds: 1700000000,
    residentBytes: 50_000_000,
    heapTotalBytes: 20_000_000,
    heapUsedBytes: 10_000_000,
    externalBytes: 1_000_000,
    openFds: 12,
    maxFds: 1024,
    nodeVersion: '20.20.2',
    loopDelay: { min: 0, max: 0.05, mean: 0.001, stddev: 0.002, p50: 0.0005, p90: 0.002, p99: 0.04 },
  };

  it('have the names node exporters use', () => {
    const parsed = parseExposition(formatExposition(processFamilies(figures)));
    expect(parsed.value('process_cpu_seconds_total')).toBe(1.75);
    expect(parsed.value('process_cpu_user_seconds_total')).toBe(1.5);
    expect(parsed.value('process_resident_memory_bytes')).toBe(50_000_000);
    expect(parsed.value('process_start_time_seconds')).toBe(1700000000);
    expect(parsed.value('process_open_fds')).toBe(12);
    expect(parsed.value('process_max_fds')).toBe(1024);
    expect(parsed.value('nodejs_heap_size_used_bytes')).toBe(10_000_000);
    expect(parsed.value('nodejs_eventloop_lag_p99_seconds')).toBe(0.04);
    expect(parsed.value('nodejs_version_info', { version: 'v20.20.2', major: '20', minor: '20', patch: '2' })).toBe(1);
  });

  it('leave out what is not known (no /proc, no delay sampled yet)', () => {
    const { openFds: _o, maxFds: _m, loopDelay: _l, ...rest } = figures;
    const parsed = parseExposition(formatExposition(processFamilies(rest)));
    expect(parsed.families.has('process_open_fds')).toBe(false);
    expect(parsed.families.has('nodejs_eventloop_lag_p99_seconds')).toBe(false);
    expect(parsed.value('process_resident_memory_bytes')).toBe(50_000_000);
  });

  it('and with the server families make one valid exposition', () => {
    const parsed = parseExposition(formatMetrics(snapshot(), figures));
    expect(parsed.families.size).toBeGreaterThan(40);
  });
});

describe('the metrics endpoint listens on loopback unless told otherwise', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', '::ffff:10.0.0.1', 'example.com', 'localhost.example.com']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('refuses another address without allowRemote, and a bad port', () => {
    expect(() => checkMetricsOptions({ port: 9464 })).not.toThrow();
    expect(() => checkMetricsOptions({ host: '0.0.0.0', port: 9464 })).toThrow(/not a loopback address.*allowRemote/);
    expect(() => checkMetricsOptions({ host: '0.0.0.0', port: 9464, allowRemote: true })).not.toThrow();
    expect(() => checkMetricsOptions({ port: 65536 })).toThrow(/port/);
    expect(() => checkMetricsOptions({ port: 1.5 })).toThrow(/port/);
  });
});
