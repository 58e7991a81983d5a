/**
 * Every server-to-client stream recorded against the reference server must
 * frame and parse into exactly the records its transcript shows.
 */
import { describe, expect, it } from 'vitest';
import { parseServerLine, type ServerLine } from '../../src/wire/index.js';
import { frame, readStream, streamNames } from './fixtures.js';

const GREETING: ServerLine = { type: 'greeting', serverInfo: 'PageCamel 36' };
const AUTH_REQUIRED: ServerLine = { type: 'overhead', flags: 'M', value: 'Authentication required' };
const WELCOME: ServerLine = { type: 'overhead', flags: 'O', value: 'Welcome!' };
const LOGIN_FAILED: ServerLine = { type: 'overhead', flags: 'F', value: 'Login failed!' };
const DENIED: ServerLine = { type: 'overhead', flags: 'E', value: 'permission_denied' };

/** What each stream parses into, transcript by transcript (test/fixtures/transcripts-text/). */
const EXPECTED: Record<string, ServerLine[]> = {
  '01_greeting_auth.A.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
  ],
  '01_greeting_auth.B.s2c': [
    GREETING,
    AUTH_REQUIRED,
    LOGIN_FAILED,
  ],
  '01_greeting_auth.B2.s2c': [
    GREETING,
    AUTH_REQUIRED,
    LOGIN_FAILED,
  ],
  '01_greeting_auth.B3.s2c': [
    GREETING,
    AUTH_REQUIRED,
    LOGIN_FAILED,
  ],
  '01_greeting_auth.C.s2c': [
    GREETING,
    AUTH_REQUIRED,
    { type: 'notretrieved', name: 'preauth' },
    { type: 'flushed', id: 'post1' },
    WELCOME,
  ],
  '01_greeting_auth.D.s2c': [
    GREETING,
    AUTH_REQUIRED,
    { type: 'retrieved', name: 'pipe', value: '1' },
    { type: 'flushed', id: 'f1' },
    WELCOME,
  ],
  '01_greeting_auth.R.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
    { type: 'retrieved', name: 'pipe', value: '1' },
    { type: 'flushed', id: 'r1' },
    DENIED,
    { type: 'keyliststart' },
    { type: 'key', name: 'pipe' },
    { type: 'keylistend' },
    DENIED,
    DENIED,
    DENIED,
    DENIED,
    DENIED,
  ],
  '01_greeting_auth.U.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
  ],
  '02_cache_commands.A.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
    { type: 'keyliststart' },
    { type: 'keylistend' },
    { type: 'retrieved', name: 'greeting', value: 'hello world' },
    { type: 'retrieved', name: 'eq', value: 'a=b=c' },
    { type: 'retrieved', name: 'empty', value: '' },
    { type: 'retrieved', name: 'my key', value: 'v1' },
    { type: 'notretrieved', name: 'nosuchkey' },
    { type: 'notretrieved', name: 'greeting ' },
    { type: 'overhead', flags: 'E', value: 'unknown_command STORE novalue' },
    { type: 'retrieved', name: 'cnt', value: '1' },
    { type: 'retrieved', name: 'cnt', value: '6' },
    { type: 'retrieved', name: 'cnt', value: '5' },
    { type: 'retrieved', name: 'cnt', value: '3' },
    { type: 'retrieved', name: 'cnt', value: '4.5' },
    { type: 'retrieved', name: 'cnt', value: '-5.5' },
    { type: 'retrieved', name: 'missing2', value: '-1' },
    { type: 'retrieved', name: 'word', value: '1' },
    { type: 'retrieved', name: 'n2', value: '0' },
    { type: 'retrieved', name: 'n3', value: '1000' },
    { type: 'retrieved', name: 'f', value: '0.3' },
    { type: 'notretrieved', name: 'n4' },
    { type: 'retrieved', name: 'n4', value: '=1' },
    { type: 'retrieved', name: 'big', value: '9223372036854775808' },
    { type: 'retrieved', name: 'lead', value: '8' },
    { type: 'notretrieved', name: 'cnt' },
    { type: 'keyliststart' },
    { type: 'key', name: 'big' },
    { type: 'key', name: 'cnt' },
    { type: 'key', name: 'empty' },
    { type: 'key', name: 'eq' },
    { type: 'key', name: 'f' },
    { type: 'key', name: 'greeting' },
    { type: 'key', name: 'lead' },
    { type: 'key', name: 'missing2' },
    { type: 'key', name: 'my key' },
    { type: 'key', name: 'n2' },
    { type: 'key', name: 'n3' },
    { type: 'key', name: 'n4=' },
    { type: 'key', name: 'word' },
    { type: 'keylistend' },
    { type: 'keyliststart' },
    { type: 'key', name: 'big' },
    { type: 'key', name: 'cnt' },
    { type: 'key', name: 'empty' },
    { type: 'key', name: 'eq' },
    { type: 'key', name: 'f' },
    { type: 'key', name: 'greeting' },
    { type: 'key', name: 'lead' },
    { type: 'key', name: 'missing2' },
    { type: 'key', name: 'my key' },
    { type: 'key', name: 'n2' },
    { type: 'key', name: 'n3' },
    { type: 'key', name: 'n4=' },
    { type: 'key', name: 'neverexisted' },
    { type: 'key', name: 'word' },
    { type: 'keylistend' },
    { type: 'retrieved', name: 'cnt', value: '1' },
    { type: 'keyliststart' },
    { type: 'keylistend' },
    { type: 'notretrieved', name: 'greeting' },
  ],
  '03_set_notify_listen.L.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
    { type: 'set', name: 'chan', value: '21.5' },
    { type: 'notify', name: 'chan' },
    { type: 'set', name: 'chan', value: 'a=b c' },
    { type: 'set', name: 'chan', value: '' },
    { type: 'notify', name: 'a b' },
    { type: 'set', name: 'chan', value: 'stored-and-set' },
    { type: 'retrieved', name: 'chan', value: 'stored-and-set' },
    { type: 'set', name: 'other', value: 'still-listening' },
    { type: 'set', name: 'other', value: 'from-rwuser' },
    { type: 'overhead', flags: 'GN', value: 'Terry Pratchett' },
    { type: 'overhead', flags: 'GM', value: 'hello all' },
  ],
  '03_set_notify_listen.RO.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
    { type: 'set', name: 'other', value: 'from-rwuser' },
    { type: 'overhead', flags: 'GN', value: 'Terry Pratchett' },
    { type: 'overhead', flags: 'GM', value: 'hello all' },
  ],
  '03_set_notify_listen.RW.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
    { type: 'overhead', flags: 'GN', value: 'Terry Pratchett' },
    { type: 'overhead', flags: 'GM', value: 'hello all' },
  ],
  '03_set_notify_listen.S.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
    { type: 'set', name: 'chan', value: 'from-L' },
    { type: 'notify', name: 'chan' },
    { type: 'overhead', flags: 'E', value: 'unknown_command SET chan' },
    { type: 'overhead', flags: 'E', value: 'unknown_command NOTIFY' },
    { type: 'overhead', flags: 'GN', value: 'Terry Pratchett' },
  ],
  '04_monitor_clientlist.M.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
    { type: 'debug', sender: 'unixdomainsocket:1795542781.40806:14', text: 'MONITOR' },
    { type: 'debug', sender: 'CONNECTED', text: '127.0.0.1:45640:15' },
    { type: 'debug', sender: '127.0.0.1:45640:15', text: 'OVERHEAD A ZXhhbXBsZXVzZXI=:dW5zYWZlcGFzc3dvcmQ=' },
    { type: 'debug', sender: '127.0.0.1:45640:15', text: 'STORE k=v' },
    { type: 'debug', sender: '127.0.0.1:45640:15', text: 'RETRIEVE k' },
    { type: 'debug', sender: '127.0.0.1:45640:15', text: 'LISTEN chan' },
    { type: 'debug', sender: '127.0.0.1:45640:15', text: 'PING' },
    { type: 'debug', sender: '127.0.0.1:45640:15', text: 'SET chan=1' },
    { type: 'debug', sender: '127.0.0.1:45640:15', text: 'BOGUS' },
    { type: 'debug', sender: 'unixdomainsocket:1795542781.40806:14', text: 'PING' },
    { type: 'debug', sender: 'CONNECTED', text: 'unixdomainsocket:1795542786.98095:16' },
    { type: 'debug', sender: 'DISCONNECTED', text: 'unixdomainsocket:1795542786.98095:16 (0 bytes discarded from outbuffer)' },
    { type: 'clientliststart' },
    { type: 'client', fields: { CID: '127.0.0.1:45640:15', HOST: '127.0.0.1', PORT: '45640:15', CLIENTINFO: 'other-client v1', OUTBUFFER_LENGTH: '0', INBUFFER_LENGTH: '0', INTERCLACKS: '0', MONITOR: '0', LASTPING: '1795542784.41789', LASTINTERCLACKSPING: '0', WRITEFAILTIME: '0' } },
    { type: 'client', fields: { CID: 'unixdomainsocket:1795542781.40806:14', HOST: 'unixdomainsocket', PORT: '1795542781.40806:14', CLIENTINFO: 'monitor-client', OUTBUFFER_LENGTH: '230', INBUFFER_LENGTH: '0', INTERCLACKS: '0', MONITOR: '1', LASTPING: '1795542785.94898', LASTINTERCLACKSPING: '0', WRITEFAILTIME: '0' } },
    { type: 'clientlistend' },
    { type: 'debug', sender: 'unixdomainsocket:1795542781.40806:14', text: 'CLIENTLIST' },
    { type: 'debug', sender: 'unixdomainsocket:1795542781.40806:14', text: 'CLIENTDISCONNECT nosuchcid' },
    { type: 'debug', sender: 'unixdomainsocket:1795542781.40806:14', text: 'CLIENTDISCONNECT 127.0.0.1:45640:15' },
    { type: 'debug', sender: 'DISCONNECTED', text: '127.0.0.1:45640:15 (0 bytes discarded from outbuffer)' },
  ],
  '04_monitor_clientlist.X.s2c': [
    GREETING,
    AUTH_REQUIRED,
    { type: 'retrieved', name: 'k', value: 'v' },
    { type: 'overhead', flags: 'E', value: 'unknown_command BOGUS' },
    WELCOME,
    { type: 'quit' },
  ],
  '04_monitor_clientlist.Y.s2c': [
    GREETING,
    AUTH_REQUIRED,
    LOGIN_FAILED,
  ],
  '05_flush_ping_unknown_lineendings.A.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
    { type: 'flushed', id: 'abc123' },
    { type: 'flushed', id: 'id with spaces' },
    { type: 'overhead', flags: 'E', value: 'unknown_command FLUSH' },
    { type: 'overhead', flags: 'E', value: 'unknown_command HELLO world' },
    { type: 'overhead', flags: 'E', value: 'unknown_command ping' },
    { type: 'overhead', flags: 'E', value: 'unknown_command store a=b' },
    { type: 'overhead', flags: 'E', value: 'unknown_command GET x' },
    { type: 'keyliststart' },
    { type: 'key', name: 'chan' },
    { type: 'key', name: 'k' },
    { type: 'keylistend' },
    { type: 'retrieved', name: 'lf', value: 'only-lf' },
    { type: 'retrieved', name: 'cr', value: 'xy' },
    { type: 'retrieved', name: 'lead', value: '' },
    { type: 'retrieved', name: 'lf', value: 'only-lf' },
    { type: 'overhead', flags: 'E', value: 'unknown_command  PING' },
    { type: 'clientliststart' },
    { type: 'client', fields: { CID: '127.0.0.1:45654:17', HOST: '127.0.0.1', PORT: '45654:17', CLIENTINFO: 'renamed_client', OUTBUFFER_LENGTH: '17', INBUFFER_LENGTH: '0', INTERCLACKS: '0', MONITOR: '0', LASTPING: '1795542796.35809', LASTINTERCLACKSPING: '0', WRITEFAILTIME: '0' } },
    { type: 'clientlistend' },
  ],
  '06_multiline_b64.A.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
    { type: 'retrieved', name: 'ml', value: 'PAGECAMELCLACKSB64:bGluZTEKbGluZTI=' },
    { type: 'overhead', flags: 'E', value: 'unknown_command line2' },
    { type: 'retrieved', name: 'ml2', value: 'line1' },
  ],
  '08_utf8.L.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
    { type: 'set', name: 'utf8chan', value: 'Grüße, Zürich € 日本語 🚀' },
    { type: 'notify', name: 'schlüssel' },
  ],
  '08_utf8.S.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
    { type: 'retrieved', name: 'utf8key', value: 'Grüße, Zürich € 日本語 🚀' },
    { type: 'retrieved', name: 'schlüssel', value: 'Grüße, Zürich € 日本語 🚀' },
    { type: 'keyliststart' },
    { type: 'key', name: 'VERSION::refcache' },
    { type: 'key', name: 'bigkey' },
    { type: 'key', name: 'chan' },
    { type: 'key', name: 'cr' },
    { type: 'key', name: 'k' },
    { type: 'key', name: 'lead' },
    { type: 'key', name: 'lf' },
    { type: 'key', name: 'ml' },
    { type: 'key', name: 'ml2' },
    { type: 'key', name: 'mltext' },
    { type: 'key', name: 'plain' },
    { type: 'key', name: 'schlüssel' },
    { type: 'key', name: 'struct' },
    { type: 'key', name: 'utf8key' },
    { type: 'keylistend' },
    { type: 'retrieved', name: 'bin', value: 'a\uFFFD\uFFFDb\u0000c' },
  ],
  '09_timeouts_idle.A.s2c': [
    GREETING,
    AUTH_REQUIRED,
    { type: 'timeout' },
  ],
  '09_timeouts_idle.A2.s2c': [
    GREETING,
    AUTH_REQUIRED,
  ],
  '09_timeouts_idle.B.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
    { type: 'timeout' },
  ],
  '09_timeouts_idle.C.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
    { type: 'flushed', id: 'busy1' },
    { type: 'flushed', id: 'busy2' },
    { type: 'flushed', id: 'busy3' },
    { type: 'flushed', id: 'busy4' },
    { type: 'flushed', id: 'busy5' },
    { type: 'timeout' },
  ],
  '09_timeouts_idle.D.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
  ],
  '09_timeouts_idle.E.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
    { type: 'nop' },
    { type: 'timeout' },
  ],
  '09_timeouts_idle.F.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
    { type: 'quit' },
  ],
  '10_tls_edge_cases.U.s2c': [
    GREETING,
    AUTH_REQUIRED,
    WELCOME,
    { type: 'flushed', id: 'during-stall' },
  ],
};

/** The 100 KB value of transcript 07: the alphabet repeated, cut at 102400 bytes. */
const LONG_VALUE = 'abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(102400 / 26)).slice(0, 102400);

const LONG_EXPECTED: Record<string, ServerLine[]> = {
  '07_long_value_100k.Ltcp.s2c': [GREETING, AUTH_REQUIRED, WELCOME, { type: 'set', name: 'big', value: LONG_VALUE }],
  '07_long_value_100k.Lunix.s2c': [GREETING, AUTH_REQUIRED, WELCOME, { type: 'set', name: 'big', value: LONG_VALUE }],
  '07_long_value_100k.Stcp.s2c': [GREETING, AUTH_REQUIRED, WELCOME, { type: 'retrieved', name: 'bigkey', value: LONG_VALUE }],
  '07_long_value_100k.Sunix.s2c': [GREETING, AUTH_REQUIRED, WELCOME, { type: 'retrieved', name: 'bigkey', value: LONG_VALUE }],
};

describe('server-to-client transcripts', () => {
  it('covers every recorded stream', () => {
    expect(streamNames('s2c')).toEqual(Object.keys({ ...EXPECTED, ...LONG_EXPECTED }).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name} parses into the records of its transcript`, () => {
      const records = frame(readStream(name)).map(parseServerLine);
      expect(records).toEqual(expected);
      expect(records.filter((record) => record.type === 'unknown')).toEqual([]);
    });

    it(`${name} parses the same when delivered one byte at a time`, () => {
      expect(frame(readStream(name), 1).map(parseServerLine)).toEqual(expected);
    });
  }

  for (const [name, expected] of Object.entries(LONG_EXPECTED)) {
    it(`${name} carries the 102400-byte value intact through 16 KiB chunks`, () => {
      const bytes = readStream(name);
      const records = frame(bytes, 16 * 1024).map(parseServerLine);
      expect(records).toEqual(expected);
      const last = records[3];
      if (last?.type !== 'set' && last?.type !== 'retrieved') throw new Error(`unexpected ${last?.type}`);
      expect(last.value).toHaveLength(102400);
      expect(last.value.startsWith('abcdefghijklmnopqrstuvwxyzabc')).toBe(true);
      expect(last.value.endsWith('ghijklmnopqrstuvwxyzabcdefghijkl')).toBe(true);
      // The recording itself arrived in 16 KiB TLS records; odd chunk sizes must agree.
      expect(frame(bytes, 1000).map(parseServerLine)).toEqual(expected);
    });
  }

  it('reads the UTF-8 of transcript 08 as text, and its invalid bytes unchanged in latin1 mode', () => {
    const lines = frame(readStream('08_utf8.S.s2c'), 7, { encoding: 'latin1' });
    const bin = parseServerLine(lines.at(-1)!);
    expect(bin).toEqual({ type: 'retrieved', name: 'bin', value: 'a\xff\xfeb\x00c' });
    expect(Buffer.from(lines[3]!, 'latin1').toString('utf8')).toBe('RETRIEVED utf8key=Grüße, Zürich € 日本語 🚀');
  });
});
