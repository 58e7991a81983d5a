/**
 * `clacks shell`: an interactive raw-command shell, like the rawclient
 * example of the Perl distribution. Each line typed is sent as it is
 * (`client.sendRaw`); every line the server sends is shown as it arrives,
 * replies to raw commands included (they come to the client as `unsolicited`
 * events). On a terminal it keeps a history (up/down arrows, saved in
 * `~/.clacks_history` or `$CLACKS_HISTORY`); from a pipe it reads commands
 * until QUIT or the end of input, then waits for the replies and exits.
 *
 * The client beneath still does its own bookkeeping: it pings, and it
 * answers the server's greeting. A raw `LISTEN` or `MONITOR` is not
 * remembered across a reconnect (the client did not ask for it).
 *
 * Exit code from a pipe (scripted use): that of the first failure, 3 when the
 * server reported an error (`OVERHEAD E …`), 2 when the connection was lost
 * meanwhile or a line could not be sent; else 0.
 * Interactively it is 0: the errors were on the screen.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { clearLine, createInterface, cursorTo } from 'node:readline';
import type { Command } from 'commander';
import type { ClacksClient } from '../client/client.js';
import { ClacksError, ConnectionLostError, ServerError } from '../errors.js';
import type { ClacksEvent } from '../events/types.js';
import { redactLine } from '../util/redact.js';
import { encodeServerLine } from '../wire/server-lines.js';
import type { Output } from './output.js';
import { clientCommand, runStream, type CommandFlags } from './run.js';

const HELP = [
  'Type CLACKS commands; they are sent as they are. Lines from the server are shown as they arrive.',
  '  LISTEN name | UNLISTEN name | NOTIFY name | SET name=value | SETANDSTORE name=value',
  '  STORE name=value | RETRIEVE name | REMOVE name | INCREMENT name[=step] | DECREMENT name[=step]',
  '  KEYLIST | CLEARCACHE | CLIENTLIST | CLIENTDISCONNECT cid | MONITOR | UNMONITOR | FLUSH id | PING | NOPING',
  'QUIT (or .quit, Ctrl-D, Ctrl-C) leaves the shell.',
].join('\n');

export function shellCommand(): Command {
  return clientCommand('shell')
    .description('an interactive raw-command shell: send lines, see every server line as it arrives (from a pipe: exit 3 after a server error)')
    .action((flags: CommandFlags) => runStream(flags, 'shell', (session) => shell(session.client, session.out, session.stopped)));
}

async function shell(client: ClacksClient, out: Output, stopped: AbortSignal): Promise<void> {
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const historyFile = interactive ? historyPath() : undefined;
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: interactive,
    prompt: out.color.bold('clacks> '),
    history: historyFile ? loadHistory(historyFile) : [],
    historySize: 1000,
  });
  if (historyFile) rl.on('history', (history: string[]) => saveHistory(historyFile, history));

  /** Prints above the prompt without mangling what is being typed. */
  const show = (text: string) => {
    if (interactive) {
      clearLine(process.stdout, 0);
      cursorTo(process.stdout, 0);
      process.stdout.write(`${text}\n`);
      rl.prompt(true);
    } else {
      process.stdout.write(`${text}\n`);
    }
  };

  /** Scripted use: the first thing that went wrong decides the exit code. */
  let failure: Error | undefined;
  let serverErrors = 0;
  const events = client.events({ types: ['set', 'notify', 'debug', 'error', 'message', 'disconnected', 'reconnected', 'unsolicited'] });
  const printer = (async () => {
    try {
      for await (const event of events) {
        if (event.type === 'error') serverErrors++;
        if (event.type === 'error' && !failure) failure = new ServerError(`the server reported an error: ${event.message}`);
        if (event.type === 'disconnected' && !failure) failure = new ConnectionLostError(`the connection was lost: ${event.reason.message}`);
        show(out.json ? out.jsonText(toRecord(event)) : describe(out, event));
      }
    } finally {
      rl.close();
    }
  })();

  out.notice(`connected to ${client.server ?? 'the server'} (${client.serverInfo ?? 'unknown server'}); .help for help, QUIT to leave`);
  const pending = new Set<Promise<void>>();
  let leaving = false;
  rl.on('line', (input) => {
    // Lines already read from a pipe still arrive after QUIT: ignore them.
    if (leaving) return;
    const line = input.replace(/\r$/, '');
    const word = line.trim();
    if (word === '') {
      if (interactive) rl.prompt();
      return;
    }
    if (/^(quit|exit|\.quit|\.exit)$/i.test(word)) {
      // Sent raw, QUIT would make the server hang up and the client reconnect; close instead.
      leaving = true;
      rl.close();
      return;
    }
    if (word === '.help') {
      show(HELP);
      return;
    }
    const sent: Promise<void> = client
      .sendRaw(line)
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (!failure) failure = error instanceof ClacksError ? error : new ConnectionLostError(`a line could not be sent: ${message}`);
        show(out.json ? out.jsonText({ type: 'local-error', message }) : out.color.red(`!! ${out.show(message)}`));
      })
      .finally(() => pending.delete(sent));
    pending.add(sent);
    if (interactive) rl.prompt();
  });
  rl.on('SIGINT', () => rl.close());
  stopped.addEventListener('abort', () => rl.close());

  const inputDone = new Promise<void>((resolve) =>
    rl.once('close', () => {
      leaving = true;
      resolve();
    }),
  );
  if (interactive) rl.prompt();
  await inputDone;
  if (interactive) process.stdout.write('\n');

  if (!stopped.aborted && client.state !== 'closed' && client.state !== 'closing') {
    await Promise.allSettled([...pending]);
    // The server answers in order: after FLUSHED, every reply to what was typed has arrived.
    await client.flush({ timeout: 10_000 }).catch(() => {});
    await client.close();
  }
  await printer;
  if (!interactive && failure) {
    if (failure instanceof ServerError && serverErrors > 1) throw new ServerError(`${failure.message} (and ${serverErrors - 1} more)`);
    throw failure;
  }
}

/** A server line as the wire shows it (control characters escaped on a terminal, login tokens never). */
function describe(out: Output, event: ClacksEvent): string {
  const { color } = out;
  const show = (text: string) => out.show(text);
  switch (event.type) {
    case 'set':
      return `SET ${show(event.name)}=${show(event.value)}`;
    case 'notify':
      return `NOTIFY ${show(event.name)}`;
    case 'debug':
      return color.dim(`DEBUG ${show(event.sender)}=${show(redactLine(event.text))}`);
    case 'error':
      return color.red(`OVERHEAD E ${show(event.message)}`);
    case 'message':
      return color.dim(`OVERHEAD ${show(event.flags)} ${show(event.text)}`);
    case 'unsolicited':
      return color.cyan(show(wireText(event)));
    case 'disconnected':
      return color.yellow(`-- connection lost: ${show(event.reason.message)}; reconnecting`);
    case 'reconnected':
      return color.yellow('-- reconnected (a raw LISTEN or MONITOR must be sent again)');
  }
}

function toRecord(event: ClacksEvent): object {
  switch (event.type) {
    case 'unsolicited':
      return { type: 'unsolicited', kind: event.line.type, line: wireText(event) };
    case 'disconnected':
      return { type: 'disconnected', reason: event.reason.message };
    case 'debug':
      return { ...event, text: redactLine(event.text) };
    default:
      return event;
  }
}

function wireText(event: Extract<ClacksEvent, { type: 'unsolicited' }>): string {
  return redactLine(encodeServerLine(event.line).replace(/^[\r\n]+|[\r\n]+$/g, ''));
}

function historyPath(): string | undefined {
  const configured = process.env.CLACKS_HISTORY;
  if (configured !== undefined) return configured === '' ? undefined : configured;
  return path.join(homedir(), '.clacks_history');
}

/** Most recent first, as readline wants it. */
function loadHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
  } catch {
    return [];
  }
}

function saveHistory(file: string, history: string[]): void {
  try {
    // Never keep a login line (it holds the password, merely base64-encoded).
    writeFileSync(file, `${history.filter((line) => !/^\s*OVERHEAD\s+\S*A/i.test(line)).join('\n')}\n`, { mode: 0o600 });
  } catch {
    // A history that cannot be saved is not worth stopping the shell for.
  }
}
