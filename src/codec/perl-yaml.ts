/**
 * YAML for the `PAGECAMELCLACKSYAMLB64:` encoding, as Perl's YAML::Syck
 * writes and reads it.
 *
 * Writing mimics `YAML::Syck::Dump`: a `--- ` document start, block style,
 * two-space indentation, `key: ` / `- ` followed by a nested block on the
 * next line, `[]` and `{}` for empty collections, `~` for undef. A string is
 * written plain only when no YAML 1.0/1.1/1.2 reader could take it for
 * anything but that string; otherwise it is double-quoted with the escapes
 * Syck understands (`\n`, `\t`, `\xHH`…, never `\u`, which Syck does not
 * decode). So `{ a: 1, list: [1, 2] }` comes out byte for byte as Syck would
 * write it (transcript 06).
 *
 * Reading goes through the platform: the `yaml` package under Node
 * (yaml-package.ts), a compact reader in the browser build (yaml-reader.ts);
 * either way every scalar starts as a string and plain scalars are resolved
 * here, so the result does not depend on YAML 1.1 surprises such as
 * `2001-12-14` becoming a Date.
 * @module
 */
import { platform } from '#platform';
import { ValidationError } from '../errors.js';

/** How plain (unquoted) YAML scalars are read. */
export type YamlScalars = 'typed' | 'strings';

/** Longest key YAML allows as an implicit `key: value` key. */
const MAX_KEY_LENGTH = 1024;

// Characters that may not start a plain scalar: YAML indicators, quotes,
// whitespace, and `.`/digits/signs (numbers, `...`, `.inf`).
const PLAIN_FIRST = /^[^\s\-?:,[\]{}#&*!|>'"%@`.+0-9~=<]/u;
// Characters allowed anywhere in a plain scalar: printable, no line
// separators (U+0085, U+2028, U+2029), no BOM.
const PLAIN_BODY = /^[^\p{Cc}\u2028\u2029\uFEFF]*$/u;
// Words some YAML reader (1.1, 1.2, or Syck with ImplicitTyping) resolves to
// a boolean, null or a float; Syck itself quotes these.
const RESERVED_WORD =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|inf|Inf|INF|nan|NaN|NAN)$/;

const ESCAPES: Record<string, string> = {
  '\0': '\\0', '\x07': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r', '\x1b': '\\e', '"': '\\"', '\\': '\\\\',
};

/** A string as a YAML scalar: plain when unambiguous, else double-quoted. */
function stringScalar(text: string): string {
  const plain =
    PLAIN_FIRST.test(text) &&
    PLAIN_BODY.test(text) &&
    !RESERVED_WORD.test(text) &&
    !text.endsWith(' ') &&
    !text.endsWith(':') &&
    !text.includes(': ') &&
    !text.includes(' #');
  if (plain) return text;
  // C0 controls and DEL as escapes; everything else (UTF-8 included) as is.
  return `"${text.replace(/[\0-\x1f\x7f"\\]/g, (char) => ESCAPES[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

/** Where in the value we are, for error messages: `value.list[2].name`. */
function describePath(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

class SyckWriter {
  /** The containers being written, to refuse cycles (repeated, acyclic references are written out twice). */
  private readonly ancestors = new Set<object>();

  document(value: object): string {
    return `---${this.child(value, 0, 'value')}`;
  }

  /** What follows `---`, `key:` or `-`: ` scalar\n`, ` []\n`, or ` \n` and an indented block. */
  private child(value: unknown, indent: number, path: string): string {
    if (typeof value === 'object' && value !== null) {
      if (Array.isArray(value)) return value.length === 0 ? ' []\n' : ` \n${this.sequence(value, indent, path)}`;
      if (!isPlainObject(value)) throw new ValidationError('value', `${path} is a ${value.constructor?.name ?? 'non-plain object'}; only plain objects, arrays, strings, numbers, booleans and null can be stored`);
      return Object.values(value).every((entry) => entry === undefined) ? ' {}\n' : ` \n${this.mapping(value, indent, path)}`;
    }
    return ` ${this.scalar(value, path)}\n`;
  }

  private sequence(items: unknown[], indent: number, path: string): string {
    this.enter(items, path);
    let text = '';
    // Like JSON: an undefined (or missing) item is written as null.
    for (let index = 0; index < items.length; index++) {
      text += `${' '.repeat(indent)}-${this.child(items[index] ?? null, indent + 2, describePath(path, index))}`;
    }
    this.ancestors.delete(items);
    return text;
  }

  private mapping(entries: Record<string, unknown>, indent: number, path: string): string {
    this.enter(entries, path);
    let text = '';
    for (const [key, entry] of Object.entries(entries)) {
      // Like JSON: a property whose value is undefined is left out.
      if (entry === undefined) continue;
      const keyPath = describePath(path, key);
      if (key.length > MAX_KEY_LENGTH) throw new ValidationError('value', `${keyPath}: keys longer than ${MAX_KEY_LENGTH} characters cannot be written as YAML`);
      text += `${' '.repeat(indent)}${stringScalar(key)}:${this.child(entry, indent + 2, keyPath)}`;
    }
    this.ancestors.delete(entries);
    return text;
  }

  private enter(container: object, path: string): void {
    if (this.ancestors.has(container)) throw new ValidationError('value', `${path} refers back to itself (a cycle)`);
    this.ancestors.add(container);
  }

  private scalar(value: unknown, path: string): string {
    switch (typeof value) {
      case 'string':
        return stringScalar(value);
      case 'number':
        if (!Number.isFinite(value)) throw new ValidationError('value', `${path} is ${value}; only finite numbers can be stored`);
        return String(value);
      case 'bigint':
        return value.toString();
      case 'boolean':
        return value ? 'true' : 'false';
      case 'object': // null
        return '~';
      default:
        throw new ValidationError('value', `${path} is a ${typeof value}, which cannot be stored`);
    }
  }
}

/**
 * Writes a plain object or array as a YAML document in YAML::Syck's style.
 * The result always ends in a line feed; base64 it before it goes on the wire.
 * @throws {ValidationError} for cycles, non-plain objects, functions,
 *   symbols, non-finite numbers and keys over 1024 characters.
 */
export function dumpPerlYaml(value: object): string {
  return new SyckWriter().document(value);
}

const INTEGER = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(?:\.[0-9]*)?[eE][-+]?[0-9]+|\.[0-9]+[eE][-+]?[0-9]+)$/;

/** The value of a plain scalar: `~` and empty are null; in `typed` mode also numbers, booleans, `null`. */
function resolvePlain(text: string, scalars: YamlScalars): unknown {
  if (text === '' || text === '~') return null;
  if (scalars === 'strings') return text;
  if (INTEGER.test(text)) {
    const number = Number(text);
    // Past 2^53 a JS number would silently change the digits: keep the text.
    return Number.isSafeInteger(number) ? number : text;
  }
  if (FLOAT.test(text)) return Number(text);
  if (/^(?:true|True|TRUE)$/.test(text)) return true;
  if (/^(?:false|False|FALSE)$/.test(text)) return false;
  if (/^(?:null|Null|NULL)$/.test(text)) return null;
  return text;
}

/**
 * Reads a YAML document (as YAML::Syck and {@link dumpPerlYaml} write them).
 * Quoted scalars are always strings. Plain scalars: `~` and empty are null;
 * with `scalars: 'strings'` everything else is a string, exactly what Perl's
 * `YAML::Syck::Load` returns by default; with `'typed'` decimal integers
 * (up to 2^53), decimal floats and `true`/`false`/`null` become JS values.
 * Tags (`!!perl/hash:Class`…) are ignored; anchors and aliases are resolved.
 * @throws {CodecError} when the text is not valid YAML.
 */
export function loadPerlYaml(text: string, scalars: YamlScalars = 'typed'): unknown {
  return platform.loadYaml(text, (plain) => resolvePlain(plain, scalars));
}
