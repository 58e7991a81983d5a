/**
 * The server-to-client vocabulary: typed records for every line a server
 * sends (PROTOCOL.md, "Lines, server to client"), their encoding (used by the
 * embedded server) and their parser (used by the client).
 * @module
 */

/** A line a server sends to a client. */
export type ServerLine =
  /** `CLACKS <server identification>`: the greeting, first line. */
  | { type: 'greeting'; serverInfo: string }
  | { type: 'set'; name: string; value: string }
  | { type: 'notify'; name: string }
  | { type: 'retrieved'; name: string; value: string }
  | { type: 'notretrieved'; name: string }
  | { type: 'keyliststart' }
  | { type: 'key'; name: string }
  | { type: 'keylistend' }
  | { type: 'clientliststart' }
  /** One `CLIENT k=v;k=v;…;` entry; `fields` keeps every field in order. */
  | { type: 'client'; fields: Record<string, string> }
  | { type: 'clientlistend' }
  | { type: 'flushed'; id: string }
  /** `DEBUG sender=text`: monitor output. */
  | { type: 'debug'; sender: string; text: string }
  /** `OVERHEAD flags value`: auth results (O, F), errors (E), messages (M, G…). */
  | { type: 'overhead'; flags: string; value: string }
  | { type: 'nop' }
  | { type: 'timeout' }
  | { type: 'quit' }
  | { type: 'ping' }
  /** A line this vocabulary does not know. */
  | { type: 'unknown'; line: string };

/** The `type` of a {@link ServerLine}. */
export type ServerLineType = ServerLine['type'];

/** Encodes a record as one wire line, CRLF included. */
export function encodeServerLine(line: ServerLine): string {
  switch (line.type) {
    case 'greeting':
      return `CLACKS ${line.serverInfo}\r\n`;
    case 'set':
      return `SET ${line.name}=${line.value}\r\n`;
    case 'notify':
      return `NOTIFY ${line.name}\r\n`;
    case 'retrieved':
      return `RETRIEVED ${line.name}=${line.value}\r\n`;
    case 'notretrieved':
      return `NOTRETRIEVED ${line.name}\r\n`;
    case 'keyliststart':
      return 'KEYLISTSTART\r\n';
    case 'key':
      return `KEY ${line.name}\r\n`;
    case 'keylistend':
      return 'KEYLISTEND\r\n';
    case 'clientliststart':
      return 'CLIENTLISTSTART\r\n';
    case 'client': {
      let text = 'CLIENT ';
      for (const key of Object.keys(line.fields)) text += `${key}=${line.fields[key]};`;
      return `${text}\r\n`;
    }
    case 'clientlistend':
      return 'CLIENTLISTEND\r\n';
    case 'flushed':
      return `FLUSHED ${line.id}\r\n`;
    case 'debug':
      return `DEBUG ${line.sender}=${line.text}\r\n`;
    case 'overhead':
      return `OVERHEAD ${line.flags} ${line.value}\r\n`;
    case 'nop':
      return 'NOP\r\n';
    // The reference writes these two with a leading CRLF, ending any partial line.
    case 'timeout':
      return '\r\nTIMEOUT\r\n';
    case 'quit':
      return '\r\nQUIT\r\n';
    case 'ping':
      return 'PING\r\n';
    case 'unknown':
      return `${line.line}\r\n`;
  }
}

/** `name=value` split at the first `=`; a line without one keeps everything as the name. */
function splitPair(rest: string): [string, string] {
  const eq = rest.indexOf('=');
  return eq === -1 ? [rest, ''] : [rest.slice(0, eq), rest.slice(eq + 1)];
}

/** Parses `k=v;k=v;…;` as the server writes CLIENT entries. */
export function parseClientFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const part of text.split(';')) {
    if (part === '') continue;
    const [key, value] = splitPair(part);
    fields[key] = value;
  }
  return fields;
}

/**
 * Parses one line (CR already removed, not empty). Never throws: lines it
 * does not know are `unknown`. Checks the first character before comparing
 * words, since SET and NOTIFY events are the hot path.
 */
export function parseServerLine(line: string): ServerLine {
  let pair: [string, string];
  switch (line.charCodeAt(0)) {
    case 0x53: // S
      if (line.startsWith('SET ')) {
        // The hot path (every event): no intermediate pair.
        const eq = line.indexOf('=', 4);
        return eq === -1 ? { type: 'set', name: line.slice(4), value: '' } : { type: 'set', name: line.slice(4, eq), value: line.slice(eq + 1) };
      }
      break;
    case 0x4e: // N
      if (line.startsWith('NOTIFY ')) return { type: 'notify', name: line.slice(7) };
      if (line.startsWith('NOTRETRIEVED ')) return { type: 'notretrieved', name: line.slice(13) };
      if (line === 'NOP') return { type: 'nop' };
      break;
    case 0x52: // R
      if (line.startsWith('RETRIEVED ')) {
        // The hot path of reads: no intermediate pair.
        const eq = line.indexOf('=', 10);
        return eq === -1 ? { type: 'retrieved', name: line.slice(10), value: '' } : { type: 'retrieved', name: line.slice(10, eq), value: line.slice(eq + 1) };
      }
      break;
    case 0x4b: // K
      if (line.startsWith('KEY ')) return { type: 'key', name: line.slice(4) };
      if (line === 'KEYLISTSTART') return { type: 'keyliststart' };
      if (line === 'KEYLISTEND') return { type: 'keylistend' };
      break;
    case 0x43: // C
      if (line.startsWith('CLIENT ')) return { type: 'client', fields: parseClientFields(line.slice(7)) };
      if (line.startsWith('CLACKS ')) return { type: 'greeting', serverInfo: line.slice(7) };
      if (line === 'CLIENTLISTSTART') return { type: 'clientliststart' };
      if (line === 'CLIENTLISTEND') return { type: 'clientlistend' };
      break;
    case 0x46: // F
      if (line.startsWith('FLUSHED ')) return { type: 'flushed', id: line.slice(8) };
      break;
    case 0x44: // D
      if (line.startsWith('DEBUG ')) {
        pair = splitPair(line.slice(6));
        return { type: 'debug', sender: pair[0], text: pair[1] };
      }
      break;
    case 0x4f: // O
      if (line.startsWith('OVERHEAD ')) {
        const rest = line.slice(9);
        const space = rest.indexOf(' ');
        return space === -1
          ? { type: 'overhead', flags: rest, value: '' }
          : { type: 'overhead', flags: rest.slice(0, space), value: rest.slice(space + 1) };
      }
      break;
    case 0x54: // T
      if (line === 'TIMEOUT') return { type: 'timeout' };
      break;
    case 0x51: // Q
      if (line === 'QUIT') return { type: 'quit' };
      break;
    case 0x50: // P
      if (line === 'PING') return { type: 'ping' };
      break;
  }
  return { type: 'unknown', line };
}
