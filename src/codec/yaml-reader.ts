/**
 * A compact YAML reader for the browser build, where the `yaml` package
 * alone would be over the bundle's size budget. It reads one document of
 * what Perl's YAML libraries (YAML::Syck, YAML::XS, YAML::PP) write: block
 * mappings and sequences (compact forms included), flow collections, plain,
 * single- and double-quoted scalars (folding and escapes), literal and
 * folded block scalars with their indicators, comments, anchors and aliases;
 * tags are ignored. Anything else (explicit `?` keys, collections as keys,
 * several documents) is refused with a CodecError. The Node build reads with the `yaml`
 * package (yaml-package.ts); test/codec/yaml-reader.test.ts holds the two
 * to the same results.
 * @module
 */
import { CodecError } from '../errors.js';

/** Parses `text`; plain, untagged scalars become `resolvePlain(text)`. See `Platform.loadYaml`. */
export function loadYamlCompact(text: string, resolvePlain: (text: string) => unknown): unknown {
  try {
    return new YamlReader(text, resolvePlain).document();
  } catch (error) {
    // The reader recurses once per nesting level: thousands of `[` run out of stack.
    if (error instanceof RangeError) throw new CodecError('invalid YAML: nested too deeply', { cause: error });
    throw error;
  }
}

/** The most aliases one document may use (as the Node build's `maxAliasCount`). */
const MAX_ALIASES = 1000;
/**
 * The most values all aliases of a document may stand for, counted as if
 * each were a copy. Aliases share one value, so nine levels of ten aliases
 * each (a "billion laughs" of 500 bytes) cost little to read but 10^9 values
 * to whoever walks the result (JSON.stringify takes minutes, then fails);
 * the `yaml` package refuses such documents too.
 */
const MAX_ALIASED_VALUES = 1_000_000;

const ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"', '/': '/', '\\': '\\',
  N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

class YamlReader {
  private pos = 0;
  private readonly anchors = new Map<string, unknown>();
  private aliases = 0;
  /** Values the aliases so far stand for (see MAX_ALIASED_VALUES). */
  private aliased = 0;
  /** The number of values in each collection met by an alias (shared ones counted once per use). */
  private readonly sizes = new WeakMap<object, number>();

  constructor(
    private readonly text: string,
    private readonly resolvePlain: (text: string) => unknown,
  ) {}

  document(): unknown {
    this.skipSpace();
    while (this.peek() === '%') this.skipLine(); // directives (%YAML 1.1)
    this.skipSpace();
    // No document at all (not even `---`) is null, not an empty scalar.
    if (this.pos >= this.text.length) return null;
    if (this.atDocumentMarker('---')) this.pos += 3;
    const value = this.blockNode(-1, false);
    this.skipSpace();
    if (this.atDocumentMarker('...')) {
      this.pos += 3;
      this.skipSpace();
    }
    if (this.pos < this.text.length) this.fail(this.atDocumentMarker('---') ? 'only one document is read' : 'unexpected content');
    return value;
  }

  // ------------------------------------------------------------ characters

  private peek(offset = 0): string {
    return this.text.charAt(this.pos + offset);
  }

  /** Whether `pos + offset` is a space, a line break or the end. */
  private isBlank(offset = 0): boolean {
    const char = this.peek(offset);
    return char === '' || char === ' ' || char === '\t' || char === '\n' || char === '\r';
  }

  private column(at = this.pos): number {
    return at - (this.text.lastIndexOf('\n', at - 1) + 1);
  }

  private atDocumentMarker(marker: string): boolean {
    return this.column() === 0 && this.text.startsWith(marker, this.pos) && this.isBlank(3);
  }

  private skipLine(): void {
    const end = this.text.indexOf('\n', this.pos);
    this.pos = end === -1 ? this.text.length : end + 1;
  }

  /** Spaces and tabs, then a comment; stops at a line break. */
  private skipInline(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
    if (this.peek() === '#') {
      const end = this.text.indexOf('\n', this.pos);
      this.pos = end === -1 ? this.text.length : end;
    }
  }

  /** Blanks, comments and line breaks up to the next content. */
  private skipSpace(): void {
    for (;;) {
      this.skipInline();
      const char = this.peek();
      if (char === '\n' || char === '\r') this.pos++;
      else return;
    }
  }

  private atLineEnd(): boolean {
    const char = this.peek();
    return char === '' || char === '\n' || char === '\r';
  }

  private fail(message: string): never {
    const line = this.text.slice(0, this.pos).split('\n').length;
    throw new CodecError(`invalid YAML: ${message} at line ${line}`);
  }

  // ------------------------------------------------------------ block nodes

  /**
   * The node that starts at the next content, when it is indented more than
   * `parent` (or, with `sequenceAtParent`, is a `-` sequence at `parent`:
   * a mapping's value may be a sequence at the key's own indentation).
   * Nothing there is an empty scalar, read as null.
   */
  private blockNode(parent: number, sequenceAtParent: boolean): unknown {
    const start = this.pos;
    this.skipSpace();
    const column = this.column();
    const sequenceHere = this.peek() === '-' && this.isBlank(1);
    if (this.pos >= this.text.length || this.atDocumentMarker('---') || this.atDocumentMarker('...') || column < parent || (column === parent && !(sequenceAtParent && sequenceHere))) {
      this.pos = start;
      return this.resolvePlain('');
    }
    return this.withProperties(parent, sequenceAtParent, (tagged) => {
      if (this.peek() === '-' && this.isBlank(1)) return this.blockSequence(this.column());
      return this.blockContent(parent, tagged, true);
    });
  }

  /**
   * Reads `&anchor` and `!tag` before a node, then the node itself (on this
   * line, or on the next ones when the properties end the line), and
   * records the anchor.
   */
  private withProperties(parent: number, sequenceAtParent: boolean, read: (tagged: boolean) => unknown): unknown {
    let anchor: string | undefined;
    let tagged = false;
    for (;;) {
      const char = this.peek();
      if (char === '&' && anchor === undefined) anchor = this.word(1);
      else if (char === '!' && !tagged) {
        this.word(0);
        tagged = true;
      } else break;
      this.skipInline();
    }
    let value: unknown;
    if ((anchor !== undefined || tagged) && this.atLineEnd()) {
      const next = this.blockNode(parent, sequenceAtParent);
      // A tag on its own marks no scalar: an empty node after it stays a plain empty value.
      value = next;
    } else value = read(tagged);
    if (anchor !== undefined) this.anchors.set(anchor, value);
    return value;
  }

  /** An anchor or tag name: up to the next blank (and, in flow context, comma or bracket). */
  private word(skip: number): string {
    const start = this.pos + skip;
    let end = start;
    while (end < this.text.length && !/[\s,[\]{}]/.test(this.text.charAt(end))) end++;
    this.pos = end;
    if (end === start && skip > 0) this.fail('an anchor needs a name');
    return this.text.slice(start, end);
  }

  /**
   * What starts on this line in block context: an alias, a flow collection,
   * a block scalar, a quoted or plain scalar, or (when `mappingAllowed`) the
   * first key of a block mapping.
   */
  private blockContent(parent: number, tagged: boolean, mappingAllowed: boolean): unknown {
    const column = this.column();
    const char = this.peek();
    if (char === '*') return this.alias();
    if (char === '|' || char === '>') return this.blockScalar(parent);
    let key: unknown;
    let keyIsText = true;
    if (char === '[' || char === '{') {
      const value = this.flowCollection();
      this.skipInline();
      if (this.peek() !== ':') return value;
      key = value;
      keyIsText = false;
    } else if (char === '"' || char === "'") {
      const value = char === '"' ? this.doubleQuoted() : this.singleQuoted();
      this.skipInline();
      if (this.peek() !== ':' || !this.isBlank(1)) return value;
      key = value;
    } else {
      const plain = this.plainScalar(parent, false);
      this.skipInline();
      if (!(this.peek() === ':' && this.isBlank(1))) return tagged ? plain.text : this.resolvePlain(plain.text);
      if (plain.multiline) this.fail('a key must be on one line');
      key = tagged ? plain.text : this.resolvePlain(plain.text);
    }
    if (!mappingAllowed) this.fail('a mapping cannot start here (nested mappings need their own lines)');
    if (!keyIsText) this.fail('collections as keys are not supported');
    return this.blockMapping(column, key);
  }

  /** A block mapping at `indent` whose first key has been read (`pos` at its `:`). */
  private blockMapping(indent: number, firstKey: unknown): Record<string, unknown> {
    const mapping: Record<string, unknown> = {};
    let key = firstKey;
    for (;;) {
      this.pos++; // the ':'
      setEntry(mapping, key, this.mappingValue(indent));
      this.skipSpace();
      if (this.pos >= this.text.length || this.atDocumentMarker('---') || this.atDocumentMarker('...')) return mapping;
      const column = this.column();
      if (column < indent) return mapping;
      if (column > indent) this.fail('bad indentation of a mapping entry');
      if (this.peek() === '?' && this.isBlank(1)) this.fail('explicit keys (?) are not supported');
      if (this.peek() === '-' && this.isBlank(1)) this.fail('a sequence entry where a mapping key was expected');
      key = this.mappingKey();
    }
  }

  /** A key of a block mapping, on one line, followed by `:` (not consumed). */
  private mappingKey(): unknown {
    let tagged = false;
    while (this.peek() === '!' || this.peek() === '&') {
      if (this.peek() === '&') this.fail('anchors on keys are not supported');
      this.word(0);
      tagged = true;
      this.skipInline();
    }
    const char = this.peek();
    let key: unknown;
    if (char === '"' || char === "'") key = char === '"' ? this.doubleQuoted() : this.singleQuoted();
    else if (char === '*') key = this.alias();
    else if (char === '[' || char === '{') this.fail('collections as keys are not supported');
    else {
      const plain = this.plainScalar(Number.MAX_SAFE_INTEGER, false);
      key = tagged ? plain.text : this.resolvePlain(plain.text);
    }
    this.skipInline();
    if (this.peek() !== ':') this.fail('expected ":" after a mapping key');
    return key;
  }

  /** What follows a key's `:` in a block mapping at `indent`. */
  private mappingValue(indent: number): unknown {
    this.skipInline();
    if (this.atLineEnd()) return this.blockNode(indent, true);
    if (this.peek() === '-' && this.isBlank(1)) this.fail('a sequence cannot start on the line of its key');
    return this.withProperties(indent, true, (tagged) => this.blockContent(indent, tagged, false));
  }

  /** A block sequence whose `-` entries stand at `indent`. */
  private blockSequence(indent: number): unknown[] {
    const items: unknown[] = [];
    for (;;) {
      this.pos++; // the '-'
      this.skipInline();
      // `- ` then content on the same line: a node at that column (a compact mapping or sequence included).
      items.push(this.atLineEnd() ? this.blockNode(indent, false) : this.withProperties(indent, false, (tagged) => {
        if (this.peek() === '-' && this.isBlank(1)) return this.blockSequence(this.column());
        return this.blockContent(indent, tagged, true);
      }));
      this.skipSpace();
      if (this.pos >= this.text.length || this.atDocumentMarker('---') || this.atDocumentMarker('...')) return items;
      const column = this.column();
      if (column < indent) return items;
      if (column > indent || !(this.peek() === '-' && this.isBlank(1))) {
        if (column === indent) return items; // a mapping key after a sequence that was its value
        this.fail('bad indentation of a sequence entry');
      }
    }
  }

  private alias(): unknown {
    const name = this.word(1);
    if (!this.anchors.has(name)) this.fail(`unknown alias *${name}`);
    if (++this.aliases > MAX_ALIASES) this.fail(`more than ${MAX_ALIASES} aliases`);
    const value = this.anchors.get(name);
    this.aliased += this.sizeOf(value);
    if (this.aliased > MAX_ALIASED_VALUES) this.fail(`aliases standing for more than ${MAX_ALIASED_VALUES} values`);
    return value;
  }

  /** How many values `value` holds, itself included, each shared one as often as it is used. */
  private sizeOf(value: unknown): number {
    if (typeof value !== 'object' || value === null) return 1;
    let size = this.sizes.get(value);
    if (size === undefined) {
      size = 1;
      for (const item of Object.values(value)) size += this.sizeOf(item);
      this.sizes.set(value, size);
    }
    return size;
  }

  // ------------------------------------------------------------ scalars

  /**
   * A plain scalar. In block context it may go on over more-indented lines
   * (folded with spaces; empty lines are line breaks); it ends before `: `,
   * ` #` and, in flow context, before `,[]{}`.
   */
  private plainScalar(parent: number, flow: boolean): { text: string; multiline: boolean } {
    let text = this.plainLine(flow);
    let multiline = false;
    for (;;) {
      const save = this.pos;
      let breaks = 0;
      while (this.peek() === ' ' || this.peek() === '\t' || this.peek() === '\r' || this.peek() === '\n') {
        if (this.peek() === '\n') breaks++;
        this.pos++;
      }
      if (breaks === 0 || this.pos >= this.text.length || this.peek() === '#' || this.atDocumentMarker('---') || this.atDocumentMarker('...')) {
        this.pos = save;
        break;
      }
      const column = this.column();
      if ((!flow && column <= parent) || (flow && /[,\]}]/.test(this.peek()))) {
        this.pos = save;
        break;
      }
      if (!flow && this.peek() === '-' && this.isBlank(1) && column <= parent + 1) {
        this.pos = save;
        break;
      }
      const line = this.plainLine(flow);
      if (line === '') {
        this.pos = save;
        break;
      }
      text += breaks > 1 ? '\n'.repeat(breaks - 1) + line : ` ${line}`;
      multiline = true;
      if (this.peek() === ':' && this.isBlank(1)) this.fail('a key must be on one line');
    }
    return { text, multiline };
  }

  /** One line of a plain scalar, trailing blanks left out. */
  private plainLine(flow: boolean): string {
    const start = this.pos;
    let end = start;
    for (;;) {
      const char = this.peek();
      if (char === '' || char === '\n' || char === '\r') break;
      if (char === ':' && (this.isBlank(1) || (flow && /[,[\]{}]/.test(this.peek(1))))) break;
      if (char === '#' && this.pos > start && /[ \t]/.test(this.text.charAt(this.pos - 1))) break;
      if (flow && /[,[\]{}]/.test(char)) break;
      this.pos++;
      if (char !== ' ' && char !== '\t') end = this.pos;
    }
    this.pos = end;
    return this.text.slice(start, end);
  }

  /** Folds the line breaks of a quoted scalar: one break is a space, n breaks are n-1 line feeds. */
  private foldQuoted(): string {
    let breaks = 0;
    while (this.peek() === ' ' || this.peek() === '\t' || this.peek() === '\n' || this.peek() === '\r') {
      if (this.peek() === '\n') breaks++;
      this.pos++;
    }
    if (this.pos >= this.text.length) this.fail('unterminated quoted scalar');
    return breaks === 1 ? ' ' : '\n'.repeat(breaks - 1);
  }

  private singleQuoted(): string {
    this.pos++;
    let text = '';
    for (;;) {
      const char = this.peek();
      if (char === '') this.fail('unterminated quoted scalar');
      if (char === "'") {
        if (this.peek(1) !== "'") break;
        text += "'";
        this.pos += 2;
      } else if (char === '\n' || char === '\r' || ((char === ' ' || char === '\t') && this.breakFollows())) {
        text = text.replace(/[ \t]+$/, '') + this.foldQuoted();
      } else {
        text += char;
        this.pos++;
      }
    }
    this.pos++;
    return text;
  }

  /** Whether only blanks stand between `pos` and the next line break. */
  private breakFollows(): boolean {
    let at = this.pos;
    while (this.text.charAt(at) === ' ' || this.text.charAt(at) === '\t') at++;
    const char = this.text.charAt(at);
    return char === '\n' || char === '\r';
  }

  private doubleQuoted(): string {
    this.pos++;
    let text = '';
    for (;;) {
      const char = this.peek();
      if (char === '') this.fail('unterminated quoted scalar');
      if (char === '"') break;
      if (char === '\\') {
        const escape = this.peek(1);
        this.pos += 2;
        if (escape === '\n' || escape === '\r') {
          // An escaped line break joins the lines without a space.
          if (escape === '\r' && this.peek() === '\n') this.pos++;
          while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
        } else if (escape in HEX_LENGTH) {
          const length = HEX_LENGTH[escape] as number;
          const hex = this.text.slice(this.pos, this.pos + length);
          if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== length) this.fail(`bad escape \\${escape}${hex}`);
          text += String.fromCodePoint(Number.parseInt(hex, 16));
          this.pos += length;
        } else if (escape in ESCAPES) text += ESCAPES[escape];
        else this.fail(`unknown escape \\${escape}`);
      } else if (char === '\n' || char === '\r' || ((char === ' ' || char === '\t') && this.breakFollows())) {
        text += this.foldQuoted();
      } else {
        text += char;
        this.pos++;
      }
    }
    this.pos++;
    return text;
  }

  /** `|` (literal) or `>` (folded), with chomping (`-`, `+`) and indentation indicators. */
  private blockScalar(parent: number): string {
    const folded = this.peek() === '>';
    this.pos++;
    let chomping: '-' | '+' | '' = '';
    let explicit = 0;
    for (let i = 0; i < 2; i++) {
      const char = this.peek();
      if ((char === '-' || char === '+') && chomping === '') {
        chomping = char;
        this.pos++;
      } else if (/[1-9]/.test(char) && explicit === 0) {
        explicit = Number(char);
        this.pos++;
      }
    }
    this.skipInline();
    if (!this.atLineEnd()) this.fail('unexpected text after a block scalar indicator');
    if (this.peek() === '\r') this.pos++;
    if (this.peek() === '\n') this.pos++;
    let indent = explicit > 0 ? Math.max(parent, 0) + explicit : 0;
    const lines: string[] = [];
    for (;;) {
      if (this.pos >= this.text.length) break;
      const end = this.text.indexOf('\n', this.pos);
      const lineEnd = end === -1 ? this.text.length : end;
      const line = this.text.slice(this.pos, lineEnd).replace(/\r$/, '');
      const leading = /^ */.exec(line)?.[0].length ?? 0;
      if (leading === line.length) {
        // An empty (or all-space) line belongs to the scalar whatever its indentation.
        lines.push(line.slice(Math.min(indent || leading, leading)));
      } else {
        if (indent === 0) {
          if (leading <= parent) break;
          indent = leading;
        }
        if (leading < indent) break;
        if (this.column() === 0 && (line.startsWith('---') || line.startsWith('...')) && /^(?:---|\.\.\.)(?:\s|$)/.test(line)) break;
        lines.push(line.slice(indent));
      }
      this.pos = end === -1 ? this.text.length : end + 1;
    }
    // Trailing empty lines are the chomping's business.
    let last = lines.length;
    while (last > 0 && (lines[last - 1] as string).trim() === '') last--;
    const body = lines.slice(0, last);
    const trailing = lines.length - last;
    let text = folded ? foldLines(body) : body.join('\n');
    if (body.length > 0 || chomping === '+') {
      if (chomping === '+') text += '\n'.repeat(trailing + (body.length > 0 ? 1 : 0));
      else if (chomping === '' && body.length > 0) text += '\n';
    }
    // Leave the position at the line break before the next content, as other scalars do.
    if (this.pos > 0 && this.text.charAt(this.pos - 1) === '\n') this.pos--;
    return text;
  }

  // ------------------------------------------------------------ flow collections

  private flowCollection(): unknown {
    const sequence = this.peek() === '[';
    const close = sequence ? ']' : '}';
    this.pos++;
    const items: unknown[] = [];
    const mapping: Record<string, unknown> = {};
    for (;;) {
      this.skipSpace();
      if (this.peek() === close) break;
      if (this.pos >= this.text.length) this.fail(`unterminated flow collection (expected "${close}")`);
      const key = this.flowNode();
      this.skipSpace();
      let value: unknown;
      let pair = false;
      if (this.peek() === ':') {
        this.pos++;
        this.skipSpace();
        value = this.peek() === ',' || this.peek() === close ? this.resolvePlain('') : this.flowNode();
        this.skipSpace();
        pair = true;
      }
      if (sequence) items.push(pair ? setEntry({}, key, value) : key);
      else setEntry(mapping, key, pair ? value : this.resolvePlain(''));
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== close) this.fail(`expected "," or "${close}" in a flow collection`);
    }
    this.pos++;
    return sequence ? items : mapping;
  }

  private flowNode(): unknown {
    let anchor: string | undefined;
    let tagged = false;
    for (;;) {
      if (this.peek() === '&') anchor = this.word(1);
      else if (this.peek() === '!') {
        this.word(0);
        tagged = true;
      } else break;
      this.skipSpace();
    }
    const char = this.peek();
    let value: unknown;
    if (char === '[' || char === '{') value = this.flowCollection();
    else if (char === '"') value = this.doubleQuoted();
    else if (char === "'") value = this.singleQuoted();
    else if (char === '*') value = this.alias();
    else {
      const plain = this.plainScalar(-1, true);
      value = tagged ? plain.text : this.resolvePlain(plain.text);
    }
    if (anchor !== undefined) this.anchors.set(anchor, value);
    return value;
  }
}

/** Folded block scalar lines: a line break between two text lines is a space; empty and more-indented lines keep theirs. */
function foldLines(lines: string[]): string {
  let text = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (i > 0) {
      const previous = lines[i - 1] as string;
      const keepsBreak = line === '' || previous === '' || /^[ \t]/.test(line) || /^[ \t]/.test(previous);
      text += keepsBreak ? '\n' : ' ';
    }
    text += line;
  }
  // `a\n\nb` folds to `a\nb`: an empty line between text lines stands for one line feed, not two.
  return text.replace(/([^\n ])\n\n(?=[^\n \t])/g, '$1\n');
}

/** Sets a key the way the Node build does (keys become strings), without touching the prototype for `__proto__`. */
function setEntry(target: Record<string, unknown>, key: unknown, value: unknown): Record<string, unknown> {
  const name = key === null ? '' : typeof key === 'object' ? JSON.stringify(key) : String(key);
  Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
  return target;
}
