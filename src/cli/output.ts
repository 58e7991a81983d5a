/**
 * How the `clacks` client subcommands print: human text (coloured only when
 * the stream is a terminal) or, with `--json`, one JSON object per line for
 * scripts. Results go to stdout; notices and errors go to stderr, so a
 * pipeline only ever sees results.
 *
 * Other parties' bytes (keys, values, client identifications, DEBUG text,
 * the server's messages) may hold control characters a terminal obeys. As
 * redis-cli does: results on a terminal show them escaped (`\x1b`), results
 * to a pipe or file are written as they are, so `clacks get k > file` keeps
 * the exact value; `--raw` writes them as they are on a terminal too and
 * `--no-raw` escapes them in a pipe too. Notices and errors on stderr are
 * always escaped (`--raw` aside): stderr goes to terminals and logs. JSON is
 * always safe: JSON.stringify escapes C0 controls and we escape DEL, C1 and
 * the bidirectional controls as `\u` sequences too.
 * @module
 */
import type { Command } from 'commander';
import picocolors from 'picocolors';
import { escapeControl, escapeJson } from '../util/escape.js';

type Colors = ReturnType<typeof picocolors.createColors>;

/** The output flags, as commander hands them over. */
export interface OutputFlags {
  json?: boolean;
  quiet?: boolean;
  /** true: `--raw`; false: `--no-raw`; undefined: escape on a terminal only. */
  raw?: boolean;
}

/** Adds `--json`, `--quiet`, `--raw` and `--no-raw` to a subcommand. */
export function addOutputOptions(command: Command): Command {
  return command
    .option('--json', 'print one JSON object per line')
    .option('-q, --quiet', 'no notices on stderr, only results and errors')
    .option('--raw', "print other parties' bytes as they are, control characters included (the default when stdout is not a terminal)")
    .option('--no-raw', 'escape control characters (\\x1b) in results even when stdout is not a terminal');
}

export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  /** Colours for stdout. */
  readonly color: Colors;
  /** Colours for stderr. */
  readonly errorColor: Colors;
  /** Whether remote text in results is escaped. */
  private readonly escapeResults: boolean;
  /** Whether notices and errors are escaped. */
  private readonly escapeMessages: boolean;

  constructor(flags: OutputFlags, private readonly stdout: NodeJS.WriteStream = process.stdout, private readonly stderr: NodeJS.WriteStream = process.stderr) {
    this.json = flags.json ?? false;
    this.quiet = flags.quiet ?? false;
    this.color = picocolors.createColors(colorWanted(stdout));
    this.errorColor = picocolors.createColors(colorWanted(stderr));
    this.escapeResults = flags.raw === undefined ? stdout.isTTY === true : !flags.raw;
    this.escapeMessages = flags.raw !== true;
  }

  /** Remote text (a key, a value, a client's identification) for a result line: escaped when it goes to a terminal. */
  show(text: string): string {
    return this.escapeResults ? escapeControl(text) : text;
  }

  /** A result: `human` as text (its remote parts passed through {@link show}), or `record` as a JSON line with `--json`. */
  result(record: object, human: string): void {
    this.stdout.write(this.json ? `${jsonLine(record)}\n` : `${human}\n`);
  }

  /** Text for a human (a table); callers print records themselves with `--json`. */
  text(human: string): void {
    this.stdout.write(`${human}\n`);
  }

  /** A record as one JSON line (no newline), safe on a terminal. */
  jsonText(record: object): string {
    return jsonLine(record);
  }

  /** A JSON line with `--json`; nothing otherwise (for results that are silent in human mode). */
  jsonOnly(record: object): void {
    if (this.json) this.stdout.write(`${jsonLine(record)}\n`);
  }

  /** A notice for a human on stderr (`clacks: listening…`), unless `--quiet`. Escaped: it may quote the server. */
  notice(text: string): void {
    if (!this.quiet) this.stderr.write(`${this.errorColor.dim(`clacks: ${this.message(text)}`)}\n`);
  }

  /** An error on stderr: text, or `{"error":{code,message}}` with `--json`. Escaped: it may quote the server. */
  error(code: string, message: string): void {
    if (this.json) this.stderr.write(`${jsonLine({ error: { code, message } })}\n`);
    else this.stderr.write(`${this.errorColor.red(`clacks: ${this.message(message)}`)}\n`);
  }

  private message(text: string): string {
    return this.escapeMessages ? escapeControl(text) : text;
  }
}

/** One JSON line, safe on a terminal. */
function jsonLine(record: object): string {
  return escapeJson(JSON.stringify(record));
}

/** Colour only on a terminal; NO_COLOR turns it off, FORCE_COLOR on. */
function colorWanted(stream: NodeJS.WriteStream): boolean {
  const env = process.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** `12:34:56.789`, local time: the prefix of streamed lines. */
export function clock(date = new Date()): string {
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** A decoded structure as JSON, a string as it is. */
export function showValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
