/**
 * Reads the YAML of a V3 file line by line, as long as it has exactly the
 * layout YAML::Syck writes (the reference's files and ours): `--- ` then, per
 * entry, a `key: ` line and its fields indented by two spaces, each on one
 * line (a single-quoted value may span lines). It needs no more memory than
 * one line, so a file of any size loads. The moment a line does not fit
 * that layout (a hand-written file, a JSON body) it throws
 * {@link NotSyckLayout} and the caller reads the whole text with the general
 * YAML reader instead.
 * @module
 */
import { ENTRY_FIELDS, type RawEntry } from './raw-entry.js';
import { syckStyle } from './syck-scalar.js';
import { decodeDoubleQuoted, decodeSingleQuoted } from './yaml-quoted.js';

/** The text is YAML, but not laid out the way Syck writes it. */
export class NotSyckLayout extends Error {
  override readonly name = 'NotSyckLayout';
}

type State = 'start' | 'entries' | 'empty-mapping';

const FIELDS = new Set<string>(ENTRY_FIELDS);

export class SyckLayoutReader {
  private state: State = 'start';
  private lineNumber = 0;
  private key: string | undefined;
  private entry: RawEntry = {};
  /** A single-quoted value still open at the end of its line: the field and the text so far. */
  private open: { field: keyof RawEntry; text: string } | undefined;
  private readonly onEntry: (name: string, entry: RawEntry) => void;

  constructor(onEntry: (name: string, entry: RawEntry) => void) {
    this.onEntry = onEntry;
  }

  /** One line, without its line feed. */
  line(line: string): void {
    this.lineNumber++;
    if (this.open !== undefined) return this.continueQuoted(line);
    switch (this.state) {
      case 'start':
        if (line === '--- ' || line === '---') this.state = 'entries';
        else if (line === '--- {}') this.state = 'empty-mapping';
        else if (line !== '') this.fail('no document start');
        return;
      case 'empty-mapping':
        if (line !== '') this.fail('content after an empty mapping');
        return;
      case 'entries':
        if (line === '') return;
        if (line.startsWith('  ')) return this.field(line.slice(2));
        return this.keyLine(line);
    }
  }

  /** The end of the text; returns whether it held a document at all. */
  end(): boolean {
    if (this.open !== undefined) this.fail('a quoted value does not end');
    this.flush();
    return this.state !== 'start';
  }

  private keyLine(line: string): void {
    this.flush();
    const text = line.endsWith(': ') ? line.slice(0, -2) : line.endsWith(':') ? line.slice(0, -1) : this.fail('not a key');
    this.key = this.scalar(text, true);
  }

  private field(text: string): void {
    if (this.key === undefined) this.fail('a field before any key');
    const colon = text.indexOf(': ');
    const name = colon === -1 ? '' : text.slice(0, colon);
    if (!FIELDS.has(name)) this.fail(`an unexpected field ${JSON.stringify(name)}`);
    const field = name as keyof RawEntry;
    if (this.entry[field] !== undefined) this.fail(`a second ${name}`);
    const value = text.slice(colon + 2);
    if (value.startsWith("'") && closingQuote(value) === -1) {
      this.open = { field, text: value };
      return;
    }
    this.entry[field] = this.scalar(value, false);
  }

  private continueQuoted(line: string): void {
    const open = this.open as { field: keyof RawEntry; text: string };
    open.text += `\n${line}`;
    if (closingQuote(open.text) === -1) return;
    this.open = undefined;
    this.entry[open.field] = this.scalar(open.text, false);
  }

  /** A scalar that fills `text` entirely: quoted, or plain the way Syck would have written it plain. */
  private scalar(text: string, key: boolean): string {
    const first = text[0];
    if (first === '"') {
      if (closingDoubleQuote(text) !== text.length - 1) this.fail('a double-quoted scalar with something after it');
      return decodeDoubleQuoted(text);
    }
    if (first === "'") {
      if (closingQuote(text) !== text.length - 1) this.fail('a single-quoted scalar with something after it');
      return decodeSingleQuoted(text);
    }
    // A plain scalar Syck would not write plain may mean something else to a YAML reader (a comment, a flow mapping…).
    if (text === '' || syckStyle(text, key) !== 'plain') this.fail(`the plain scalar ${JSON.stringify(text.slice(0, 40))}`);
    return text;
  }

  private flush(): void {
    if (this.key !== undefined) this.onEntry(this.key, this.entry);
    this.key = undefined;
    this.entry = {};
  }

  private fail(what: string): never {
    throw new NotSyckLayout(`line ${this.lineNumber}: ${what}`);
  }
}

/** Where a single-quoted scalar starting at 0 closes (`''` is a quote inside it), or -1. */
function closingQuote(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] !== "'") continue;
    if (text[i + 1] === "'") i++;
    else return i;
  }
  return -1;
}

/** Where a double-quoted scalar starting at 0 closes, or -1. */
function closingDoubleQuote(text: string): number {
  for (let i = 1; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') i++;
    else if (char === '"') return i;
  }
  return -1;
}
