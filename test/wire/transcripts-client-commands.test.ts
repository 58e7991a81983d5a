/**
 * Every client-to-server stream recorded against the reference server must
 * round-trip through the shared vocabulary: frame, parseClientCommand,
 * encodeClientCommand gives back the stream with its line endings normalised.
 */
import { describe, expect, it } from 'vitest';
import { encodeClientCommand, parseClientCommand, type ClientCommand } from '../../src/wire/index.js';
import { frame, readStream, streamNames } from './fixtures.js';

const CR = 0x0d;
const LF = 0x0a;

/**
 * The stream as the reference server sees it, computed without LineReader:
 * every CR removed, split on LF, empty lines dropped, each line + CRLF.
 */
function normalise(bytes: Buffer): Buffer {
  const withoutCr = Buffer.from(bytes.filter((byte) => byte !== CR));
  const lines: Buffer[] = [];
  let start = 0;
  for (let lf = withoutCr.indexOf(LF); lf !== -1; lf = withoutCr.indexOf(LF, start)) {
    if (lf > start) lines.push(withoutCr.subarray(start, lf), Buffer.from('\r\n'));
    start = lf + 1;
  }
  return Buffer.concat(lines);
}

/**
 * Lines whose command word the reference matches as a prefix: they parse as
 * the command, so they encode back as the bare word (transcript 05).
 */
const CANONICAL: Record<string, string> = { PINGPONG: 'PING', KEYLISTX: 'KEYLIST', MONITORING: 'MONITOR' };

function canonicalise(normalised: Buffer): Buffer {
  const text = normalised.toString('latin1');
  return Buffer.from(text.replace(/^(PINGPONG|KEYLISTX|MONITORING)\r$/gm, (_line, word: string) => `${CANONICAL[word]}\r`), 'latin1');
}

/** The server's view: latin1 framing, so every byte survives the round trip. */
function commandsOf(name: string, chunkSize?: number): ClientCommand[] {
  return frame(readStream(name), chunkSize, { encoding: 'latin1' }).map(parseClientCommand);
}

describe('client-to-server transcripts round-trip', () => {
  const names = streamNames('c2s');

  it('finds the recorded streams', () => {
    expect(names).toHaveLength(31);
  });

  for (const name of names) {
    it(`${name}: parse then encode gives back the normalised stream`, () => {
      const commands = commandsOf(name);
      const encoded = Buffer.from(commands.map(encodeClientCommand).join(''), 'latin1');
      const expected = canonicalise(normalise(readStream(name)));
      expect(encoded.toString('latin1')).toBe(expected.toString('latin1'));
      expect(encoded.equals(expected)).toBe(true);
      // Encoding is stable: the encoded lines parse back to the same records.
      expect(frame(encoded, undefined, { encoding: 'latin1' }).map(parseClientCommand)).toEqual(commands);
    });
  }

  it('canonicalises exactly the three prefix-matched lines of transcript 05', () => {
    const bytes = readStream('05_flush_ping_unknown_lineendings.A.c2s');
    const normalised = normalise(bytes).toString('latin1');
    const encoded = commandsOf('05_flush_ping_unknown_lineendings.A.c2s').map(encodeClientCommand).join('');
    const before = normalised.split('\r\n');
    const after = encoded.split('\r\n');
    expect(after).toHaveLength(before.length);
    const changed = before.flatMap((line, index) => (line === after[index] ? [] : [[line, after[index]]]));
    expect(changed).toEqual([
      ['PINGPONG', 'PING'],
      ['KEYLISTX', 'KEYLIST'],
      ['MONITORING', 'MONITOR'],
    ]);
  });

  it('frames the same commands whatever the chunk size', () => {
    for (const name of ['05_flush_ping_unknown_lineendings.A.c2s', '07_long_value_100k.Stcp.c2s']) {
      expect(commandsOf(name, 3)).toEqual(commandsOf(name));
    }
  });
});

describe('client-to-server transcripts parse like the reference server', () => {
  it('01 A: identification, credentials, PING, QUIT', () => {
    expect(commandsOf('01_greeting_auth.A.c2s')).toEqual([
      { type: 'clacks', identification: 'transcript-client 1.0' },
      { type: 'overhead', flags: 'A', value: 'ZXhhbXBsZXVzZXI=:dW5zYWZlcGFzc3dvcmQ=' },
      { type: 'ping' },
      { type: 'quit' },
    ]);
  });

  it('01 C: an unknown command before auth', () => {
    expect(commandsOf('01_greeting_auth.C.c2s')).toContainEqual({ type: 'unknown', line: 'BOGUSCOMMAND' });
  });

  it('01 R: every command a read-only user tried', () => {
    expect(commandsOf('01_greeting_auth.R.c2s').map((command) => command.type)).toEqual([
      'clacks', 'overhead', 'retrieve', 'store', 'flush', 'monitor', 'clientlist', 'clearcache', 'set', 'notify', 'listen', 'keylist', 'quit',
    ]);
  });

  it('02: names, values, INCREMENT and DECREMENT', () => {
    const commands = commandsOf('02_cache_commands.A.c2s');
    expect(commands).toContainEqual({ type: 'store', name: 'greeting', value: 'hello world' });
    expect(commands).toContainEqual({ type: 'store', name: 'eq', value: 'a=b=c' });
    expect(commands).toContainEqual({ type: 'store', name: 'empty', value: '' });
    expect(commands).toContainEqual({ type: 'store', name: 'my key', value: 'v1' });
    expect(commands).toContainEqual({ type: 'store', name: 'lead', value: ' 7' });
    expect(commands).toContainEqual({ type: 'retrieve', name: 'my key' });
    expect(commands).toContainEqual({ type: 'retrieve', name: 'greeting ' });
    expect(commands).toContainEqual({ type: 'unknown', line: 'STORE novalue' });
    expect(commands).toContainEqual({ type: 'increment', name: 'cnt' });
    expect(commands).toContainEqual({ type: 'increment', name: 'cnt', step: '5' });
    expect(commands).toContainEqual({ type: 'decrement', name: 'cnt', step: '2' });
    expect(commands).toContainEqual({ type: 'increment', name: 'cnt', step: '1.5' });
    expect(commands).toContainEqual({ type: 'increment', name: 'cnt', step: '-10' });
    expect(commands).toContainEqual({ type: 'increment', name: 'n2', step: 'abc' });
    expect(commands).toContainEqual({ type: 'increment', name: 'n3', step: '1e3' });
    expect(commands).toContainEqual({ type: 'increment', name: 'n4=' });
    expect(commands).toContainEqual({ type: 'retrieve', name: 'n4=' });
    expect(commands).toContainEqual({ type: 'remove', name: 'neverexisted' });
    expect(commands.filter((command) => command.type === 'unknown')).toEqual([{ type: 'unknown', line: 'STORE novalue' }]);
  });

  it('03 S: SET and NOTIFY, and their malformed forms', () => {
    expect(commandsOf('03_set_notify_listen.S.c2s').slice(2)).toEqual([
      { type: 'listen', name: 'chan' },
      { type: 'set', name: 'chan', value: '21.5' },
      { type: 'notify', name: 'chan' },
      { type: 'set', name: 'chan', value: 'a=b c' },
      { type: 'set', name: 'nobodylistens', value: '1' },
      { type: 'notify', name: 'nobodylistens' },
      { type: 'set', name: 'chan', value: '' },
      { type: 'notify', name: 'a b' },
      { type: 'unknown', line: 'SET chan' },
      { type: 'unknown', line: 'NOTIFY' },
      { type: 'setandstore', name: 'chan', value: 'stored-and-set' },
      { type: 'set', name: 'chan', value: 'after-unlisten' },
      { type: 'notify', name: 'chan' },
      { type: 'set', name: 'other', value: 'still-listening' },
      { type: 'overhead', flags: 'GNU', value: 'Terry Pratchett' },
      { type: 'overhead', flags: 'M', value: 'just saying hi' },
      { type: 'overhead', flags: 'GM', value: 'hello all' },
      { type: 'quit' },
    ]);
  });

  it('03 L: LISTEN of a name with a space, UNLISTEN', () => {
    const commands = commandsOf('03_set_notify_listen.L.c2s');
    expect(commands).toContainEqual({ type: 'listen', name: 'a b' });
    expect(commands).toContainEqual({ type: 'unlisten', name: 'chan' });
  });

  it('04 M: MONITOR, CLIENTLIST, CLIENTDISCONNECT, UNMONITOR', () => {
    expect(commandsOf('04_monitor_clientlist.M.c2s').slice(2)).toEqual([
      { type: 'monitor' },
      { type: 'ping' },
      { type: 'clientlist' },
      { type: 'clientdisconnect', cid: 'nosuchcid' },
      { type: 'clientdisconnect', cid: '127.0.0.1:45640:15' },
      { type: 'unmonitor' },
      { type: 'ping' },
      { type: 'quit' },
    ]);
  });

  it('05: FLUSH, prefix matching, case sensitivity, line endings', () => {
    expect(commandsOf('05_flush_ping_unknown_lineendings.A.c2s').slice(2)).toEqual([
      { type: 'flush', id: 'abc123' },
      { type: 'flush', id: 'id with spaces' },
      { type: 'unknown', line: 'FLUSH' },
      { type: 'ping' },
      { type: 'noping' },
      { type: 'ping' },
      { type: 'unknown', line: 'HELLO world' },
      { type: 'unknown', line: 'ping' },
      { type: 'unknown', line: 'store a=b' },
      { type: 'unknown', line: 'GET x' },
      { type: 'ping' }, // PINGPONG
      { type: 'keylist' }, // KEYLISTX
      { type: 'monitor' }, // MONITORING
      { type: 'unmonitor' },
      { type: 'store', name: 'lf', value: 'only-lf' },
      { type: 'retrieve', name: 'lf' },
      { type: 'store', name: 'cr', value: 'xy' },
      { type: 'retrieve', name: 'cr' },
      { type: 'store', name: 'lead', value: '' },
      { type: 'retrieve', name: 'lead' },
      { type: 'retrieve', name: 'lf' }, // written in three pieces
      { type: 'unknown', line: ' PING' },
      { type: 'clacks', identification: 'renamed;client' },
      { type: 'clientlist' },
      { type: 'overhead', flags: 'M', value: '' },
      { type: 'quit' },
    ]);
  });

  it('06 A: an encoded value is opaque; a raw LF splits the command', () => {
    expect(commandsOf('06_multiline_b64.A.c2s').slice(2)).toEqual([
      { type: 'store', name: 'ml', value: 'PAGECAMELCLACKSB64:bGluZTEKbGluZTI=' },
      { type: 'retrieve', name: 'ml' },
      { type: 'store', name: 'ml2', value: 'line1' },
      { type: 'unknown', line: 'line2' },
      { type: 'retrieve', name: 'ml2' },
      { type: 'quit' },
    ]);
  });

  it('07: the 100 KB STORE and SET arrive as single commands', () => {
    const commands = commandsOf('07_long_value_100k.Sunix.c2s', 16 * 1024);
    const value = 'abcdefghijklmnopqrstuvwxyz'.repeat(4000).slice(0, 102400);
    expect(commands.slice(2)).toEqual([
      { type: 'store', name: 'bigkey', value },
      { type: 'retrieve', name: 'bigkey' },
      { type: 'set', name: 'big', value },
      { type: 'quit' },
    ]);
  });

  it('08: UTF-8 names and values, invalid UTF-8 and NUL', () => {
    const utf8 = frame(readStream('08_utf8.S.c2s')).map(parseClientCommand);
    expect(utf8).toContainEqual({ type: 'store', name: 'schlüssel', value: 'Grüße, Zürich € 日本語 🚀' });
    expect(utf8).toContainEqual({ type: 'notify', name: 'schlüssel' });
    expect(commandsOf('08_utf8.S.c2s')).toContainEqual({ type: 'store', name: 'bin', value: 'a\xff\xfeb\x00c' });
  });
});

describe('parseClientCommand edge cases', () => {
  const cases: [string, ClientCommand][] = [
    ['PINGPONG', { type: 'ping' }],
    ['MONITORING', { type: 'monitor' }],
    ['KEYLISTX', { type: 'keylist' }],
    ['QUITxxx', { type: 'quit' }],
    ['CLEARCACHExxx', { type: 'clearcache' }],
    ['CLIENTLISTING', { type: 'clientlist' }],
    ['NOPINGS', { type: 'noping' }],
    ['SET chan', { type: 'unknown', line: 'SET chan' }],
    ['SET =x', { type: 'unknown', line: 'SET =x' }],
    ['SET ==x', { type: 'set', name: '=', value: 'x' }],
    ['SET k==', { type: 'set', name: 'k', value: '=' }],
    ['STORE novalue', { type: 'unknown', line: 'STORE novalue' }],
    ['SETANDSTORE k', { type: 'unknown', line: 'SETANDSTORE k' }],
    ['SETANDSTORE k=v=w', { type: 'setandstore', name: 'k', value: 'v=w' }],
    ['NOTIFY', { type: 'unknown', line: 'NOTIFY' }],
    ['FLUSH', { type: 'unknown', line: 'FLUSH' }],
    ['FLUSH ', { type: 'unknown', line: 'FLUSH ' }],
    ['FLUSH id with spaces', { type: 'flush', id: 'id with spaces' }],
    [' PING', { type: 'unknown', line: ' PING' }],
    ['ping', { type: 'unknown', line: 'ping' }],
    ['TIMEOUT', { type: 'unknown', line: 'TIMEOUT' }],
    ['CLACKS', { type: 'unknown', line: 'CLACKS' }],
    ['CLIENTDISCONNECT', { type: 'unknown', line: 'CLIENTDISCONNECT' }],
    ['RETRIEVE greeting ', { type: 'retrieve', name: 'greeting ' }],
    ['RETRIEVE', { type: 'unknown', line: 'RETRIEVE' }],
    ['LISTEN a b', { type: 'listen', name: 'a b' }],
    ['LISTENER', { type: 'unknown', line: 'LISTENER' }],
    ['INCREMENT n4=', { type: 'increment', name: 'n4=' }],
    ['INCREMENT cnt=1.5', { type: 'increment', name: 'cnt', step: '1.5' }],
    ['DECREMENT cnt=-2', { type: 'decrement', name: 'cnt', step: '-2' }],
    ['INCREMENT a=b=3', { type: 'increment', name: 'a=b', step: '3' }],
    ['INCREMENT =5', { type: 'increment', name: '=5' }],
    ['INCREMENT', { type: 'unknown', line: 'INCREMENT' }],
    ['OVERHEAD M', { type: 'overhead', flags: 'M', value: '' }],
    ['OVERHEAD GNU Terry Pratchett', { type: 'overhead', flags: 'GNU', value: 'Terry Pratchett' }],
    ['OVERHEAD', { type: 'unknown', line: 'OVERHEAD' }],
  ];
  for (const [line, expected] of cases) {
    it(`${JSON.stringify(line)} → ${JSON.stringify(expected)}`, () => {
      expect(parseClientCommand(line)).toEqual(expected);
    });
  }

  // The reference's INCREMENT regex is a greedy `(.+)=(.+)`: the split is at
  // the last `=` that still has a step after it, not at the very last `=`.
  it('INCREMENT/DECREMENT ending in "=" split at the last "=" followed by a step', () => {
    expect(parseClientCommand('INCREMENT a=5=')).toEqual({ type: 'increment', name: 'a', step: '5=' });
    expect(parseClientCommand('DECREMENT a==')).toEqual({ type: 'decrement', name: 'a', step: '=' });
    expect(parseClientCommand('INCREMENT x==5')).toEqual({ type: 'increment', name: 'x=', step: '5' });
  });

  // NOTIFY, LISTEN and UNLISTEN match `(.*)` in the reference: an empty name after the space is accepted.
  it('NOTIFY, LISTEN and UNLISTEN accept an empty name after the space', () => {
    expect(parseClientCommand('NOTIFY ')).toEqual({ type: 'notify', name: '' });
    expect(parseClientCommand('LISTEN ')).toEqual({ type: 'listen', name: '' });
    expect(parseClientCommand('UNLISTEN ')).toEqual({ type: 'unlisten', name: '' });
  });
});
