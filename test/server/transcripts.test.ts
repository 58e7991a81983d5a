/**
 * The recorded sessions 01–08, replayed in order against one server with a
 * Unix socket and a TLS port, like the reference server they were recorded
 * on: later transcripts see the keys earlier ones stored (05's KEYLIST, 08's).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestServer, stopTestServers, type TestServer } from '../helpers/server.js';
import { replay } from './replay.js';

describe('replaying the reference transcripts', () => {
  let target: TestServer;

  beforeAll(async () => {
    target = await startTestServer({ unix: true, tls: true });
  });
  afterAll(stopTestServers);

  it('01 greeting, login, failed login, silence before login, reply order, permission_denied', async () => {
    await replay('01_greeting_auth', target);
  });

  it('02 cache commands: STORE, RETRIEVE, INCREMENT/DECREMENT with Perl numbers, REMOVE, KEYLIST, CLEARCACHE', async () => {
    // We keep removed keys as tombstones but list live keys only; the reference lists tombstones too (README, differences).
    await replay('02_cache_commands', target, {
      patchExpected: (_connection, stream) => stream.replaceAll('KEY cnt\r\n', '').replaceAll('KEY neverexisted\r\n', ''),
    });
  });

  it('03 LISTEN, SET, NOTIFY between clients, no echo, SETANDSTORE, OVERHEAD broadcasts', async () => {
    await replay('03_set_notify_listen', target);
  });

  it('04 MONITOR, CLIENTLIST, CLIENTDISCONNECT, UNMONITOR', async () => {
    // We never mirror credentials to monitors; the reference does (DIFFERENCES.md).
    await replay('04_monitor_clientlist', target, {
      patchExpected: (_connection, stream) => stream.replace(/^DEBUG [^=\r\n]*=OVERHEAD A [^\r\n]*\r\n/gm, ''),
    });
  });

  it('05 FLUSH, PING, NOPING, unknown commands, prefix matching, line endings', async () => {
    await replay('05_flush_ping_unknown_lineendings', target);
  });

  it('06 encoded multi-line values pass through; the reference cache client works', async () => {
    await replay('06_multiline_b64', target);
  });

  it('07 a 100 KB value over TLS and over the Unix socket', async () => {
    await replay('07_long_value_100k', target);
  });

  it('08 UTF-8, invalid UTF-8 and NUL bytes pass through untouched', async () => {
    await replay('08_utf8', target);
  });
});
