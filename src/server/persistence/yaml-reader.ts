/**
 * The general reader for YAML that is not in Syck's own layout: a JSON
 * object between the V3 markers (YAML::Syck loads those too, transcript 12
 * L13), hand-edited files, and the documents inside legacy files. It reads
 * YAML the way YAML::Syck does for the reference: every scalar a string
 * (failsafe schema), bytes untouched, Syck's own double-quote escapes.
 *
 * The `yaml` package reads Unicode text and treats C1 control characters
 * (0x80-0x9F) as unprintable or as line breaks (0x85), so bytes from 0x80 up
 * are moved to a private-use range while it parses and moved back after.
 * @module
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { PersistenceFormatError } from './raw-entry.js';
import { decodeDoubleQuoted } from './yaml-quoted.js';

/** What a YAML document can hold: strings, `undefined` for a null, arrays and maps. */
export type YamlValue = string | undefined | YamlValue[] | Map<string, YamlValue>;

const BYTE_SHIFT = 0xf700;

const hideHighBytes = (text: string): string => text.replace(/[\x80-\xff]/g, (char) => String.fromCharCode(char.charCodeAt(0) + BYTE_SHIFT));
const restoreHighBytes = (text: string): string => text.replace(/[\uf780-\uf7ff]/g, (char) => String.fromCharCode(char.charCodeAt(0) - BYTE_SHIFT));

/** Parses one YAML document (latin1 text) into strings, lists and maps; throws PersistenceFormatError. */
export function readYaml(text: string): YamlValue {
  const doc = parseDocument(hideHighBytes(text), { schema: 'failsafe', keepSourceTokens: true, uniqueKeys: false, strict: false });
  const error = doc.errors[0];
  if (error !== undefined) throw new PersistenceFormatError(`invalid YAML: ${restoreHighBytes(error.message.split('\n')[0] ?? '')}`);
  return convert(doc.contents as YamlNode | null, doc, 0);
}

function convert(node: YamlNode | null, doc: Document, depth: number): YamlValue {
  if (depth > 64) throw new PersistenceFormatError('YAML nested too deeply');
  if (node === null) return undefined;
  if (isAlias(node)) return convert(node.resolve(doc) ?? null, doc, depth + 1);
  if (isScalar(node)) return scalarValue(node);
  if (isSeq(node)) return node.items.map((item) => convert(item as YamlNode | null, doc, depth + 1));
  if (isMap(node)) {
    const map = new Map<string, YamlValue>();
    for (const pair of node.items) {
      const key = convert(pair.key as YamlNode | null, doc, depth + 1);
      if (typeof key !== 'string' && key !== undefined) throw new PersistenceFormatError('a mapping key that is not a string');
      // As a Perl hash: a later duplicate wins; an undef key is the empty string.
      map.set(key ?? '', convert(pair.value as YamlNode | null, doc, depth + 1));
    }
    return map;
  }
  throw new PersistenceFormatError('an unexpected YAML node');
}

function scalarValue(node: import('yaml').Scalar): string | undefined {
  if (node.type === 'QUOTE_DOUBLE') {
    const source = (node.srcToken as { source?: string } | undefined)?.source;
    if (typeof source === 'string') return restoreHighBytes(decodeDoubleQuoted(source));
  }
  const value = String(node.value);
  // Syck: only a plain `~` (or an empty plain scalar) is undef.
  if (node.type === 'PLAIN' && (value === '~' || value === '')) return undefined;
  return restoreHighBytes(value);
}
