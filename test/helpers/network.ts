/**
 * Networks of embedded servers for interclacks tests: a master listening on
 * a Unix socket and a TLS port, and slaves linked to it over TLS (the
 * master's certificate verified) or over the Unix socket, optionally
 * through a fault proxy. Every server logs into `logs`, so a test can check
 * what an operator would read. Stopped by `stopTestServers()`.
 */
import type { InterclacksOptions } from '../../src/server/index.js';
import { startProxy, type TestProxy } from './proxy.js';
import { RawConnection, startTestServer, TLS_CERT, waitUntil, type TestServer, type TestServerOptions } from './server.js';

/** Short link timers for tests: quick reconnects, keepalive off unless a test wants it. */
export const FAST_LINKS: InterclacksOptions = { pingTimeout: 0, reconnectTimeout: 50, reconnectJitter: 0 };

export interface NetServer extends TestServer {
  readonly name: string;
  /** Every log line of this server, `level: message`. */
  readonly logs: string[];
  /** A logged-in connection of the main user (or of `token`'s user). */
  client(token?: string): Promise<RawConnection>;
  /** Waits until every link of this server (the master included) is up. */
  linksUp(count?: number): Promise<void>;
}

export type NetServerOptions = TestServerOptions;

const proxies = new Set<TestProxy>();

export async function startNetServer(name: string, options: NetServerOptions = {}): Promise<NetServer> {
  const logs: string[] = [];
  const { interclacks, ...rest } = options;
  const server = await startTestServer({
    ...rest,
    interclacks: { ...FAST_LINKS, ...interclacks },
    logger: (level, message) => logs.push(`${level}: ${message}`),
  });
  return {
    ...server,
    name,
    logs,
    async client(token?: string) {
      const connection = await server.connectUnix();
      await connection.login(token);
      return connection;
    },
    async linksUp(count = 1) {
      await waitUntil(() => {
        const links = server.server.links();
        return links.length >= count && links.every((link) => link.state === 'up');
      }, `${name}'s ${count} link(s) to be up (${JSON.stringify(server.server.links().map((link) => [link.role, link.state, link.lastError]))})`);
    },
  };
}

export interface Network {
  master: NetServer;
  /** Linked over TLS, the master's certificate trusted through `ca`. */
  slaveA: NetServer;
  /** Linked over the master's Unix socket, through `proxyB` when asked for. */
  slaveB: NetServer;
  proxyB: TestProxy | undefined;
}

/** A master and two slaves (A over TLS, B over the Unix socket), every link up. */
export async function startNetwork(options: { proxyB?: boolean; master?: NetServerOptions; slaves?: NetServerOptions } = {}): Promise<Network> {
  const master = await startNetServer('master', { unix: true, tls: true, ...options.master });
  const slaveA = await startNetServer('slaveA', {
    ...options.slaves,
    master: { url: `clacks://127.0.0.1:${master.port}`, tls: { ca: TLS_CERT } },
  });
  let proxyB: TestProxy | undefined;
  if (options.proxyB) {
    proxyB = await startProxy({ path: master.socketPath as string }, 'unix');
    proxies.add(proxyB);
  }
  const slaveB = await startNetServer('slaveB', { ...options.slaves, master: `clacks+unix://${proxyB?.path ?? master.socketPath}` });
  await slaveA.linksUp();
  await slaveB.linksUp();
  await master.linksUp(2);
  return { master, slaveA, slaveB, proxyB };
}

/** Stops the proxies started by startNetwork (the servers go with stopTestServers). */
export async function stopProxies(): Promise<void> {
  await Promise.all([...proxies].map((proxy) => proxy.close()));
  proxies.clear();
}

/** FLUSH round trip: every earlier command of this connection has run. */
export async function flushed(connection: RawConnection, id = `f${Math.random().toString(36).slice(2)}`): Promise<void> {
  connection.write(`FLUSH ${id}\r\n`);
  await connection.waitFor(`FLUSHED ${id}\r\n`);
}

/** RETRIEVE through a connection: the value, or undefined for NOTRETRIEVED. */
export async function retrieve(connection: RawConnection, name: string): Promise<string | undefined> {
  const start = connection.received.length;
  connection.write(`RETRIEVE ${name}\r\n`);
  const pattern = new RegExp(`(?:RETRIEVED ${escape(name)}=([^\\r\\n]*)|NOTRETRIEVED ${escape(name)})\\r\\n`);
  let found: RegExpExecArray | null = null;
  await connection.waitFor((received) => (found = pattern.exec(received.slice(start))) !== null);
  return (found as RegExpExecArray | null)?.[1];
}

/** Waits until RETRIEVE of `name` answers `value` (undefined: NOTRETRIEVED) on that server. */
export async function eventually(server: NetServer, name: string, value: string | undefined): Promise<void> {
  const connection = await server.client();
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const got = await retrieve(connection, name);
      if (got === value) return;
      if (Date.now() > deadline) throw new Error(`${server.name}: RETRIEVE ${name} is ${JSON.stringify(got)}, expected ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    connection.destroy();
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

