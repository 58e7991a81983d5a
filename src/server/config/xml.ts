/**
 * The reference server's XML config as XML::Simple hands it to the server:
 * the root element's name does not matter, an element holding only text is
 * a string, one with child elements (or attributes, which XML::Simple
 * treats like child elements) is a mapping, and every name may occur more
 * than once (whether that is allowed is the schema's business, schema.ts).
 * Parsing is fast-xml-parser's; malformed XML is reported with its line
 * and column.
 * @module
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ClacksError } from '../../errors.js';

/** An element: its text, or its children (attributes included) by name, in order of appearance. */
export type XmlNode = string | XmlElement;
export type XmlElement = Map<string, XmlNode[]>;

/** A config file that cannot be used, with where and why. */
export class ConfigError extends ClacksError {
  static override readonly kind: string = 'ConfigError';

  constructor(message: string) {
    super('CONFIG_ERROR', message);
  }
}

const ATTRIBUTE = '@_';
const TEXT = '#text';

const parser = new XMLParser({
  isArray: () => true,
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE,
  textNodeName: TEXT,
  parseTagValue: false,
  parseAttributeValue: false,
  // XML::Simple keeps the text of an element as it is.
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Parses `text` (from `file`, for messages) into the root element. */
export function parseXml(text: string, file: string): XmlElement {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new ConfigError(`${file}:${valid.err.line}:${valid.err.col}: malformed XML: ${valid.err.msg}`);
  const document = parser.parse(text) as Record<string, unknown[]>;
  const roots = Object.keys(document);
  if (roots.length !== 1 || (document[roots[0] as string] as unknown[]).length !== 1) {
    throw new ConfigError(`${file}: malformed XML: ${roots.length === 0 ? 'no root element' : 'more than one root element'}`);
  }
  const root = convert((document[roots[0] as string] as unknown[])[0]);
  return typeof root === 'string' ? new Map() : root;
}

function convert(value: unknown): XmlNode {
  if (typeof value === 'string') return value;
  const element: XmlElement = new Map();
  const object = value as Record<string, unknown>;
  for (const [key, children] of Object.entries(object)) {
    if (key === TEXT) continue;
    const name = key.startsWith(ATTRIBUTE) ? key.slice(ATTRIBUTE.length) : key;
    const list = element.get(name) ?? [];
    for (const child of children as unknown[]) list.push(convert(child));
    element.set(name, list);
  }
  // Text beside child elements: XML::Simple keeps it as `content`; nothing in the schema uses that.
  const text = object[TEXT];
  if (element.size === 0) return typeof text === 'string' ? text : '';
  return element;
}
