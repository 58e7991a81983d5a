/**
 * `clacks serve`: runs the embedded server until SIGINT or SIGTERM, then shuts
 * it down cleanly (every client gets QUIT, the cache is saved) and exits 0.
 * Durations on the command line are in seconds, like the reference server's
 * configuration.
 * @module
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { startServer, type ClacksServer, type ListenerOptions, type Permission, type ServerOptions, type UserOptions } from '../server/index.js';

interface ServeFlags {
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
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('run a CLACKS server on a Unix socket and/or a TLS TCP port')
    .option('--socket <path>', 'listen on this Unix domain socket (repeatable)', collect<string>((path) => path))
    .option('--host <host>', 'address of the TLS listener', '127.0.0.1')
    .option('--port <port>', 'TLS TCP port (0 picks a free one); needs --cert and --key', parseNumber('port'))
    .option('--cert <file>', 'PEM certificate for the TLS listener')
    .option('--key <file>', 'PEM private key for the TLS listener')
    .option(
      '--user <name:password[:perms]>',
      'a user (repeatable, at least one); perms is a combination of r, w, m; the first user is the main user with every permission',
      collect(parseUser),
    )
    .option('--ping-timeout <seconds>', 'drop clients that have not sent PING for this long (default 180)', parseNumber('seconds'))
    .option('--auth-timeout <seconds>', 'drop clients that have not logged in after this long (default 15)', parseNumber('seconds'))
    .option('--persist <file>', 'save the cache to this file and load it on start')
    .addOption(new Option('--persist-interval <seconds>', 'how often to save the cache (default 10)').argParser(parseNumber('seconds')))
    .option('-q, --quiet', 'print only errors')
    .action((flags: ServeFlags) => serve(flags));
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
