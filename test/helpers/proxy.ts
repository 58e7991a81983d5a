/**
 * A byte-forwarding proxy for fault tests: what a real server cannot be made
 * to do on cue. It listens on a temp Unix path or 127.0.0.1:0 and forwards
 * every accepted socket, untouched (TLS passes through end to end), to the
 * upstream server. `freeze()` stops forwarding both ways while keeping every
 * socket open (a frozen server process, a black-holed link); `thaw()` lets
 * the held bytes flow again; `dropAll()` cuts every connection at once;
 * `holdAfter(text)` passes the server's bytes up to and including `text` on
 * each new connection and holds the rest until `release()` (a master whose
 * sync stalls after `OVERHEAD L 1`).
 */
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Where the proxy forwards to: a Unix socket path, or a TCP host and port. */
export type ProxyUpstream = { path: string } | { host: string; port: number };

interface Pair {
  downstream: net.Socket;
  /** Absent for a connection accepted while swallowing. */
  upstream: net.Socket | undefined;
  /** Server bytes held back by holdAfter, once its text went by. */
  held?: Buffer[];
}

export interface TestProxy {
  /** The proxy's Unix socket path (when listening on Unix). */
  readonly path: string | undefined;
  /** The proxy's TCP port on 127.0.0.1 (when listening on TCP). */
  readonly port: number | undefined;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections open now. */
  readonly active: number;
  /** Whether forwarding is stopped. */
  readonly frozen: boolean;
  /** Stops forwarding in both directions; sockets stay open, new ones are accepted but held too. */
  freeze(): void;
  /** Resumes forwarding; bytes held by the kernel while frozen flow on. Also ends {@link swallow}. */
  thaw(): void;
  /**
   * New connections are accepted and read, but go nowhere and get no answer
   * (a black hole that still notices when the peer closes). Existing ones are kept.
   */
  swallow(): void;
  /** Destroys every open connection (both sides). */
  dropAll(): void;
  /** On connections made from now on: the server's bytes after `text` are held until {@link release}. */
  holdAfter(text: string): void;
  /** Lets the held bytes go, and ends holdAfter. */
  release(): void;
  /** Drops everything and stops listening. */
  close(): Promise<void>;
}

/** Starts a proxy in front of `upstream`, listening on a temp Unix path (`'unix'`) or 127.0.0.1:0 (`'tcp'`). */
export async function startProxy(upstream: ProxyUpstream, listenOn: 'unix' | 'tcp'): Promise<TestProxy> {
  const pairs = new Set<Pair>();
  let frozen = false;
  let swallowing = false;
  let holdText: string | undefined;
  let connections = 0;
  const dir = listenOn === 'unix' ? mkdtempSync(path.join(tmpdir(), 'net-clacks-proxy-')) : undefined;
  const socketPath = dir ? path.join(dir, 'proxy.sock') : undefined;

  const server = net.createServer((downstream) => {
    connections++;
    if (swallowing) {
      const pair: Pair = { downstream, upstream: undefined };
      pairs.add(pair);
      downstream.on('data', () => {});
      downstream.on('error', () => downstream.destroy());
      downstream.on('end', () => downstream.destroy());
      downstream.on('close', () => pairs.delete(pair));
      return;
    }
    const upstreamSocket = net.connect(upstream);
    const pair: Pair = { downstream, upstream: upstreamSocket };
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      downstream.destroy();
      upstreamSocket.destroy();
    };
    const hold = holdText;
    let seen = '';
    const fromServer = (chunk: Buffer): void => {
      if (pair.held !== undefined) return void pair.held.push(chunk);
      if (hold === undefined) return void downstream.write(chunk);
      const before = seen.length;
      seen += chunk.toString('latin1');
      const at = seen.indexOf(hold);
      if (at === -1) return void downstream.write(chunk);
      const cut = at + hold.length - before;
      downstream.write(chunk.subarray(0, cut));
      pair.held = [chunk.subarray(cut)];
    };
    for (const [from, to] of [
      [downstream, upstreamSocket],
      [upstreamSocket, downstream],
    ] as const) {
      // No pipe(): it would resume a paused source on 'drain' and defeat freeze().
      from.on('data', (chunk: Buffer) => (from === upstreamSocket ? fromServer(chunk) : to.write(chunk)));
      from.on('end', () => to.end());
      from.on('error', drop);
      from.on('close', drop);
    }
    if (frozen) {
      downstream.pause();
      upstreamSocket.pause();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (socketPath) server.listen(socketPath, resolve);
    else server.listen(0, '127.0.0.1', resolve);
  });
  function dropAll(): void {
    for (const pair of [...pairs]) {
      pairs.delete(pair);
      pair.downstream.destroy();
      pair.upstream?.destroy();
    }
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : undefined;

  return {
    path: socketPath,
    port,
    get connections() {
      return connections;
    },
    get active() {
      return pairs.size;
    },
    get frozen() {
      return frozen;
    },
    freeze() {
      frozen = true;
      for (const pair of pairs) {
        pair.downstream.pause();
        pair.upstream?.pause();
      }
    },
    thaw() {
      frozen = false;
      swallowing = false;
      for (const pair of pairs) {
        pair.downstream.resume();
        pair.upstream?.resume();
      }
    },
    swallow() {
      swallowing = true;
    },
    holdAfter(text: string) {
      holdText = text;
    },
    release() {
      holdText = undefined;
      for (const pair of pairs) {
        const held = pair.held;
        pair.held = undefined;
        for (const chunk of held ?? []) pair.downstream.write(chunk);
      }
    },
    dropAll,
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
