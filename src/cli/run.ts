/**
 * The life of one `clacks` client subcommand: connect, run, report, exit with
 * a code a script can switch on.
 *
 * | code | meaning |
 * | --- | --- |
 * | 0 | ok (also: a stream ended with Ctrl-C) |
 * | 1 | usage: bad flags or arguments, an invalid name or value, no server given |
 * | 2 | connection or authentication failure, timeout, connection lost |
 * | 3 | the server refused or failed: permission denied, unknown command |
 *
 * One-shot commands end with one `flush()`: the server answers in order, so
 * by the time `FLUSHED` arrives it has reported any refused write
 * (`OVERHEAD E permission_denied` names no command and has no other reply).
 * A command that confirmed its writes itself (`confirm()`) is not flushed
 * again.
 * @module
 */
import { Command } from 'commander';
import type { ClacksClient } from '../client/client.js';
import { ClacksError, ConnectionError, ValidationError } from '../errors.js';
import { describeTarget, resolveTarget } from '../client/options.js';
import { addConnectionOptions, clientOptionsFrom, connect, type ConnectionFlags } from './connection.js';
import { addOutputOptions, Output, type OutputFlags } from './output.js';

export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_CONNECTION = 2;
export const EXIT_SERVER = 3;

/** Errors that mean "could not talk to the server" rather than "the server said no". */
const CONNECTION_CODES = new Set<string>([
  'CONNECTION_ERROR',
  'CONNECTION_LOST',
  'AUTH_FAILED',
  'PROTOCOL_ERROR',
  'LINE_TOO_LONG',
  'TIMEOUT',
  'CLOSED',
  'QUEUE_FULL',
  'OFFLINE_TIMEOUT',
]);

/** The exit code for an error that ended a command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof ValidationError) return EXIT_USAGE;
  if (error instanceof ClacksError) return CONNECTION_CODES.has(error.code) ? EXIT_CONNECTION : EXIT_SERVER;
  return EXIT_CONNECTION;
}

export type CommandFlags = ConnectionFlags & OutputFlags;

/** What a subcommand body works with. */
export interface Session {
  client: ClacksClient;
  out: Output;
  /** Server-reported errors (`OVERHEAD E …`) seen so far and not yet reported. */
  serverErrors: ClacksError[];
  /** Aborted on Ctrl-C (SIGINT) or SIGTERM: a stream should end, successfully. */
  stopped: AbortSignal;
  /** From now on, print server errors on stderr as they come instead of collecting them. */
  reportServerErrorsLive(): void;
  /** `flush()`, then throws the first server error reported so far: a write was refused. */
  confirm(): Promise<void>;
  /** Whether `confirm()` ran: the runner then sends no FLUSH of its own. */
  readonly confirmed: boolean;
}

/** A client subcommand: the connection and output flags, and help after a usage error. */
export function clientCommand(name: string): Command {
  return addOutputOptions(addConnectionOptions(new Command(name))).showHelpAfterError();
}

/** Runs a one-shot command: connect (no reconnect), run, `flush()`, close, exit. */
export function runOnce(flags: CommandFlags, subcommand: string, body: (session: Session) => Promise<void>): Promise<never> {
  return run(flags, subcommand, 'once', body);
}

/** Runs a stream (listen, monitor, shell): reconnects, and Ctrl-C ends it with exit 0. */
export function runStream(flags: CommandFlags, subcommand: string, body: (session: Session) => Promise<void>): Promise<never> {
  return run(flags, subcommand, 'stream', body);
}

async function run(flags: CommandFlags, subcommand: string, mode: 'once' | 'stream', body: (session: Session) => Promise<void>): Promise<never> {
  const out = new Output(flags);
  const controller = new AbortController();
  let client: ClacksClient | undefined;

  if (mode === 'stream') {
    const stop = () => {
      // A second Ctrl-C while closing: do not wait any longer.
      if (controller.signal.aborted) void exit(EXIT_OK);
      controller.abort();
      // close() rejects when sent commands could not be delivered in time: say so, never crash on it.
      if (client) void client.close().catch((error: unknown) => out.error(error instanceof ClacksError ? error.code : 'ERROR', messageOf(error)));
      else void exit(EXIT_OK);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }

  let code = EXIT_OK;
  try {
    const connected = await connect(flags, subcommand, mode);
    client = connected;
    if (controller.signal.aborted) await connected.close();
    const session = newSession(connected, out, controller.signal);
    if (mode === 'stream') watchConnection(connected, out);
    await body(session);
    if (mode === 'once' && !session.confirmed) await session.confirm();
  } catch (error) {
    if (!(controller.signal.aborted && isClosedError(error))) {
      code = exitCodeFor(error);
      out.error(error instanceof ClacksError ? error.code : 'ERROR', certificateAdvice(error, flags) ?? messageOf(error));
    }
  }
  await client?.close().catch(() => {});
  return exit(code);
}

function newSession(client: ClacksClient, out: Output, stopped: AbortSignal): Session {
  let live = false;
  let confirmed = false;
  const session: Session = {
    client,
    out,
    serverErrors: [],
    stopped,
    reportServerErrorsLive() {
      live = true;
    },
    async confirm() {
      confirmed = true;
      await client.flush();
      const error = session.serverErrors.shift();
      if (error) throw error;
    },
    get confirmed() {
      return confirmed;
    },
  };
  client.on('error', (error) => {
    // Fatal connection errors also end the command with a thrown error; report those once, there.
    if (CONNECTION_CODES.has(error.code)) return;
    if (live) out.error(error.code, error.message);
    else session.serverErrors.push(error);
  });
  return session;
}

/** Streams reconnect by themselves; say so on stderr. */
function watchConnection(client: ClacksClient, out: Output): void {
  client.on('status', (event) => {
    if (event.type === 'disconnected') out.notice(`connection lost (${event.reason.message}); reconnecting`);
    else if (event.type === 'reconnected') out.notice(`reconnected to ${event.server}; signals sent meanwhile were missed`);
  });
}

/** Node's codes for a TLS certificate that was not accepted. */
const CERTIFICATE_PROBLEM = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME/;

/**
 * A TLS certificate that was not accepted, explained with the CLI's own
 * flags (`--ca FILE`, `--insecure`): the library's message names `tls:`
 * options, which a CLI user cannot pass. Undefined for any other error.
 */
export function certificateAdvice(error: unknown, flags: ConnectionFlags): string | undefined {
  if (!(error instanceof ConnectionError) || !(error.cause instanceof Error)) return undefined;
  const code = (error.cause as NodeJS.ErrnoException).code ?? '';
  if (!CERTIFICATE_PROBLEM.test(code)) return undefined;
  let where = 'the server';
  try {
    where = describeTarget(resolveTarget(clientOptionsFrom(flags)));
  } catch {
    // The flags connected a moment ago; keep the generic name if they cannot be read again.
  }
  const detail = `(${code}: ${error.cause.message})`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `TLS certificate of ${where} does not name that host ${detail}. Connect with --host set to a name the certificate holds, or skip verification with --insecure.`;
  }
  return `TLS certificate of ${where} was not accepted ${detail}. Trust it with --ca FILE (the server's certificate or its CA), or skip verification with --insecure.`;
}

function isClosedError(error: unknown): boolean {
  return error instanceof ClacksError && error.code === 'CLOSED';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Exits once stdout and stderr have taken everything written so far. */
export function exit(code: number): Promise<never> {
  return new Promise<never>(() => {
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  });
}

/** For usage errors found before connecting. */
export function usageError(out: Output, message: string): Promise<never> {
  out.error('INVALID_ARGUMENT', message);
  return exit(EXIT_USAGE);
}
