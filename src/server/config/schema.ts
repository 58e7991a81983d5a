/**
 * Every key the reference server reads from its config (PROTOCOL.md, "The
 * configuration file"), with the shape of its value, and the decoding of a
 * parsed XML tree against it: repeated keys only where the reference takes
 * lists (`ip`, `socket`, `user`, `item`), numbers checked, `read`/`write`/
 * `manage` by Perl's truthiness, unknown keys reported with a suggestion.
 * @module
 */
import { ConfigError, type XmlElement, type XmlNode } from './xml.js';

/** A user entry of the config. */
export interface ConfigUser {
  username?: string;
  password?: string;
  read?: boolean;
  write?: boolean;
  manage?: boolean;
}

/** The settings one config (or one `hosts/<hostname>` block) holds; times in seconds, as written. */
export interface ConfigValues {
  appname?: string;
  ip?: string[];
  port?: number;
  socket?: string[];
  socketchmod?: string;
  socketcommands?: { item?: unknown[] };
  ssl?: { cert?: string; key?: string };
  username?: string;
  password?: string;
  user?: ConfigUser[];
  persistancefile?: string;
  persistanceinterval?: number;
  authtimeout?: number;
  pingtimeout?: number;
  interclackspingtimeout?: number;
  interclacksreconnecttimeout?: number;
  readfailtimeout?: number;
  interclacksreadfailtimeout?: number;
  stalledwritetimeout?: number;
  interclacksstalledwritetimeout?: number;
  deletedcachetime?: number;
  stalecachetime?: number;
  cachecleaninterval?: number;
  throttle?: { maxsleep?: number; step?: number };
  /** `ca` and `insecure` are ours (the reference never verifies its master's certificate, and ignores them). */
  master?: { ip?: string[]; port?: number; socket?: string[]; ca?: string; insecure?: boolean };
  debugfile?: string;
  hosts?: Record<string, ConfigValues>;
}

type Kind = 'text' | 'number' | 'flag' | 'texts' | 'any' | 'hosts' | { fields: Schema; repeated?: true };
type Schema = Record<string, Kind>;

const USER: Schema = { username: 'text', password: 'text', read: 'flag', write: 'flag', manage: 'flag' };
const ROOT: Schema = {
  appname: 'text',
  ip: 'texts',
  port: 'number',
  socket: 'texts',
  socketchmod: 'text',
  socketcommands: { fields: { item: 'any' } },
  ssl: { fields: { cert: 'text', key: 'text' } },
  username: 'text',
  password: 'text',
  user: { fields: USER, repeated: true },
  persistancefile: 'text',
  persistanceinterval: 'number',
  authtimeout: 'number',
  pingtimeout: 'number',
  interclackspingtimeout: 'number',
  interclacksreconnecttimeout: 'number',
  readfailtimeout: 'number',
  interclacksreadfailtimeout: 'number',
  stalledwritetimeout: 'number',
  interclacksstalledwritetimeout: 'number',
  deletedcachetime: 'number',
  stalecachetime: 'number',
  cachecleaninterval: 'number',
  throttle: { fields: { maxsleep: 'number', step: 'number' } },
  master: { fields: { ip: 'texts', port: 'number', socket: 'texts', ca: 'text', insecure: 'flag' } },
  debugfile: 'text',
  hosts: 'hosts',
};

/** Decodes the root element; problems that make the config unusable throw ConfigError, others go to `warnings`. */
export function decodeConfig(root: XmlElement, file: string, warnings: string[]): ConfigValues {
  return decodeElement(root, ROOT, '', { file, warnings }) as ConfigValues;
}

interface Context {
  file: string;
  warnings: string[];
}

function decodeElement(element: XmlElement, schema: Schema, path: string, context: Context): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, nodes] of element) {
    const where = `${path}${name}`;
    const kind = schema[name];
    if (kind === undefined) {
      const suggestion = closest(name, Object.keys(schema));
      context.warnings.push(`${context.file}: unknown key <${where}> ignored${suggestion ? ` (did you mean <${path}${suggestion}>?)` : ''}`);
      continue;
    }
    result[name] = decodeValue(nodes, kind, where, context);
  }
  return result;
}

function decodeValue(nodes: XmlNode[], kind: Kind, where: string, context: Context): unknown {
  const fail = (message: string): never => {
    throw new ConfigError(`${context.file}: <${where}> ${message}`);
  };
  if (kind === 'texts') return nodes.map((node) => (typeof node === 'string' ? node : fail('must hold text, not elements')));
  if (kind === 'any') return nodes;
  if (typeof kind === 'object' && kind.repeated) {
    return nodes.map((node) => decodeElement(typeof node === 'string' ? emptyIfBlank(node, fail) : node, kind.fields, `${where}/`, context));
  }
  if (nodes.length > 1) fail(`appears ${nodes.length} times; it takes one value`);
  const node = nodes[0] as XmlNode;
  if (kind === 'hosts') {
    const hosts: Record<string, unknown> = {};
    for (const [hostname, blocks] of typeof node === 'string' ? emptyIfBlank(node, fail) : node) {
      if (blocks.length > 1) fail(`names the host ${hostname} ${blocks.length} times`);
      const block = blocks[0] as XmlNode;
      const { hosts: _nested, ...hostSchema } = ROOT;
      hosts[hostname] = decodeElement(typeof block === 'string' ? emptyIfBlank(block, fail) : block, hostSchema, `${where}/${hostname}/`, context);
    }
    return hosts;
  }
  if (typeof kind === 'object') return decodeElement(typeof node === 'string' ? emptyIfBlank(node, fail) : node, kind.fields, `${where}/`, context);
  if (typeof node !== 'string') return fail('must hold text, not elements');
  if (kind === 'number') {
    if (!/^\s*\d+(?:\.\d*)?\s*$/.test(node)) fail(`must be a number, got ${JSON.stringify(node)}`);
    return Number(node);
  }
  if (kind === 'flag') {
    // Perl's truthiness, as the reference reads it: only "" and "0" are false.
    const value = node !== '' && node !== '0';
    if (value && /^\s*(?:false|no|off)\s*$/i.test(node)) {
      context.warnings.push(`${context.file}: <${where}>${node}</${where.split('/').pop()}> grants the permission, as it does for the reference (only 0 or empty withholds it)`);
    }
    return value;
  }
  return node;
}

/** An element written empty (`<ssl></ssl>`) is an empty mapping; text where elements belong is an error. */
function emptyIfBlank(text: string, fail: (message: string) => never): XmlElement {
  return text.trim() === '' ? new Map() : fail('must hold elements, not text');
}

/** The known key nearest to a misspelt one (edit distance at most 3), if any. */
function closest(name: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
