/**
 * How the `clacks` client subcommands print: human text (coloured only when
 * the stream is a terminal) or, with `--json`, one JSON object per line for
 * scripts. Results go to stdout; notices and errors go to stderr, so a
 * pipeline only ever sees results.
 * @module
 */
import type { Command } from 'commander';
import picocolors from 'picocolors';

type Colors = ReturnType<typeof picocolors.createColors>;

/** The output flags, as commander hands them over. */
export interface OutputFlags {
  json?: boolean;
  quiet?: boolean;
}

/** Adds `--json` and `--quiet` to a subcommand. */
export function addOutputOptions(command: Command): Command {
  return command.option('--json', 'print one JSON object per line').option('-q, --quiet', 'no notices on stderr, only results and errors');
}

export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  /** Colours for stdout. */
  readonly color: Colors;
  /** Colours for stderr. */
  readonly errorColor: Colors;

  constructor(flags: OutputFlags, private readonly stdout: NodeJS.WriteStream = process.stdout, private readonly stderr: NodeJS.WriteStream = process.stderr) {
    this.json = flags.json ?? false;
    this.quiet = flags.quiet ?? false;
    this.color = picocolors.createColors(colorWanted(stdout));
    this.errorColor = picocolors.createColors(colorWanted(stderr));
  }

  /** A result: `human` as text, or `record` as a JSON line with `--json`. */
  result(record: object, human: string): void {
    this.stdout.write(this.json ? `${JSON.stringify(record)}\n` : `${human}\n`);
  }

  /** Text for a human (a table); callers print records themselves with `--json`. */
  text(human: string): void {
    this.stdout.write(`${human}\n`);
  }

  /** A JSON line with `--json`; nothing otherwise (for results that are silent in human mode). */
  jsonOnly(record: object): void {
    if (this.json) this.stdout.write(`${JSON.stringify(record)}\n`);
  }

  /** A notice for a human on stderr (`clacks: listening…`), unless `--quiet`. */
  notice(text: string): void {
    if (!this.quiet) this.stderr.write(`${this.errorColor.dim(`clacks: ${text}`)}\n`);
  }

  /** An error on stderr: text, or `{"error":{code,message}}` with `--json`. */
  error(code: string, message: string): void {
    if (this.json) this.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
    else this.stderr.write(`${this.errorColor.red(`clacks: ${message}`)}\n`);
  }
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
