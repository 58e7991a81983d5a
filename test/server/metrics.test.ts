/**
 * Issue 16, "the server's metrics": a real server with its metrics endpoint
 * on port 0, real clients over Unix and TLS sockets, and scrapes over HTTP
 * parsed by a strict parser: every counter moves by exactly what the
 * traffic did, and the exposition is valid Prometheus text.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startMetricsServer, type MetricsServer } from '../../src/server/index.js';
import { parseExposition, type Exposition } from '../helpers/prometheus.js';
import { AUTH, stopTestServers, startTestServer, waitUntil, type RawConnection } from '../helpers/server.js';

const endpoints = new Set<MetricsServer>();

afterEach(async () => {
  await Promise.all([...endpoints].map((endpoint) => endpoint.close()));
  endpoints.clear();
  await stopTestServers();
});

async function scrape(url: string): Promise<Exposition> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await response.text());
}

/** Every series of every family, by name and labels, for differences between two scrapes. */
function flatten(exposition: Exposition): Map<string, number> {
  const series = new Map<string, number>();
  for (const family of exposition.families.values()) {
    for (const sample of family.samples) series.set(`${family.name}${JSON.stringify(sample.labels)}`, sample.value);
  }
  return series;
}

describe("the server's metrics over HTTP", () => {
  it('counters move by exactly what real clients did; gauges show what is open now', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'clacks-test-'));
    const test = await startTestServer({ tls: true, directory, persistFile: join(directory, 'cache.dat'), persistInterval: 0 });
    const metrics = await startMetricsServer(test.server, { port: 0 });
    endpoints.add(metrics);
    expect(metrics.host).toBe('127.0.0.1');
    expect(metrics.port).toBeGreaterThan(0);
    expect(metrics.url).toBe(`http://127.0.0.1:${metrics.port}/metrics`);
    await test.server.saveCache();
    const before = await scrape(metrics.url);
    const linesBefore = test.server.stats.linesReceived;

    let written = 0;
    const opened: RawConnection[] = [];
    const send = (connection: RawConnection, text: string): void => {
      written += Buffer.byteLength(text, 'latin1');
      connection.write(text);
    };
    const open = async (connect: () => Promise<RawConnection>): Promise<RawConnection> => {
      const connection = await connect();
      opened.push(connection);
      return connection;
    };

    const listener = await open(() => test.connectUnix());
    send(listener, `CLACKS test\r\n${AUTH.main}LISTEN ev\r\nFLUSH 1\r\n`);
    await listener.waitFor('FLUSHED 1\r\n');

    const writer = await open(() => test.connectTls());
    send(writer, `CLACKS test\r\n${AUTH.readWrite}STORE k=hello\r\nSTORE gone=x\r\nREMOVE gone\r\nRETRIEVE k\r\nRETRIEVE nothere\r\n`);
    send(writer, 'SET ev=one\r\nSET ev=two\r\nNOTIFY ev\r\nBOGUS line\r\nCLIENTLIST\r\nFLUSH 2\r\n');
    await writer.waitFor((text) => text.includes('FLUSHED 2\r\n') && text.includes('permission_denied'));
    await listener.waitFor('NOTIFY ev\r\n');

    const intruder = await open(() => test.connectUnix());
    send(intruder, 'CLACKS test\r\nOVERHEAD A d3Jvbmc=:Z3Vlc3M=\r\n');
    await intruder.waitFor('Login failed!');
    await intruder.waitForClose();

    const idle = await open(() => test.connectUnix());
    await idle.waitFor('Authentication required\r\n');
    await test.connectPlainTcp(); // a TLS handshake that never starts
    await waitUntil(() => {
      const { connections } = test.server.usage();
      return connections.handshaking === 1 && connections.unauthenticated === 1 && connections.authenticated === 2;
    }, 'the connections to settle');
    await test.server.saveCache();
    // Every byte the clients received has been counted once the socket took it.
    const received = (): number => opened.reduce((sum, connection) => sum + connection.received.length, 0);
    await waitUntil(() => test.server.stats.bytesSent - before.value('clacks_sent_bytes_total') === received(), 'the bytes sent to be counted');

    const after = await scrape(metrics.url);
    const delta = (name: string, labels: Record<string, string> = {}): number => after.value(name, labels) - before.value(name, labels);

    const commands = { CLACKS: 3, OVERHEAD: 3, LISTEN: 1, FLUSH: 2, STORE: 2, REMOVE: 1, RETRIEVE: 2, SET: 2, NOTIFY: 1, CLIENTLIST: 1, unknown: 1 };
    const commandDeltas = new Map([...after.series('clacks_commands_total')].map(([command, value]) => [command, value - before.value('clacks_commands_total', { command })]));
    expect(Object.fromEntries([...commandDeltas].filter(([, value]) => value !== 0))).toEqual(commands);
    expect([...commandDeltas.values()].reduce((sum, value) => sum + value, 0)).toBe(test.server.stats.linesReceived - linesBefore);

    expect(delta('clacks_logins_total', { result: 'success' })).toBe(2);
    expect(delta('clacks_logins_total', { result: 'failure' })).toBe(1);
    expect(delta('clacks_logins_throttled_total')).toBe(0);
    expect(delta('clacks_events_delivered_total')).toBe(3);
    expect(delta('clacks_connections_accepted_total')).toBe(4);
    expect(delta('clacks_received_bytes_total')).toBe(written);
    expect(delta('clacks_sent_bytes_total')).toBe(received());
    expect(delta('clacks_cache_saves_total')).toBe(1);
    expect(delta('clacks_cache_save_failures_total')).toBe(0);
    for (const reason of ['outputCap', 'stalled', 'outputBudget', 'inputBudget', 'renegotiation', 'error']) expect(delta('clacks_clients_dropped_total', { reason })).toBe(0);
    for (const reason of ['maxConnections', 'maxUnauthenticated', 'maxUnauthenticatedPerSource']) expect(delta('clacks_connections_refused_total', { reason })).toBe(0);

    expect(after.series('clacks_connections')).toEqual(new Map([['handshaking', 1], ['unauthenticated', 1], ['authenticated', 2]]));
    expect(after.series('clacks_authenticated_clients')).toEqual(new Map([['exampleuser', 1], ['rwuser', 1], ['rouser', 0]]));
    expect(after.value('clacks_cache_keys')).toBe(1);
    expect(after.value('clacks_cache_tombstones')).toBe(1);
    expect(after.value('clacks_cache_bytes')).toBe('k'.length + 'hello'.length + 'gone'.length);
    expect(after.value('clacks_subscribed_names')).toBe(1);
    expect(after.value('clacks_subscriptions')).toBe(1);
    expect(after.value('clacks_listen_bytes')).toBe('ev'.length + 384);
    expect(after.value('clacks_listen_budget_bytes')).toBe(128 * 1024 * 1024);
    expect(delta('clacks_listens_refused_total')).toBe(0);
    expect(after.value('clacks_monitors')).toBe(0);
    expect(after.value('clacks_login_throttle_sources')).toBe(1);
    expect(after.value('clacks_output_budget_bytes')).toBe(test.server.usage().output.budget);
    expect(after.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(after.value('process_start_time_seconds')).toBeLessThanOrEqual(after.value('clacks_server_start_time_seconds'));
    // The second scrape reports the event loop delay sampled since the first.
    expect(after.value('nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);

    // Nothing moved that the traffic did not move (the process's own figures aside).
    const moved = [...flatten(after)].filter(([key, value]) => !/^(process_|nodejs_)/.test(key) && flatten(before).get(key) !== value).map(([key]) => key.replace(/\{.*$/, ''));
    expect(new Set(moved)).toEqual(
      new Set([
        'clacks_commands_total',
        'clacks_logins_total',
        'clacks_events_delivered_total',
        'clacks_connections_accepted_total',
        'clacks_received_bytes_total',
        'clacks_sent_bytes_total',
        'clacks_cache_saves_total',
        'clacks_connections',
        'clacks_authenticated_clients',
        'clacks_cache_keys',
        'clacks_cache_tombstones',
        'clacks_cache_bytes',
        'clacks_subscribed_names',
        'clacks_subscriptions',
        'clacks_listen_bytes',
        'clacks_login_throttle_sources',
      ]),
    );
  });

  it('answers GET and HEAD at /metrics only: 404 elsewhere, 405 for other methods', async () => {
    const test = await startTestServer();
    const metrics = await startMetricsServer(test.server, { host: 'localhost', port: 0 });
    endpoints.add(metrics);
    const base = `http://localhost:${metrics.port}`;
    expect((await fetch(`${base}/metrics?name[]=x`)).status).toBe(200);
    const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await head.text()).toBe('');
    for (const path of ['/', '/metricsx', '/metrics/', '/debug', '/favicon.ico']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain('clacks_');
    }
    const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x'.repeat(100_000) });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('refuses a non-loopback address unless allowRemote, and closes with the server', async () => {
    const test = await startTestServer();
    await expect(startMetricsServer(test.server, { host: '0.0.0.0', port: 0 })).rejects.toThrow(/not a loopback address/);
    await expect(startMetricsServer(test.server, { host: '::', port: 0 })).rejects.toThrow(TypeError);
    const remote = await startMetricsServer(test.server, { host: '0.0.0.0', port: 0, allowRemote: true });
    endpoints.add(remote);
    expect((await fetch(`http://127.0.0.1:${remote.port}/metrics`)).status).toBe(200);
    // A port in use is the listen error itself.
    await expect(startMetricsServer(test.server, { port: remote.port })).rejects.toThrow(/EADDRINUSE/);
    await test.server.close();
    await expect(fetch(`http://127.0.0.1:${remote.port}/metrics`)).rejects.toThrow();
  });

  it('server.metrics() is the same text without HTTP, valid from the first call', async () => {
    const test = await startTestServer();
    const first = parseExposition(test.server.metrics());
    expect(first.value('clacks_connections', { state: 'authenticated' })).toBe(0);
    expect(first.families.has('nodejs_eventloop_lag_p50_seconds')).toBe(false); // sampling starts with the first call
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = parseExposition(test.server.metrics());
    expect(second.value('nodejs_eventloop_lag_p50_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('server.metrics() first called after close() reads the process but starts no loop-delay sampler (nothing would stop it)', async () => {
    const test = await startTestServer();
    await test.server.close();
    const first = parseExposition(test.server.metrics());
    expect(first.value('clacks_connections', { state: 'authenticated' })).toBe(0);
    expect(first.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // A sampler would have samples by now (it takes one every 20 ms).
    expect(parseExposition(test.server.metrics()).families.has('nodejs_eventloop_lag_p50_seconds')).toBe(false);
  });
});
