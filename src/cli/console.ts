/**
 * `clacks console`: a live web console for a Clacks server. Starts a local
 * web server (loopback, a free port unless `--listen`), serves the page from
 * the package (dist/console), bridges it to the server through the gateway,
 * and prints the URL to open, which carries a one-time key in its fragment.
 * With `--open` it also opens a browser. Until SIGINT or SIGTERM.
 *
 * The connection flags are those of every client subcommand (`--url`,
 * `--socket`, `--host`/`--port`, `--user`/`--password`, `CLACKS_URL`):
 * `--port` is the server's port here too, so the console's own address is
 * `--listen`. Given credentials, the console checks them at start and its
 * pages are logged in with them; without, each page asks.
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { createClient } from '../client/create-client.js';
import { openSocket } from '../connection/node-transport.js';
import { describeTarget, resolveTarget, type ClientOptions } from '../client/options.js';
import { isLoopback } from '../gateway/origin.js';
import { startConsole, type ClacksConsole } from '../console/server.js';
import { escapeControl } from '../util/escape.js';
import { VERSION } from '../version.js';
import { addConnectionOptions, clientOptionsFrom, type ConnectionFlags } from './connection.js';
import { parseListen } from './gateway.js';
import { certificateAdvice, EXIT_CONNECTION, EXIT_OK, EXIT_USAGE, exit, exitCodeFor } from './run.js';

interface ConsoleFlags extends ConnectionFlags {
  listen: { host: string; port: number };
  cert?: string;
  key?: string;
  open?: boolean;
  quiet?: boolean;
}

/** How long the start-up check of a server waits to reach it, when no --timeout says. */
const PROBE_TIMEOUT_MS = 10_000;

export function consoleCommand(): Command {
  return addConnectionOptions(new Command('console'))
    .description('a live web console for a Clacks server: clients, cache, traffic; prints the URL to open')
    .addOption(
      new Option('--listen <[host:]port>', "the console's own address (plain http on loopback only; https with --cert/--key)")
        .argParser(parseListen)
        .default({ host: '127.0.0.1', port: 0 }, '127.0.0.1, a free port'),
    )
    .option('--cert <file>', 'PEM certificate: the console speaks https:// (needed off loopback)')
    .option('--key <file>', 'PEM private key for --cert')
    .option('--open', 'open the URL in a browser ($BROWSER, else the system opener)')
    .option('-q, --quiet', 'print only the URL and errors')
    .showHelpAfterError()
    .addHelpText(
      'after',
      `
The printed URL holds a one-time key (after #, never sent in a request): it opens one browser
session, and a fresh URL is printed for the next browser. The password stays in this process:
the page never sees it. Without credentials on the command line, the page asks for them.
--port is the Clacks server's TLS port, as for every client subcommand; the console's is --listen.
e.g. clacks console --url clacks+unix://admin:secret@localhost/run/clacks.sock --open`,
    )
    .action((flags: ConsoleFlags) => runConsole(flags));
}

async function runConsole(flags: ConsoleFlags): Promise<never> {
  const notice = (message: string): void => {
    if (!flags.quiet) process.stderr.write(`clacks console: ${escapeControl(message)}\n`);
  };
  const fail = (message: string, code: number): Promise<never> => {
    process.stderr.write(`clacks console: ${escapeControl(message)}\n`);
    return exit(code);
  };

  let options: ClientOptions;
  try {
    options = clientOptionsFrom(flags, process.env, { requireUser: false });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return fail(flags.port === undefined ? message : `${message}; --port is the Clacks server's TLS port: the console's own address is --listen [HOST:]PORT`, EXIT_USAGE);
  }
  if (options.servers) return fail('the console talks to a Clacks server itself (clacks:// or clacks+unix://), not to a gateway (ws://)', EXIT_USAGE);
  const host = flags.listen.host;
  if (!isLoopback(host) && (flags.cert === undefined || flags.key === undefined)) {
    return fail(`${host} is not loopback: off loopback the console needs --cert and --key (https), so that its page, its key and its session token are not sent in the clear`, EXIT_USAGE);
  }
  if ((flags.cert === undefined) !== (flags.key === undefined)) return fail('https needs --cert and --key together', EXIT_USAGE);
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (flags.cert !== undefined && flags.key !== undefined) {
    try {
      tls = { cert: readFileSync(flags.cert), key: readFileSync(flags.key) };
    } catch (error) {
      return fail(`cannot read the certificate or key: ${error instanceof Error ? error.message : String(error)}`, EXIT_USAGE);
    }
  }

  const target = resolveTarget(options);
  const upstream = target.kind === 'unix' ? { path: target.path } : target.kind === 'tls' ? { host: target.host, port: target.port } : undefined;
  if (!upstream) return fail('unsupported server address', EXIT_USAGE);
  const username = options.username ?? '';
  const password = options.password ?? '';
  const credentials = username !== '' && password !== '' ? { username, password } : undefined;
  const upstreamTls: TlsConnectionOptions | undefined = options.tls;
  const where = describeTarget({ ...target, password: '' });

  let serverInfo: string | undefined;
  if (credentials) {
    // Check the credentials now: a typo is an error at the prompt, not in the page.
    try {
      const check = await createClient({
        ...options,
        name: `clacks-cli/${VERSION} console check`,
        reconnect: false,
        offlineQueue: false,
        remembrance: false,
      });
      serverInfo = check.serverInfo;
      check.destroy();
    } catch (error) {
      return fail(certificateAdvice(error, flags) ?? (error instanceof Error ? error.message : String(error)), exitCodeFor(error));
    }
  } else {
    // No one to log in as yet, but the server must at least answer: else the page's login form is a dead end.
    try {
      const deadline = options.timeouts?.connect ?? PROBE_TIMEOUT_MS;
      const socket = await openSocket(target, { where, tls: upstreamTls, connectTimeout: deadline, tlsHandshakeTimeout: deadline, keepAlive: 0 });
      socket.destroy();
    } catch (error) {
      return fail(certificateAdvice(error, flags) ?? (error instanceof Error ? error.message : String(error)), EXIT_CONNECTION);
    }
  }

  let running: ClacksConsole;
  try {
    running = await startConsole({
      upstream,
      ...(upstreamTls ? { upstreamTls } : {}),
      serverDescription: where,
      ...(credentials ? { credentials } : {}),
      suggestedUser: username,
      host,
      port: flags.listen.port,
      ...(tls ? { tls } : {}),
      assets: assetsDirectory(),
      // Even with -q: without it a second browser could not get in.
      explainUnreachable: (error) => certificateAdvice(error, flags),
      onSession: (next) => process.stderr.write(`clacks console: a browser opened a session; for another browser: ${next}\n`),
      logger: (level, message) => {
        if (level === 'error' || level === 'warn') notice(message);
      },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return fail(`cannot start: ${message}`, error instanceof TypeError ? EXIT_USAGE : EXIT_CONNECTION);
  }

  // Before the URL is printed: whoever saw it may stop us at once.
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return void exit(EXIT_OK);
    stopping = true;
    notice(`${signal}, shutting down`);
    running.close().then(
      () => exit(EXIT_OK),
      (error: unknown) => fail(`shutdown failed: ${String(error)}`, EXIT_CONNECTION),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.stdout.write(`${running.url}\n`);
  notice(
    credentials
      ? `${where} (${serverInfo ?? 'unknown server'}) as ${username}; open the URL above (its key opens one browser session). Ctrl-C stops.`
      : `${where}: the page asks for a user and password. Open the URL above (its key opens one browser session). Ctrl-C stops.`,
  );
  if (flags.open) openBrowser(running.url, notice);

  return new Promise<never>(() => {});
}

/** The built page: dist/console beside the built CLI (dist/cli), or from a source checkout, its dist/. */
function assetsDirectory(): string {
  for (const candidate of ['../console/', '../../dist/console/']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return fileURLToPath(new URL('../console/', import.meta.url));
}

/** Opens the URL with $BROWSER or the system's opener; a failure is a notice, not an error. */
function openBrowser(url: string, notice: (message: string) => void): void {
  const configured = process.env.BROWSER;
  const [command, args]: [string, string[]] = configured
    ? [configured, [url]]
    : process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', (error) => notice(`could not open a browser (${command}: ${error.message}); open the URL yourself`));
    child.unref();
  } catch (error) {
    notice(`could not open a browser (${command}: ${error instanceof Error ? error.message : String(error)}); open the URL yourself`);
  }
}
