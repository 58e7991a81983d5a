/**
 * Where the `clacks` client subcommands connect, and as whom. One place for
 * the connection flags, so every subcommand takes the same ones:
 *
 * 1. `--url clacks://user:pw@host:port` or `clacks+unix://user:pw@localhost/path.sock`;
 * 2. else `--socket PATH`, or `--host`/`--port` (TLS);
 * 3. else the `CLACKS_URL` environment variable.
 *
 * `--user` and `--password` override the URL's credentials; the password may
 * also come from `CLACKS_PASSWORD` (used when neither flag nor URL gives one),
 * so it need not appear in `ps` output. It is never printed.
 * @module
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ClacksClient } from '../client/client.js';
import { createClient } from '../client/create-client.js';
import { parseClacksUrl, DEFAULT_PORT, type ClientOptions } from '../client/options.js';
import { ValidationError } from '../errors.js';
import { VERSION } from '../version.js';

/** The connection flags, as commander hands them over. */
export interface ConnectionFlags {
  url?: string;
  socket?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  insecure?: boolean;
  ca?: string;
  timeout?: number;
}

/** Adds the connection flags to a subcommand. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('--url <url>', 'server URL: clacks://USER:PW@HOST:PORT (TLS) or clacks+unix://USER:PW@localhost/PATH (default: $CLACKS_URL)')
    .option('--socket <path>', 'connect to this Unix domain socket')
    .option('--host <host>', `connect over TLS to this host (port ${DEFAULT_PORT} unless --port)`)
    .option('--port <port>', 'TLS port', parsePort)
    .option('--user <name>', 'user name (overrides the URL\'s)')
    .option('--password <password>', 'password (overrides the URL\'s; default: $CLACKS_PASSWORD)')
    .option('--insecure', 'accept any TLS certificate (self-signed servers)')
    .option('--ca <file>', 'trust this PEM certificate (or CA) for TLS')
    .addOption(new Option('--timeout <seconds>', 'connect and request timeout').argParser(parseSeconds));
}

/**
 * Turns the flags (and the environment) into `createClient` options.
 * `requireUser: false` (`clacks console`, whose page can ask) accepts no user name.
 * @throws {ValidationError} when no server is given or a flag is unusable (a usage error).
 */
export function clientOptionsFrom(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env, { requireUser = true }: { requireUser?: boolean } = {}): ClientOptions {
  const options: ClientOptions = {};
  let urlUser: string | undefined;
  let urlPassword: string | undefined;
  // One way of naming the server: a flag the chosen one would ignore is a mistake to report, not to drop.
  const given = (['socket', 'host', 'port'] as const).filter((name) => flags[name] !== undefined).map((name) => `--${name}`);
  if (flags.url !== undefined && given.length > 0) throw new ValidationError('url', `--url names the server: leave out ${given.join(' and ')}`);
  const tcp = given.filter((flag) => flag !== '--socket');
  if (flags.socket !== undefined && tcp.length > 0) throw new ValidationError('socket', `--socket names the server: leave out ${tcp.join(' and ')} (they are for TLS)`);
  const url = flags.url ?? (flags.socket === undefined && flags.host === undefined && flags.port === undefined ? env.CLACKS_URL : undefined);
  if (url !== undefined && url !== '') {
    const target = parseClacksUrl(url);
    if (target.kind === 'unix') options.path = target.path;
    else if (target.kind === 'ws') options.servers = [target.url];
    else {
      options.host = target.host;
      options.port = target.port;
    }
    urlUser = target.username || undefined;
    urlPassword = target.password || undefined;
  } else if (flags.socket !== undefined) {
    options.path = flags.socket;
  } else if (flags.host !== undefined || flags.port !== undefined) {
    options.host = flags.host ?? 'localhost';
    options.port = flags.port ?? DEFAULT_PORT;
  } else {
    throw new ValidationError('url', 'no server given: use --url, --socket or --host/--port, or set CLACKS_URL');
  }
  const username = flags.user ?? urlUser;
  if ((username === undefined || username === '') && requireUser) throw new ValidationError('user', 'no user name: give --user or put it in the URL');
  options.username = username ?? '';
  options.password = flags.password ?? urlPassword ?? env.CLACKS_PASSWORD ?? '';

  const tls: TlsConnectionOptions = {};
  if (flags.insecure) tls.rejectUnauthorized = false;
  if (flags.ca !== undefined) {
    try {
      tls.ca = readFileSync(flags.ca);
    } catch (error) {
      throw new ValidationError('ca', `cannot read ${flags.ca}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (Object.keys(tls).length > 0) options.tls = tls;

  if (flags.timeout !== undefined) {
    const ms = flags.timeout * 1000;
    options.timeouts = { connect: ms, tlsHandshake: ms, header: ms, auth: ms, request: ms };
  }
  return options;
}

/**
 * Connects for one subcommand. One-shot commands do not reconnect: a lost
 * connection is a failure to report (exit 2). Streams (listen, monitor,
 * shell) reconnect, as a long-running tool should.
 */
export function connect(flags: ConnectionFlags, subcommand: string, mode: 'once' | 'stream'): Promise<ClacksClient> {
  const options = clientOptionsFrom(flags);
  return createClient({
    ...options,
    name: `clacks-cli/${VERSION} ${subcommand}`,
    ...(mode === 'once' ? { reconnect: false, offlineQueue: false } : {}),
  });
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) throw new InvalidArgumentError('expected a TCP port (1-65535)');
  return port;
}

function parseSeconds(text: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return seconds;
}
