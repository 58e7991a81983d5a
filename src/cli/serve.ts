/**
 * `clacks serve`: runs the embedded server until SIGINT or SIGTERM, then shuts
 * it down cleanly (every client gets QUIT, the cache is saved) and exits 0.
 * Durations on the command line are in seconds, like the reference server's
 * configuration. Users come from serve-users.ts, limits from serve-limits.ts.
 * @module
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { startServer, type ClacksServer, type ListenerOptions, type ServerOptions, type UserOptions } from '../server/index.js';
import { addLimitOptions, limitsFrom } from './serve-limits.js';
import { collectUsers, describeUsers, USERS_VARIABLE, UsersError } from './serve-users.js';

interface ServeFlags {
  socket?: string[];
  host: string;
  port?: number;
  cert?: string;
  key?: string;
  user?: string[];
  users?: string[];
  pingTimeout?: number;
  authTimeout?: number;
  stalledWriteTimeout?: number;
  tlsHandshakeTimeout?: number;
  persist?: string;
  persistInterval?: number;
  quiet?: boolean;
}

export function serveCommand(): Command {
  const command = new Command('serve')
    .description('run a CLACKS server on a Unix socket and/or a TLS TCP port')
    .option('--socket <path>', 'listen on this Unix domain socket (repeatable)', collect<string>((path) => path))
    .option('--host <host>', 'address of the TLS listener', '127.0.0.1')
    .option('--port <port>', 'TLS TCP port (0 picks a free one); needs --cert and --key', parseNumber('port'))
    .option('--cert <file>', 'PEM certificate for the TLS listener')
    .option('--key <file>', 'PEM private key for the TLS listener')
    .option(
      '--user <name:password[:perms]>',
      'a user (repeatable); perms is any of r, w, m; the first user is the main user with every permission. Visible to local users in ps: prefer --users',
      collect<string>((text) => text),
    )
    .option('--users <file>', `users, one name:password[:perms] a line (# comments); must not be readable by group or others. Without --user/--users: $${USERS_VARIABLE}, same format`, collect<string>((file) => file))
    .option('--ping-timeout <seconds>', 'drop clients that have not sent PING for this long (default 180)', parseNumber('seconds'))
    .option('--auth-timeout <seconds>', 'drop clients that have not logged in after this long (default 15)', parseNumber('seconds'))
    .option('--stalled-write-timeout <seconds>', 'drop clients whose socket has taken no output for this long (default 60)', parseNumber('seconds'))
    .option('--tls-handshake-timeout <seconds>', 'drop TCP peers that have not finished the TLS handshake after this long (default 10)', parseNumber('seconds'))
    .option('--persist <file>', 'save the cache to this file and load it on start')
    .addOption(new Option('--persist-interval <seconds>', 'how often to save the cache (default 10)').argParser(parseNumber('seconds')))
    .option('-q, --quiet', 'print only errors');
  return addLimitOptions(command).action((flags: ServeFlags) => serve(flags));
}

async function serve(flags: ServeFlags): Promise<void> {
  const options = toServerOptions(flags);
  let server: ClacksServer;
  try {
    server = await startServer(options);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), 2);
  }
  for (const address of server.addresses) {
    const where = address.kind === 'unix' ? `unix:${address.path}` : `tls://${address.host}:${address.port}`;
    if (!flags.quiet) console.log(`clacks: listening on ${where}`);
  }
  if (!flags.quiet) for (const line of describeUsers(options.users)) console.log(`clacks: ${line}`);
  const stop = (signal: string) => {
    if (!flags.quiet) console.log(`clacks: ${signal}, shutting down`);
    server.close().then(
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
  if (flags.port !== undefined || flags.cert !== undefined || flags.key !== undefined) {
    if (flags.port === undefined || flags.cert === undefined || flags.key === undefined) {
      fail('a TLS listener needs --port, --cert and --key together');
    }
    listeners.push({ host: flags.host, port: flags.port, tls: { cert: readPem(flags.cert, '--cert'), key: readPem(flags.key, '--key') } });
  }
  if (listeners.length === 0) fail('give --socket PATH and/or --port P --cert FILE --key FILE');
  const users = usersOf(flags);
  const seconds = (value: number | undefined) => (value === undefined ? undefined : value * 1000);
  return {
    listeners,
    users,
    limits: limitsFrom(flags as unknown as Record<string, unknown>),
    pingTimeout: seconds(flags.pingTimeout),
    authTimeout: seconds(flags.authTimeout),
    stalledWriteTimeout: seconds(flags.stalledWriteTimeout),
    tlsHandshakeTimeout: seconds(flags.tlsHandshakeTimeout),
    persistFile: flags.persist,
    persistInterval: seconds(flags.persistInterval),
    logger: (level, message) => {
      if (level === 'error' || level === 'warn' || (level === 'info' && !flags.quiet)) console.error(`clacks: ${message}`);
    },
  };
}

/** The users, checked; warns about what looks wrong (never showing a password). */
function usersOf(flags: ServeFlags): UserOptions[] {
  let users: UserOptions[];
  try {
    users = collectUsers(flags, process.env).users;
  } catch (error) {
    return fail(error instanceof UsersError ? error.message : String(error));
  }
  if (users.length === 0) fail(`give at least one user: --users FILE, $${USERS_VARIABLE}, or --user NAME:PASSWORD[:PERMS]`);
  const notice = (text: string) => {
    if (!flags.quiet) console.error(`clacks: ${text}`);
  };
  if ((flags.user ?? []).length > 0) notice('warning: --user puts passwords on the command line, where every local user can read them (ps, /proc); prefer --users FILE or $' + USERS_VARIABLE);
  users.forEach((user, index) => {
    if (index > 0 && (user.permissions ?? []).length === 0) {
      notice(`warning: user ${user.username} has no permissions (r, w or m): it can only log in, PING and FLUSH`);
    }
  });
  return users;
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
