/**
 * `clacks serve`: runs the embedded server until SIGINT or SIGTERM (or a
 * manager's `OVERHEAD S`), then shuts it down cleanly (every client gets
 * QUIT, the cache is saved) and exits 0, or 1 when the final save failed.
 * `--config` reads the reference server's XML config; flags override it.
 * Durations on the command line are in seconds, like the reference server's
 * configuration. Users come from serve-users.ts, limits from serve-limits.ts,
 * the metrics endpoint (`--metrics HOST:PORT`) from serve-metrics.ts,
 * the rest of the settings from serve-config.ts.
 *
 * `--ws HOST:PORT` adds a WebSocket listener for web pages. It is the
 * gateway (src/gateway/) run in this process with the server's own Unix
 * socket as its upstream: the first Unix listener, or a private one in a
 * temporary directory when there is none. Pages log in as Clacks users, as
 * through `clacks gateway`; the server's internals know nothing of it. The
 * gateway takes the server's `--max-connections` and `--max-line-length`.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { startGateway, type ClacksGateway } from '../gateway/index.js';
import { applySocketMode, ConfigError, describeSettings, toServerOptions, type ServeSettings } from '../server/config/index.js';
import { startMetricsServer, startServer, type ClacksServer, type MetricsServerOptions, type ServerOptions, type UserOptions } from '../server/index.js';
import { addWebSocketOptions, gatewayOptionsFrom, parseListen, type WebSocketFlags } from './gateway.js';
import { serveSettings, UsageError, type SettingsFlags } from './serve-config.js';
import { addLimitOptions, describeLimits, limitsFrom } from './serve-limits.js';
import { addMetricsOptions, metricsOptionsFrom, type MetricsFlags } from './serve-metrics.js';
import { collectUsers, describeUsers, USERS_VARIABLE, UsersError } from './serve-users.js';

interface ServeFlags extends Omit<SettingsFlags, 'user'>, WebSocketFlags, MetricsFlags {
  cert?: string;
  key?: string;
  /** `--user` as typed; parsed by serve-users.ts (so that a bad one is reported without its password). */
  user?: string[];
  users?: string[];
  printConfig?: boolean;
  ws?: { host: string; port: number };
  quiet?: boolean;
}

export function serveCommand(): Command {
  const command = new Command('serve')
    .description('run a CLACKS server on a Unix socket and/or a TLS TCP port')
    .option('--socket <path>', 'listen on this Unix domain socket (repeatable)', collect<string>((path) => path))
    .option('--host <host>', 'address of the TLS listener', '127.0.0.1')
    .option('--port <port>', 'TLS TCP port (0 picks a free one); needs --cert and --key', parseNumber('port'))
    .option('--cert <file>', 'PEM certificate for the TLS listener (and for wss:// with --ws)')
    .option('--key <file>', 'PEM private key for the TLS listener (and for wss:// with --ws)')
    .option('--ws <host:port>', 'also accept WebSocket connections from web pages here (wss:// with --cert/--key)', parseListen)
    .option(
      '--user <name:password[:perms]>',
      'a user (repeatable); perms is any of r, w, m; the first user is the main user with every permission. Visible to local users in ps: prefer --users',
      collect<string>((text) => text),
    )
    .option('--users <file>', `users, one name:password[:perms] a line (# comments); must not be readable by group or others. Without --user/--users and without users in --config: $${USERS_VARIABLE}, same format`, collect<string>((file) => file))
    .option('--ping-timeout <seconds>', 'drop clients that have not sent PING for this long (default 180)', parseNumber('seconds'))
    .option('--auth-timeout <seconds>', 'drop clients that have not logged in after this long (default 15)', parseNumber('seconds'))
    .option('--stalled-write-timeout <seconds>', 'drop clients whose socket has taken no output for this long (default 60)', parseNumber('seconds'))
    .option('--tls-handshake-timeout <seconds>', 'drop TCP peers that have not finished the TLS handshake after this long (default 10)', parseNumber('seconds'))
    .option('--persist <file>', "save the cache to this file (the reference server's format) and load it on start")
    .addOption(new Option('--persist-interval <seconds>', 'how often to save the cache (default 10)').argParser(parseNumber('seconds')))
    .option('--deleted-cache-time <seconds>', "how long a removed key's tombstone is kept (default 3600)", parseNumber('seconds'))
    .option('--stale-cache-time <seconds>', 'drop entries not read or written for this long (default 86400)', parseNumber('seconds'))
    .option('--cache-clean-interval <seconds>', 'how often old tombstones and stale entries are dropped (default 60)', parseNumber('seconds'))
    .option('--config <file>', "read the reference server's XML config (a relative name is searched along PC_CONFIG_PATHS); flags override it")
    .option(
      '--master <url>',
      "make this server a slave of that master (interclacks): clacks://host:49888 (TLS) or clacks+unix:///path.sock; the link logs in as this server's main user unless the URL names a user (replaces <master> of --config)",
    )
    .option('--master-ca <file>', "PEM certificates to trust for the master's TLS (e.g. its self-signed certificate)")
    .option('--master-insecure', "accept any TLS certificate from the master (as the Perl reference does): only on a network you trust")
    .option('--interclacks-ping-timeout <seconds>', 'drop a link silent for this long; links PING every third of it (default 60)', parseNumber('seconds'))
    .option('--interclacks-reconnect-timeout <seconds>', "a slave's next attempt to reach its master is due this long after the last one (default 30)", parseNumber('seconds'))
    .option('--interclacks-reconnect-jitter <seconds>', 'up to this much at random is added to the reconnect timeout (default 10)', parseNumber('seconds'))
    .option('--interclacks-stalled-write-timeout <seconds>', 'drop a link whose socket has taken nothing for this long (default 120)', parseNumber('seconds'))
    .option('--interclacks-lock-timeout <seconds>', "drop the link to a master whose sync lock holds this server longer than this (default 60)", parseNumber('seconds'))
    .option('--print-config', 'print the effective settings as JSON (passwords redacted) and exit')
    .option('-q, --quiet', 'print only errors');
  // The gateway's flags (--allow-origin, …): --cert/--key are the ones above,
  // --max-connections and --max-line-length the server's limits below.
  return addMetricsOptions(addLimitOptions(addWebSocketOptions(command, false, false))).action((flags: ServeFlags, self: Command) => serve(flags, self));
}

async function serve(flags: ServeFlags, command: Command): Promise<void> {
  let settings: ServeSettings;
  let options: ServerOptions;
  let metricsOptions: MetricsServerOptions | undefined;
  try {
    metricsOptions = metricsOptionsFrom(flags);
    // Users on the command line replace the config's; $CLACKS_USERS is the last resort.
    const fromFlags = collectUsers(flags, {}).users;
    settings = serveSettings(
      { ...flags, user: fromFlags.length > 0 ? fromFlags : undefined, fallbackUsers: () => collectUsers({}, process.env).users },
      (option) => command.getOptionValueSource(option) === 'cli',
      flags.ws !== undefined,
    );
    for (const warning of settings.warnings) console.error(`clacks serve: warning: ${warning}`);
    if (flags.printConfig) {
      const { notes, warnings, ...described } = describeSettings(settings);
      const limits = describeLimits(limitsFrom(flags as unknown as Record<string, unknown>));
      return void console.log(JSON.stringify({ ...described, limits, notes, warnings }, null, 2));
    }
    if (!flags.quiet) for (const note of settings.notes) console.error(`clacks serve: note: ${note}`);
    options = toServerOptions(settings);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError || error instanceof UsersError) fail(error.message);
    throw error;
  }
  warnAboutUsers(flags, options.users);
  if (!flags.quiet && flags.master !== undefined && (/^[^:]+:\/\/[^/@]*:[^/@]*@/.test(flags.master) || /[?&]password=/.test(flags.master))) {
    console.error(`clacks: warning: --master with a password puts it on the command line, where every local user can read it (ps, /proc); a link logs in as this server's main user when the URL names none`);
  }
  options.limits = { ...options.limits, ...limitsFrom(flags as unknown as Record<string, unknown>) };

  // The gateway's upstream: the server's first Unix socket, else a private one of its own.
  let privateDir: string | undefined;
  let upstreamPath = options.listeners?.find((listener) => 'socketPath' in listener)?.socketPath;
  if (flags.ws && upstreamPath === undefined) {
    privateDir = mkdtempSync(join(tmpdir(), 'clacks-serve-ws-'));
    upstreamPath = join(privateDir, 'gateway.sock');
    options.listeners = [...(options.listeners ?? []), { socketPath: upstreamPath }];
  }
  const removePrivateDir = (): void => {
    if (privateDir) rmSync(privateDir, { recursive: true, force: true });
  };
  const gatewayOptions = flags.ws ? gatewayOptionsFrom(flags, flags.ws) : undefined;
  let server: ClacksServer;
  let gateway: ClacksGateway | undefined;
  try {
    server = await startServer({ ...options, logger: logger(flags) });
    if (gatewayOptions && upstreamPath !== undefined) {
      gateway = await startGateway({ ...gatewayOptions, upstream: { path: upstreamPath } }).catch(async (error: unknown) => {
        await server.close().catch(() => {});
        throw error;
      });
    }
  } catch (error) {
    removePrivateDir();
    return fail(error instanceof Error ? error.message.replace(/^startGateway: /, '') : String(error));
  }
  const sockets = server.addresses.flatMap((address) => (address.kind === 'unix' && !(privateDir && address.path === upstreamPath) ? [address.path] : []));
  try {
    if (settings.socketMode !== undefined) applySocketMode(settings.socketMode, sockets);
  } catch (error) {
    await gateway?.close();
    await server.close().catch(() => {});
    removePrivateDir();
    return fail(`cannot apply socketchmod ${settings.socketMode}: ${error instanceof Error ? error.message : String(error)}`);
  }
  for (const address of server.addresses) {
    if (address.kind === 'unix' && address.path === upstreamPath && privateDir) continue;
    const where = address.kind === 'unix' ? `unix:${address.path}` : `tls://${address.host}:${address.port}`;
    if (!flags.quiet) console.log(`clacks: listening on ${where}`);
  }
  if (gateway && !flags.quiet) console.log(`clacks: listening on ${gateway.address?.url ?? '?'} (WebSocket, for web pages)`);
  if (metricsOptions) {
    const metrics = await startMetricsServer(server, metricsOptions).catch(async (error: unknown) => {
      await gateway?.close();
      await server.close().catch(() => {});
      removePrivateDir();
      return fail(`cannot serve the metrics on ${metricsOptions.host}:${metricsOptions.port}: ${error instanceof Error ? error.message : String(error)}`);
    });
    if (!flags.quiet) console.log(`clacks: metrics on ${metrics.url}`);
  }
  if (!flags.quiet) for (const line of describeUsers(options.users)) console.log(`clacks: ${line}`);
  if (!flags.quiet && options.master !== undefined) {
    const master = server.links().find((link) => link.role === 'master');
    console.log(`clacks: slave of ${master?.peer ?? 'its master'} (interclacks; server id ${server.serverId})`);
  }
  // Signals and OVERHEAD S end the same way; a failed final save of the cache exits 1.
  const ended = (code: number) => () => {
    removePrivateDir();
    process.exit(code);
  };
  server.closed.then(ended(0), (error: unknown) => {
    console.error(`clacks: shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
    ended(1)();
  });
  const stop = (signal: string) => {
    if (!flags.quiet) console.log(`clacks: ${signal}, shutting down`);
    Promise.resolve(gateway?.close()).finally(() => void server.close().catch(() => {}));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/** Warns about what looks wrong in the users (never showing a password). */
function warnAboutUsers(flags: ServeFlags, users: readonly UserOptions[]): void {
  if (flags.quiet) return;
  if ((flags.user ?? []).length > 0) {
    console.error(`clacks: warning: --user puts passwords on the command line, where every local user can read them (ps, /proc); prefer --users FILE or $${USERS_VARIABLE}`);
  }
  users.forEach((user, index) => {
    if (index > 0 && (user.permissions ?? []).length === 0) {
      console.error(`clacks: warning: user ${user.username} has no permissions (r, w or m): it can only log in, PING and FLUSH`);
    }
  });
}

function logger(flags: ServeFlags): ServerOptions['logger'] {
  return (level, message) => {
    if (level === 'error' || level === 'warn' || (level === 'info' && !flags.quiet)) console.error(`clacks: ${message}`);
  };
}

function collect<T>(parse: (text: string) => T): (text: string, previous: T[] | undefined) => T[] {
  return (text, previous) => [...(previous ?? []), parse(text)];
}

function parseNumber(what: string): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new InvalidArgumentError(`expected a non-negative number of ${what}`);
    return value;
  };
}

/**
 * Whatever keeps the server from starting exits 1: a usage or config
 * problem, and a listener that cannot bind (as redis-server does).
 */
function fail(message: string): never {
  console.error(`clacks serve: ${message}`);
  process.exit(1);
}
