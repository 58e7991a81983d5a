/**
 * `clacks serve`: runs the embedded server until SIGINT or SIGTERM, then shuts
 * it down cleanly (every client gets QUIT, the cache is saved) and exits 0.
 * Durations on the command line are in seconds, like the reference server's
 * configuration.
 *
 * `--ws HOST:PORT` adds a WebSocket listener for web pages. It is the
 * gateway (src/gateway/) run in this process with the server's own Unix
 * socket as its upstream: the first `--socket`, or a private one in a
 * temporary directory when none is given. Pages log in as Clacks users, as
 * through `clacks gateway`; the server's internals know nothing of it.
 * @module
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { startGateway, type ClacksGateway } from '../gateway/index.js';
import { startServer, type ClacksServer, type ListenerOptions, type Permission, type ServerOptions, type UserOptions } from '../server/index.js';
import { addWebSocketOptions, gatewayOptionsFrom, parseListen, type WebSocketFlags } from './gateway.js';

interface ServeFlags extends WebSocketFlags {
  socket?: string[];
  host: string;
  port?: number;
  cert?: string;
  key?: string;
  user?: UserOptions[];
  pingTimeout?: number;
  authTimeout?: number;
  persist?: string;
  persistInterval?: number;
  quiet?: boolean;
  ws?: { host: string; port: number };
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
      'a user (repeatable, at least one); perms is a combination of r, w, m; the first user is the main user with every permission',
      collect(parseUser),
    )
    .option('--ping-timeout <seconds>', 'drop clients that have not sent PING for this long (default 180)', parseNumber('seconds'))
    .option('--auth-timeout <seconds>', 'drop clients that have not logged in after this long (default 15)', parseNumber('seconds'))
    .option('--persist <file>', 'save the cache to this file and load it on start')
    .addOption(new Option('--persist-interval <seconds>', 'how often to save the cache (default 10)').argParser(parseNumber('seconds')))
    .option('-q, --quiet', 'print only errors');
  // The gateway's flags (--allow-origin, …); --cert/--key are the ones above.
  return addWebSocketOptions(command, false).action((flags: ServeFlags) => serve(flags));
}

async function serve(flags: ServeFlags): Promise<void> {
  const options = toServerOptions(flags);
  // The gateway's upstream: the first --socket, else a private socket of its own.
  let privateDir: string | undefined;
  let upstreamPath = flags.socket?.[0];
  if (flags.ws && upstreamPath === undefined) {
    privateDir = mkdtempSync(join(tmpdir(), 'clacks-serve-ws-'));
    upstreamPath = join(privateDir, 'gateway.sock');
    options.listeners = [...(options.listeners ?? []), { socketPath: upstreamPath }];
  }
  const gatewayOptions = flags.ws ? gatewayOptionsFrom(flags, flags.ws) : undefined;
  let server: ClacksServer;
  let gateway: ClacksGateway | undefined;
  try {
    server = await startServer(options);
    if (gatewayOptions && upstreamPath !== undefined) {
      gateway = await startGateway({ ...gatewayOptions, upstream: { path: upstreamPath } }).catch(async (error: unknown) => {
        await server.close();
        throw error;
      });
    }
  } catch (error) {
    if (privateDir) rmSync(privateDir, { recursive: true, force: true });
    return fail(error instanceof Error ? error.message.replace(/^startGateway: /, '') : String(error), error instanceof TypeError ? 1 : 2);
  }
  for (const address of server.addresses) {
    if (address.kind === 'unix' && address.path === upstreamPath && privateDir) continue;
    const where = address.kind === 'unix' ? `unix:${address.path}` : `tls://${address.host}:${address.port}`;
    if (!flags.quiet) console.log(`clacks: listening on ${where}`);
  }
  if (gateway && !flags.quiet) console.log(`clacks: listening on ${gateway.address?.url ?? '?'} (WebSocket, for web pages)`);
  const stop = (signal: string) => {
    if (!flags.quiet) console.log(`clacks: ${signal}, shutting down`);
    Promise.resolve(gateway?.close())
      .then(() => server.close())
      .finally(() => {
        if (privateDir) rmSync(privateDir, { recursive: true, force: true });
      })
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`clacks: shutdown failed: ${String(error)}`);
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

function toServerOptions(flags: ServeFlags): ServerOptions {
  const listeners: ListenerOptions[] = (flags.socket ?? []).map((socketPath) => ({ socketPath }));
  // --cert/--key alone serve wss:// for --ws; with --port they also make the TLS listener.
  if (flags.port !== undefined || ((flags.cert !== undefined || flags.key !== undefined) && flags.ws === undefined)) {
    if (flags.port === undefined || flags.cert === undefined || flags.key === undefined) {
      fail('a TLS listener needs --port, --cert and --key together');
    }
    listeners.push({ host: flags.host, port: flags.port, tls: { cert: readPem(flags.cert, '--cert'), key: readPem(flags.key, '--key') } });
  }
  if (listeners.length === 0 && flags.ws === undefined) fail('give --socket PATH and/or --port P --cert FILE --key FILE (and/or --ws HOST:PORT)');
  if (flags.user === undefined || flags.user.length === 0) fail('give at least one --user NAME:PASSWORD[:PERMS]');
  const seconds = (value: number | undefined) => (value === undefined ? undefined : value * 1000);
  return {
    listeners,
    users: flags.user,
    pingTimeout: seconds(flags.pingTimeout),
    authTimeout: seconds(flags.authTimeout),
    persistFile: flags.persist,
    persistInterval: seconds(flags.persistInterval),
    logger: (level, message) => {
      if (level === 'error' || level === 'warn' || (level === 'info' && !flags.quiet)) console.error(`clacks: ${message}`);
    },
  };
}

const PERMISSION_LETTERS: Record<string, Permission> = { r: 'read', w: 'write', m: 'manage' };

/** `name:password[:perms]`; the password may not contain `:` when perms follow. */
function parseUser(text: string): UserOptions {
  const first = text.indexOf(':');
  if (first <= 0) throw new InvalidArgumentError('expected NAME:PASSWORD or NAME:PASSWORD:PERMS');
  const username = text.slice(0, first);
  let password = text.slice(first + 1);
  let permissions: Permission[] = [];
  const last = password.lastIndexOf(':');
  if (last !== -1 && /^[rwm]*$/.test(password.slice(last + 1))) {
    permissions = [...new Set(password.slice(last + 1))].map((letter) => PERMISSION_LETTERS[letter] as Permission);
    password = password.slice(0, last);
  }
  if (password === '') throw new InvalidArgumentError('the password must not be empty');
  return { username, password, permissions };
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

/** Reads a PEM file named on the command line; a missing file is a usage error. */
function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    return fail(`cannot read ${flag} ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Usage problems exit 1, a server that cannot start exits 2, like the client subcommands. */
function fail(message: string, exitCode = 1): never {
  console.error(`clacks serve: ${message}`);
  process.exit(exitCode);
}
