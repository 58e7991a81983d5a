/**
 * YAML reading with the `yaml` package (the Node build): the failsafe
 * schema, so every scalar starts as a string, then plain scalars resolved by
 * the caller, so the result does not depend on YAML 1.1 surprises such as
 * `2001-12-14` becoming a Date.
 * @module
 */
import { parseDocument, visit } from 'yaml';
import { CodecError } from '../errors.js';

/** Parses `text`; plain, untagged scalars become `resolvePlain(text)`. See `Platform.loadYaml`. */
export function loadYamlWithPackage(text: string, resolvePlain: (text: string) => unknown): unknown {
  const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: false });
  if (doc.errors.length > 0) throw new CodecError(`invalid YAML: ${doc.errors[0]?.message ?? 'parse error'}`, { cause: doc.errors[0] });
  visit(doc, {
    Scalar(_key, node) {
      if (node.type === 'PLAIN' && !node.tag && typeof node.value === 'string') node.value = resolvePlain(node.value);
    },
  });
  try {
    return doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    throw new CodecError('YAML could not be turned into a value', { cause: error });
  }
}
