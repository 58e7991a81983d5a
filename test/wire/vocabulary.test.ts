/** Encoding of every record of both vocabularies, and parse/encode symmetry. */
import { describe, expect, it } from 'vitest';
import {
  encodeClientCommand,
  encodeServerLine,
  parseClientCommand,
  parseClientFields,
  parseServerLine,
  type ClientCommand,
  type ClientCommandType,
  type ServerLine,
  type ServerLineType,
} from '../../src/wire/index.js';

/** One record of every server line type, with the exact bytes the reference writes. */
const SERVER_LINES: [ServerLine, string][] = [
  [{ type: 'greeting', serverInfo: 'PageCamel 36' }, 'CLACKS PageCamel 36\r\n'],
  [{ type: 'set', name: 'chan', value: 'a=b c' }, 'SET chan=a=b c\r\n'],
  [{ type: 'notify', name: 'a b' }, 'NOTIFY a b\r\n'],
  [{ type: 'retrieved', name: 'n4', value: '=1' }, 'RETRIEVED n4==1\r\n'],
  [{ type: 'notretrieved', name: 'greeting ' }, 'NOTRETRIEVED greeting \r\n'],
  [{ type: 'keyliststart' }, 'KEYLISTSTART\r\n'],
  [{ type: 'key', name: 'Kitchen::Sensorbox2::Temperature' }, 'KEY Kitchen::Sensorbox2::Temperature\r\n'],
  [{ type: 'keylistend' }, 'KEYLISTEND\r\n'],
  [{ type: 'clientliststart' }, 'CLIENTLISTSTART\r\n'],
  [
    { type: 'client', fields: { CID: '127.0.0.1:45654:17', HOST: '127.0.0.1', PORT: '45654:17', CLIENTINFO: 'renamed_client' } },
    'CLIENT CID=127.0.0.1:45654:17;HOST=127.0.0.1;PORT=45654:17;CLIENTINFO=renamed_client;\r\n',
  ],
  [{ type: 'clientlistend' }, 'CLIENTLISTEND\r\n'],
  [{ type: 'flushed', id: 'id with spaces' }, 'FLUSHED id with spaces\r\n'],
  [{ type: 'debug', sender: 'DISCONNECTED', text: '127.0.0.1:45640:15 (0 bytes discarded from outbuffer)' }, 'DEBUG DISCONNECTED=127.0.0.1:45640:15 (0 bytes discarded from outbuffer)\r\n'],
  [{ type: 'overhead', flags: 'E', value: 'unknown_command  PING' }, 'OVERHEAD E unknown_command  PING\r\n'],
  [{ type: 'nop' }, 'NOP\r\n'],
  [{ type: 'timeout' }, '\r\nTIMEOUT\r\n'],
  [{ type: 'quit' }, '\r\nQUIT\r\n'],
  [{ type: 'ping' }, 'PING\r\n'],
  [{ type: 'unknown', line: 'KEYSYNC 1 2 U k=v' }, 'KEYSYNC 1 2 U k=v\r\n'],
];

/** One record of every client command type, with its exact wire form. */
const CLIENT_COMMANDS: [ClientCommand, string][] = [
  [{ type: 'clacks', identification: 'refcache/36' }, 'CLACKS refcache/36\r\n'],
  [{ type: 'overhead', flags: 'A', value: 'ZXhhbXBsZXVzZXI=:dW5zYWZlcGFzc3dvcmQ=' }, 'OVERHEAD A ZXhhbXBsZXVzZXI=:dW5zYWZlcGFzc3dvcmQ=\r\n'],
  [{ type: 'notify', name: 'chan' }, 'NOTIFY chan\r\n'],
  [{ type: 'set', name: 'chan', value: '21.5' }, 'SET chan=21.5\r\n'],
  [{ type: 'setandstore', name: 'chan', value: 'stored-and-set' }, 'SETANDSTORE chan=stored-and-set\r\n'],
  [{ type: 'listen', name: 'a b' }, 'LISTEN a b\r\n'],
  [{ type: 'unlisten', name: 'chan' }, 'UNLISTEN chan\r\n'],
  [{ type: 'store', name: 'empty', value: '' }, 'STORE empty=\r\n'],
  [{ type: 'retrieve', name: 'greeting' }, 'RETRIEVE greeting\r\n'],
  [{ type: 'remove', name: 'cnt' }, 'REMOVE cnt\r\n'],
  [{ type: 'increment', name: 'cnt' }, 'INCREMENT cnt\r\n'],
  [{ type: 'increment', name: 'cnt', step: '1.5' }, 'INCREMENT cnt=1.5\r\n'],
  [{ type: 'decrement', name: 'cnt' }, 'DECREMENT cnt\r\n'],
  [{ type: 'decrement', name: 'cnt', step: '2' }, 'DECREMENT cnt=2\r\n'],
  [{ type: 'keylist' }, 'KEYLIST\r\n'],
  [{ type: 'clearcache' }, 'CLEARCACHE\r\n'],
  [{ type: 'flush', id: 'AUTO335139772108' }, 'FLUSH AUTO335139772108\r\n'],
  [{ type: 'ping' }, 'PING\r\n'],
  [{ type: 'noping' }, 'NOPING\r\n'],
  [{ type: 'monitor' }, 'MONITOR\r\n'],
  [{ type: 'unmonitor' }, 'UNMONITOR\r\n'],
  [{ type: 'clientlist' }, 'CLIENTLIST\r\n'],
  [{ type: 'clientdisconnect', cid: '127.0.0.1:45640:15' }, 'CLIENTDISCONNECT 127.0.0.1:45640:15\r\n'],
  [{ type: 'quit' }, 'QUIT\r\n'],
  [{ type: 'unknown', line: 'HELLO world' }, 'HELLO world\r\n'],
];

/** The wire line without its line endings, as the reader hands it over. */
function strip(wire: string): string {
  return wire.replace(/\r\n/g, '');
}

describe('server lines', () => {
  it('the table covers every type', () => {
    const all: Record<ServerLineType, true> = {
      greeting: true, set: true, notify: true, retrieved: true, notretrieved: true, keyliststart: true, key: true, keylistend: true,
      clientliststart: true, client: true, clientlistend: true, flushed: true, debug: true, overhead: true, nop: true, timeout: true,
      quit: true, ping: true, unknown: true,
    };
    expect(SERVER_LINES.map(([record]) => record.type).sort()).toEqual(Object.keys(all).sort());
  });

  for (const [record, wire] of SERVER_LINES) {
    it(`encodes ${record.type} as ${JSON.stringify(wire)} and parses it back`, () => {
      expect(encodeServerLine(record)).toBe(wire);
      expect(parseServerLine(strip(wire))).toEqual(record);
    });
  }

  it('parses OVERHEAD without a value as an empty value', () => {
    expect(parseServerLine('OVERHEAD M')).toEqual({ type: 'overhead', flags: 'M', value: '' });
  });

  it('parses SET and RETRIEVED at the first "=", and without one keeps the whole name', () => {
    expect(parseServerLine('SET chan=a=b')).toEqual({ type: 'set', name: 'chan', value: 'a=b' });
    expect(parseServerLine('RETRIEVED noequals')).toEqual({ type: 'retrieved', name: 'noequals', value: '' });
  });

  it('treats lines it does not know as unknown, never throwing', () => {
    for (const line of ['NOPE', 'set chan=1', 'KEYLISTSTARTX', 'TIMEOUTS', 'CLACKS', 'SET', 'X', '\u0000']) {
      expect(parseServerLine(line)).toEqual({ type: 'unknown', line });
    }
  });

  it('encodes an empty client entry as "CLIENT "', () => {
    expect(encodeServerLine({ type: 'client', fields: {} })).toBe('CLIENT \r\n');
  });
});

describe('CLIENT field parsing', () => {
  it('keeps every field, unknown ones included, in wire order', () => {
    const fields = parseClientFields('CID=a:1:2;ZZZ=last?;HOST=h;NEWFIELD=x=y;PORT=1:2;EMPTY=;');
    expect(Object.entries(fields)).toEqual([
      ['CID', 'a:1:2'],
      ['ZZZ', 'last?'],
      ['HOST', 'h'],
      ['NEWFIELD', 'x=y'],
      ['PORT', '1:2'],
      ['EMPTY', ''],
    ]);
  });

  it('parses the reference CLIENT line of transcript 04 in order', () => {
    const line = parseServerLine(
      'CLIENT CID=unixdomainsocket:1795542781.40806:14;HOST=unixdomainsocket;PORT=1795542781.40806:14;CLIENTINFO=monitor-client;OUTBUFFER_LENGTH=230;INBUFFER_LENGTH=0;INTERCLACKS=0;MONITOR=1;LASTPING=1795542785.94898;LASTINTERCLACKSPING=0;WRITEFAILTIME=0;',
    );
    if (line.type !== 'client') throw new Error(`parsed as ${line.type}`);
    expect(Object.keys(line.fields)).toEqual([
      'CID', 'HOST', 'PORT', 'CLIENTINFO', 'OUTBUFFER_LENGTH', 'INBUFFER_LENGTH', 'INTERCLACKS', 'MONITOR', 'LASTPING', 'LASTINTERCLACKSPING', 'WRITEFAILTIME',
    ]);
    expect(line.fields.OUTBUFFER_LENGTH).toBe('230');
    expect(line.fields.LASTPING).toBe('1795542785.94898');
  });

  it('accepts a last field without the trailing ";" and a field without "="', () => {
    expect(parseClientFields('CID=x;FLAG')).toEqual({ CID: 'x', FLAG: '' });
  });

  it('round-trips through encode and parse', () => {
    const record: ServerLine = { type: 'client', fields: { CID: 'c', FUTURE: 'f', HOST: 'h' } };
    const parsed = parseServerLine(strip(encodeServerLine(record)));
    expect(parsed).toEqual(record);
    if (parsed.type === 'client') expect(Object.keys(parsed.fields)).toEqual(['CID', 'FUTURE', 'HOST']);
  });
});

describe('client commands', () => {
  it('the table covers every type', () => {
    const all: Record<ClientCommandType, true> = {
      clacks: true, overhead: true, notify: true, set: true, setandstore: true, listen: true, unlisten: true, store: true, retrieve: true,
      remove: true, increment: true, decrement: true, keylist: true, clearcache: true, flush: true, ping: true, noping: true, monitor: true,
      unmonitor: true, clientlist: true, clientdisconnect: true, quit: true, unknown: true,
    };
    expect([...new Set(CLIENT_COMMANDS.map(([record]) => record.type))].sort()).toEqual(Object.keys(all).sort());
  });

  for (const [record, wire] of CLIENT_COMMANDS) {
    it(`encodes ${JSON.stringify(record)} as ${JSON.stringify(wire)} and parses it back`, () => {
      expect(encodeClientCommand(record)).toBe(wire);
      expect(parseClientCommand(strip(wire))).toEqual(record);
    });
  }

  it('encodes OVERHEAD with an empty value without a trailing space', () => {
    expect(encodeClientCommand({ type: 'overhead', flags: 'M', value: '' })).toBe('OVERHEAD M\r\n');
  });
});
