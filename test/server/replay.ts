/**
 * Replays a recorded transcript against our server: each connection sends
 * its recorded chunks in the recorded order and waits for the recorded reply
 * bytes before going on (no fixed sleeps). The chunk boundaries come from the
 * transcript text (test/fixtures/transcripts-text), the bytes from the raw
 * streams (test/fixtures/transcripts), or from the text where a connection
 * has no raw stream (the reference client behind a proxy in transcript 06).
 *
 * Streams are compared after normalising what legitimately differs: the
 * server identification, cids, ports and timestamps.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { DEADLINE_MS, waitUntil, type RawConnection, type TestServer } from '../helpers/server.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

type Transport = 'unix' | 'tls' | 'plain';

export type TranscriptEvent =
  | { connection: string; kind: 'connect'; transport: Transport }
  | { connection: string; kind: 'send'; bytes: Buffer }
  | { connection: string; kind: 'expect'; bytes: Buffer }
  | { connection: string; kind: 'eof' }
  | { connection: string; kind: 'client-close' };

const HEADER = /^\[\s*[\d.]+\] ([^:\s]+): (.*)$/;
const INDENT = '          ';

/** Reads a transcript into the ordered events of all its connections. */
export function readTranscript(name: string): TranscriptEvent[] {
  const lines = readFileSync(`${FIXTURES}transcripts-text/${name}.txt`, 'latin1').split('\n');
  const events: TranscriptEvent[] = [];
  const offsets = new Map<string, number>();
  for (let index = 0; index < lines.length; index++) {
    const header = HEADER.exec(lines[index] as string);
    if (!header) continue;
    const [, connection, what] = header as unknown as [string, string, string];
    const chunk = /^(C->S|S->C) (\d+) bytes$/.exec(what);
    if (chunk) {
      const direction = chunk[1] === 'C->S' ? 'c2s' : 's2c';
      const size = Number(chunk[2]);
      const shown: string[] = [];
      while ((lines[index + 1] ?? '').startsWith(INDENT)) shown.push((lines[++index] as string).slice(INDENT.length));
      const key = `${connection}.${direction}`;
      const offset = offsets.get(key) ?? 0;
      offsets.set(key, offset + size);
      const bytes = recordedBytes(name, key, offset, size) ?? decodeShown(shown);
      expect(bytes.length, `${name} ${key} chunk at ${offset}`).toBe(size);
      events.push({ connection, kind: direction === 'c2s' ? 'send' : 'expect', bytes });
    } else if (what.startsWith('connected ')) {
      const transport: Transport = what.includes('Unix domain socket') ? 'unix' : what.includes('WITHOUT TLS') ? 'plain' : 'tls';
      events.push({ connection, kind: 'connect', transport });
    } else if (what === '<connection closed by server (EOF)>') {
      events.push({ connection, kind: 'eof' });
    } else if (what === 'client closed its socket') {
      events.push({ connection, kind: 'client-close' });
    }
  }
  return events;
}

const streams = new Map<string, Buffer | undefined>();

function recordedBytes(name: string, key: string, offset: number, size: number): Buffer | undefined {
  const file = `${FIXTURES}transcripts/${name}.${key}.bin`;
  if (!streams.has(file)) streams.set(file, existsSync(file) ? readFileSync(file) : undefined);
  return streams.get(file)?.subarray(offset, offset + size);
}

/** The transcript's rendering of bytes: `\r`, `\n`, `\xNN`, `\\`. */
function decodeShown(shown: string[]): Buffer {
  const bytes: number[] = [];
  for (const line of shown) {
    if (line.includes('...[ABBREVIATED')) throw new Error('an abbreviated line has no raw stream to read it from');
    const text = line.replace(/ {3}<-- \(no line end yet\)$/, '');
    for (let i = 0; i < text.length; i++) {
      const char = text[i] as string;
      if (char !== '\\') {
        bytes.push(char.charCodeAt(0));
        continue;
      }
      const next = text[++i];
      if (next === 'r') bytes.push(0x0d);
      else if (next === 'n') bytes.push(0x0a);
      else if (next === '\\') bytes.push(0x5c);
      else if (next === 'x') {
        bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
        i += 2;
      } else throw new Error(`unknown escape \\${next}`);
    }
  }
  return Buffer.from(bytes);
}

/**
 * Replaces what may differ between two correct servers: the greeting's
 * server identification, cids (numbered in order of appearance), and the
 * CLIENT fields that hold ports, timestamps and buffer sizes.
 */
export function normalise(stream: string): string {
  const cids = new Map<string, string>();
  return withoutVariableFields(stream).replace(CID, (cid) => {
      if (!cids.has(cid)) cids.set(cid, `<cid${cids.size + 1}>`);
    return cids.get(cid) as string;
  });
}

const CID = /(?:\d+\.\d+\.\d+\.\d+|unixdomainsocket):[\d.]+:\d+/g;

function withoutVariableFields(stream: string): string {
  return stream
    .replace(/^CLACKS [^\r\n]*\r\n/gm, 'CLACKS <server>\r\n')
    .replace(/(HOST|PORT|OUTBUFFER_LENGTH|LASTPING|WRITEFAILTIME)=[^;\r\n]*;/g, '$1=*;');
}

/** Pairs the recorded cids with ours, by order of appearance in the same stream. */
function learnCids(recorded: string, ours: string, cids: Map<string, string>): void {
  const theirs = withoutVariableFields(recorded).match(CID) ?? [];
  const mine = withoutVariableFields(ours).match(CID) ?? [];
  theirs.forEach((cid, index) => {
    if (mine[index] !== undefined) cids.set(cid, mine[index]);
  });
}

export interface ReplayOptions {
  /** Edits a connection's recorded reply stream where we deliberately differ (see DIFFERENCES.md). */
  patchExpected?: (connection: string, stream: string) => string;
}

/** Replays transcript `name` against `target` and checks every connection's received bytes. */
export async function replay(name: string, target: TestServer, options: ReplayOptions = {}): Promise<void> {
  const patch = options.patchExpected ?? ((_connection: string, stream: string) => stream);
  const connections = new Map<string, RawConnection>();
  const expected = new Map<string, string>();
  /** Recorded cid → ours, so that a recorded `CLIENTDISCONNECT <cid>` names our client. */
  const cids = new Map<string, string>();

  const open = async (connection: string, transport: Transport): Promise<RawConnection> => {
    const opened =
      transport === 'unix' ? await target.connectUnix() : transport === 'tls' ? await target.connectTls() : await target.connectPlainTcp();
    connections.set(connection, opened);
    expected.set(connection, '');
    return opened;
  };
  // A connection with no `connected` line (the proxied reference client) talks over the Unix socket.
  const get = async (connection: string) => connections.get(connection) ?? open(connection, 'unix');

  for (const event of readTranscript(name)) {
    const where = `${name} ${event.connection} ${event.kind}`;
    if (event.kind === 'connect') {
      await open(event.connection, event.transport);
    } else if (event.kind === 'send') {
      const connection = await get(event.connection);
      const text = event.bytes.toString('latin1');
      const bytes = text.search(CID) === -1 ? event.bytes : Buffer.from(text.replace(CID, (cid) => cids.get(cid) ?? cid), 'latin1');
      const before = target.server.stats.bytesReceived;
      connection.write(bytes);
      // Let the server take these bytes in before anyone else sends, so that
      // commands on different connections keep their recorded order.
      await waitUntil(() => target.server.stats.bytesReceived >= before + bytes.length, `the server to read ${where}`);
    } else if (event.kind === 'expect') {
      const connection = await get(event.connection);
      const stream = (expected.get(event.connection) ?? '') + event.bytes.toString('latin1');
      expected.set(event.connection, stream);
      const want = normalise(patch(event.connection, stream));
      try {
        await connection.waitFor((received) => normalise(received).startsWith(want), DEADLINE_MS);
        learnCids(patch(event.connection, stream), connection.received, cids);
      } catch (error) {
        // Show the difference rather than a timeout.
        expect(normalise(connection.received), where).toBe(want);
        throw error;
      }
    } else if (event.kind === 'eof') {
      await (await get(event.connection)).waitForClose();
    } else {
      (await get(event.connection)).destroy();
    }
  }

  for (const [connection, stream] of expected) {
    const received = (connections.get(connection) as RawConnection).received;
    expect(normalise(received), `${name} ${connection}: everything received`).toBe(normalise(patch(connection, stream)));
  }
}
