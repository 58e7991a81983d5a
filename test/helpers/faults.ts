/**
 * Shared bits of the fault tests: fast reconnect settings for a slow shared
 * machine, targets through a proxy, open-handle counts, and a tracker that
 * proves no promise is left pending.
 */
import { afterEach } from 'vitest';
import type { ClacksClient, ClientOptions } from '../../src/index.js';
import { TLS_CERT, USERS, type TestEnv, type Transport } from './client-env.js';
import type { TestProxy } from './proxy.js';
import { waitFor } from './wait.js';

/** What a fault test sets up: a server, maybe a proxy in front of it, and clients. */
export interface FaultScene {
  env?: TestEnv;
  proxy?: TestProxy;
  clients: ClacksClient[];
}

/** A scene released after each test: clients destroyed, proxy and server closed. */
export function useFaultScene(): FaultScene {
  const scene: FaultScene = { clients: [] };
  afterEach(async () => {
    for (const client of scene.clients.splice(0)) client.destroy();
    await scene.proxy?.close();
    scene.proxy = undefined;
    await scene.env?.dispose();
    scene.env = undefined;
  });
  return scene;
}

/** Reconnect quickly and detect dead links quickly, so faults resolve within a test's budget. */
export const FAST: ClientOptions = {
  reconnectPolicy: () => 20,
  liveness: { interval: 200, timeout: 500 },
  timeouts: { connect: 2000, tlsHandshake: 2000, header: 2000, auth: 2000 },
  remembrance: false,
};

/** Options to reach the server through `proxy` (plain Unix, or TLS passed through TCP). */
export function viaProxy(proxy: TestProxy, transport: Transport, user = USERS[0]!): ClientOptions {
  return transport === 'unix'
    ? { path: proxy.path!, username: user.username, password: user.password }
    : { host: '127.0.0.1', port: proxy.port!, username: user.username, password: user.password, tls: { ca: TLS_CERT } };
}

/** Open handles a client could leave behind, by kind. */
export function countResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) {
    if (/TCPSocketWrap|PipeWrap|TLSWrap|Timeout/.test(name)) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** Waits (bounded) until the open-handle counts equal `expected`, then asserts it. */
export async function expectResourcesBackTo(expected: Record<string, number>, ms = 15_000): Promise<Record<string, number>> {
  await waitFor(() => JSON.stringify(countResources()) === JSON.stringify(expected), ms, 'open handles to return to their count').catch(() => {});
  return countResources();
}

/** Follows promises so a test can assert that every one of them settled. */
export class SettleTracker {
  private pendingCount = 0;
  readonly results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];

  /** Promises not settled yet. */
  get pending(): number {
    return this.pendingCount;
  }

  track<T>(promise: Promise<T>): Promise<T> {
    this.pendingCount++;
    promise.then(
      (value) => {
        this.pendingCount--;
        this.results.push({ ok: true, value });
      },
      (error: unknown) => {
        this.pendingCount--;
        this.results.push({ ok: false, error });
      },
    );
    return promise;
  }

  /** Errors seen so far. */
  get errors(): unknown[] {
    return this.results.flatMap((result) => (result.ok ? [] : [result.error]));
  }

  /** Waits (bounded) until nothing is pending. */
  async allSettled(ms = 10_000): Promise<void> {
    await waitFor(() => this.pendingCount === 0, ms, `${this.pendingCount} promises to settle`);
  }
}
