/**
 * Replays the interclacks sessions of transcript 11 (two reference servers
 * linked through a recording proxy) against ONE of our servers, with the
 * other server played by its recorded bytes:
 *
 * - against our master, the test plays the Perl slave: it opens the link to
 *   our master at each recorded link-up, sends what the slave sent (S->M)
 *   and expects what the master sent (M->S); the recorded clients of the
 *   master are replayed against ours, those of the slave are left out;
 * - against our slave, the test plays the Perl master: a listener that
 *   accepts our slave's connection at each recorded link-up (and refuses it
 *   before, as the blocked proxy did), expects S->M and sends M->S; the
 *   clients of the slave are replayed.
 *
 * Streams are compared after normalising what legitimately differs (server
 * identification, cids, timestamps in `OVERHEAD T` and KEYSYNC lines, the
 * order of CLIENT lines, and the link keepalive PINGs, whose timing is
 * arbitrary). The recorded times in the T and KEYSYNC lines we send are
 * mapped onto our own clock, event by event (a monotonic map anchored at
 * every replayed event), so that which write is newer stays as recorded
 * although the replay runs much faster than the recording.
 *
 * The transcript's "State check" blocks (RETRIEVE of every key on both
 * servers) are checked against our server where they appear.
 */
import { readFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { epochSeconds } from '../../src/server/clock.js';
import { DEADLINE_MS, RawConnection, sleep, waitUntil, type TestServer } from '../helpers/server.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const TEXT = readFileSync(`${FIXTURES}transcripts-text/11_interclacks.txt`, 'latin1').split('\n');

export type Side = 'master' | 'slave';

type Event =
  | { t: number; kind: 'connect'; who: string }
  | { t: number; kind: 'send' | 'expect'; who: string; bytes: Buffer }
  | { t: number; kind: 'eof'; who: string }
  | { t: number; kind: 'link-accept'; link: string }
  | { t: number; kind: 'link'; link: string; dir: 's2m' | 'm2s'; bytes: Buffer }
  | { t: number; kind: 'link-drop' | 'master-closed' | 'slave-closed'; link: string }
  | { t: number; kind: 'state'; side: Side; label: string; retrieves: Array<{ name: string; reply: string }> };

const HEADER = /^\[\s*(-?[\d.]+)\] ([^:\s]+): (.*)$/;
const INDENT = '          ';

/** Which server a recorded client talked to: M/S, or its name's last letter (Lm, Cs, NEWs); X was the slave's. */
export function sideOf(who: string): Side {
  if (who === 'M' || who.endsWith('m')) return 'master';
  return 'slave';
}

/** The events of one scenario, in recorded order. `linkFiles` names the raw file of each link number (default: the scenario's). */
export function readScenario(name: string, linkFiles: Record<string, string> = {}): Event[] {
  const start = TEXT.findIndex((line) => line.startsWith(`# transcript ${name}. Raw:`));
  if (start === -1) throw new Error(`no scenario ${name} in transcript 11`);
  const events: Event[] = [];
  const offsets = new Map<string, number>();
  /**
   * A chunk's bytes from the raw stream, or from the display where the raw
   * file ends early (it holds one connection of a link: later re-links of
   * the scenario are only shown, in full).
   */
  const take = (file: string, size: number, shown: () => string[]): Buffer => {
    const path = `${FIXTURES}transcripts-11/11_interclacks.${file}.bin`;
    const offset = offsets.get(file) ?? 0;
    const raw = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
    let bytes: Buffer;
    if (offset + size <= raw.length) {
      offsets.set(file, offset + size);
      bytes = raw.subarray(offset, offset + size);
    } else {
      offsets.set(file, raw.length);
      bytes = Buffer.from(shown().map(decodeShown).join(''), 'latin1');
    }
    expect(bytes.length, `${file} chunk at ${offset}`).toBe(size);
    return bytes;
  };
  const shownAfter = (index: number) => (): string[] => {
    const lines: string[] = [];
    for (let next = index + 1; (TEXT[next] ?? '').startsWith(INDENT); next++) {
      const text = (TEXT[next] as string).slice(INDENT.length);
      if (text.startsWith('... (')) throw new Error(`the display of the chunk before line ${next + 1} is cut and there is no raw stream for it`);
      lines.push(text);
    }
    return lines;
  };
  let t = 0;
  for (let index = start + 1; index < TEXT.length; index++) {
    const line = TEXT[index] as string;
    if (line.startsWith('##########')) break;
    const state = /^## State check "([^"]+)"/.exec(line);
    if (state) {
      for (let next = index + 1; next < TEXT.length; next++) {
        const head = /^ {3}(master|slave) \([^)]*\): KEYLIST/.exec(TEXT[next] as string);
        if (!head) {
          if (!(TEXT[next] as string).startsWith(' ')) break;
          continue;
        }
        const retrieves: Array<{ name: string; reply: string }> = [];
        while (/^ {7}RETRIEVE /.test(TEXT[next + 1] ?? '')) {
          const [, key, reply] = /^ {7}RETRIEVE (.*?) -> (.*)$/.exec(TEXT[++next] as string) as unknown as [string, string, string];
          retrieves.push({ name: decodeShown(key), reply: decodeShown(reply) });
        }
        events.push({ t, kind: 'state', side: head[1] as Side, label: state[1] as string, retrieves });
      }
      continue;
    }
    const header = HEADER.exec(line);
    if (!header) continue;
    t = Number(header[1]);
    const who = header[2] as string;
    const what = header[3] as string;
    const link = /^LINK#(\d+)$/.exec(who)?.[1];
    const chunk = /^(C->S|S->C|S->M|M->S) (\d+) bytes$/.exec(what);
    if (link !== undefined) {
      const file = linkFiles[link] ?? name;
      if (chunk) {
        const dir = chunk[1] === 'S->M' ? 's2m' : 'm2s';
        events.push({ t, kind: 'link', link, dir, bytes: take(`${file}.${dir}`, Number(chunk[2]), shownAfter(index)) });
      } else if (what.startsWith("<proxy accepted the slave's link connection")) events.push({ t, kind: 'link-accept', link });
      else if (what.startsWith('<proxy destroyed the link connection')) events.push({ t, kind: 'link-drop', link });
      else if (what === '<master side closed the link connection>') events.push({ t, kind: 'master-closed', link });
      else if (what === '<slave side closed the link connection>') events.push({ t, kind: 'slave-closed', link });
      continue;
    }
    if (who === 'LINK' || who === 'driver') continue;
    if (chunk) {
      const dir = chunk[1] === 'C->S' ? 'c2s' : 's2c';
      events.push({ t, kind: dir === 'c2s' ? 'send' : 'expect', who, bytes: take(`${name}-${who}.${dir}`, Number(chunk[2]), shownAfter(index)) });
    } else if (what.startsWith('<connected ')) events.push({ t, kind: 'connect', who });
    else if (what === '<connection closed by server (EOF)>') events.push({ t, kind: 'eof', who });
  }
  return events;
}

/** The transcript's rendering of bytes: `\r`, `\n`, `\xNN`, `\\`. */
function decodeShown(text: string): string {
  return text.replace(/\\(x[0-9A-Fa-f]{2}|r|n|\\)/g, (_match, code: string) =>
    code === 'r' ? '\r' : code === 'n' ? '\n' : code === '\\' ? '\\' : String.fromCharCode(Number.parseInt(code.slice(1), 16)),
  );
}

/** What may differ between two correct servers, in one received stream. */
export function normalise(stream: string): string {
  let text = stream
    .replace(/^CLACKS [^\r\n]*\r\n/gm, 'CLACKS <server>\r\n')
    .replace(/^OVERHEAD T [\d.]+\r\n/gm, 'OVERHEAD T <t>\r\n')
    .replace(/^KEYSYNC [\d.]+ ([\d.]+) /gm, (_match, accessed: string) => `KEYSYNC <t> ${accessed === '0' ? '0' : '<t>'} `)
    // Keepalive PINGs come when they come; the one that closes a master's sync block stays.
    .replace(/^PING\r\n/gm, (match, offset: number, all: string) => (all.slice(Math.max(0, offset - 14), offset) === 'OVERHEAD L 0\r\n' ? match : ''))
    .replace(/(CID|HOST|PORT)=(?!unixdomainsocket:interclacksmaster;)(?:\d+\.\d+\.\d+\.\d+|unixdomainsocket|[\d.]+:\d+)[^;\r\n]*;/g, '$1=*;')
    .replace(/(OUTBUFFER_LENGTH|INBUFFER_LENGTH|LASTPING|LASTINTERCLACKSPING|WRITEFAILTIME)=[^;\r\n]*;/g, '$1=*;')
    .replace(/(?:unixdomainsocket|\d+\.\d+\.\d+\.\d+):[\d.]+:\d+/g, '<cid>');
  // CLIENT lines in sorted order: the reference and we sort by cid, whose text differs.
  text = text.replace(/(?:^CLIENT [^\r\n]*\r\n)+/gm, (block) => block.split(/(?<=\r\n)/).sort().join(''));
  return text;
}

/** A monotonic map from recorded epoch seconds to ours, anchored at every replayed event. */
class ClockMap {
  private readonly anchors: Array<[number, number]> = [];

  anchor(recorded: number): void {
    const ours = epochSeconds();
    const last = this.anchors[this.anchors.length - 1];
    if (last !== undefined && recorded < last[0]) return;
    this.anchors.push([recorded, ours]);
  }

  map(recorded: number): number {
    const anchors = this.anchors;
    if (anchors.length === 0) return recorded;
    const first = anchors[0] as [number, number];
    if (recorded <= first[0]) return first[1] - (first[0] - recorded);
    for (let i = 1; i < anchors.length; i++) {
      const [r1, o1] = anchors[i] as [number, number];
      if (recorded <= r1) {
        const [r0, o0] = anchors[i - 1] as [number, number];
        return r1 === r0 ? o1 : o0 + ((recorded - r0) / (r1 - r0)) * (o1 - o0);
      }
    }
    const last = anchors[anchors.length - 1] as [number, number];
    // Beyond the last anchor: the recording's pace, but never before our present.
    return Math.max(last[1] + (recorded - last[0]), epochSeconds());
  }

  /** The recorded T and KEYSYNC times of a chunk we are about to send, in our clock. */
  rewrite(bytes: Buffer): Buffer {
    const text = bytes.toString('latin1');
    if (!/OVERHEAD T |KEYSYNC /.test(text)) return bytes;
    const time = (value: string) => this.map(Number(value)).toFixed(5);
    return Buffer.from(
      text
        .replace(/^OVERHEAD T ([\d.]+)/gm, (_match, value: string) => `OVERHEAD T ${time(value)}`)
        .replace(/^KEYSYNC ([\d.]+) ([\d.]+) /gm, (_match, cached: string, accessed: string) => `KEYSYNC ${time(cached)} ${accessed === '0' ? '0' : time(accessed)} `),
      'latin1',
    );
  }
}

/** The other server of the recording, played by its recorded bytes. */
export interface Network {
  side: Side;
  /** Our server under test. */
  ours: TestServer;
  /** Against our slave: accepts our slave's next link connection (listening only until it comes). */
  acceptLink?: () => Promise<RawConnection>;
  /** Against our master: opens the link as the Perl slave did. */
  openLink?: () => Promise<RawConnection>;
}

export interface ScenarioOptions {
  /** Raw file of each link number (default: the scenario's own). */
  linkFiles?: Record<string, string>;
  /** Replay only the events from this time on (and only the connections opened from then on). */
  from?: number;
  /** Edits the expected stream of a connection (`LINK` for the link) where we differ on purpose. */
  patch?: (who: string, stream: string) => string;
  /** The time the first `OVERHEAD T` of the scenario was written, when not that of its chunk (a held sync). */
  timestampWrittenAt?: number;
  /** Before the event at `t`: let `ms` pass, then check that these connections received nothing more than expected. */
  quietBefore?: { t: number; ms: number; who: string[] };
}

/** State shared by the scenarios of one group (replayed in order on the same servers). */
export class Replayer {
  private readonly clock = new ClockMap();
  private origin: number | undefined;
  private link: RawConnection | undefined;
  /** What the link is expected to receive in this scenario, and where in its stream the scenario started. */
  private linkExpected = '';
  private linkBase = 0;
  private readonly connections = new Map<string, RawConnection>();
  private readonly expected = new Map<string, string>();

  constructor(private readonly network: Network) {}

  async scenario(name: string, options: ScenarioOptions = {}): Promise<void> {
    const { side, ours } = this.network;
    const patch = options.patch ?? ((_who: string, stream: string) => stream);
    const events = readScenario(name, options.linkFiles).filter((event) => options.from === undefined || event.t >= options.from);
    // Without a T line (a link that never comes up) there are no recorded times to map.
    this.origin = originOf(events, options.timestampWrittenAt) ?? this.origin ?? 0;
    const mine = (who: string) => sideOf(who) === side;
    const received = (who: string, connection: RawConnection): string => (who === 'LINK' ? connection.received.slice(this.linkBase) : connection.received);
    const check = async (who: string, connection: RawConnection, stream: string, where: string): Promise<void> => {
      const want = normalise(patch(who, stream));
      try {
        await connection.waitFor(() => normalise(received(who, connection)).startsWith(want), DEADLINE_MS);
      } catch (error) {
        expect(normalise(received(who, connection)), where).toBe(want);
        throw error;
      }
    };
    // A link that carries on from the previous scenario is compared from here on.
    this.linkExpected = '';
    this.linkBase = this.link?.received.length ?? 0;
    let previous = Number.NEGATIVE_INFINITY;
    for (const event of events) {
      const where = `${name} [${event.t}] ${'who' in event ? event.who : 'link' in event ? `LINK#${event.link}` : event.kind}`;
      if (options.quietBefore && event.t === options.quietBefore.t) {
        await sleep(options.quietBefore.ms);
        for (const who of options.quietBefore.who) {
          const connection = this.connections.get(who);
          if (connection === undefined) continue;
          expect(normalise(connection.received), `${where}: ${who} must get nothing while the sync lock holds the server`).toBe(normalise(patch(who, this.expected.get(who) ?? '')));
        }
      }
      // Writes the recording made 0.3 s apart (which decides which one is newer) stay clearly apart
      // here, well beyond what a clock offset absorbs of the link's delay.
      if (event.t - previous >= 0.25) await sleep(40);
      previous = event.t;
      this.clock.anchor(this.origin + event.t);
      switch (event.kind) {
        case 'connect':
          if (!mine(event.who)) break;
          this.connections.set(event.who, await ours.connectUnix());
          this.expected.set(event.who, '');
          break;
        case 'send': {
          const connection = this.connections.get(event.who);
          if (connection === undefined) break;
          await this.write(connection, event.bytes, where);
          break;
        }
        case 'expect': {
          const connection = this.connections.get(event.who);
          if (connection === undefined) break;
          const stream = (this.expected.get(event.who) ?? '') + event.bytes.toString('latin1');
          this.expected.set(event.who, stream);
          if (!UNCHECKED.test(event.who)) await check(event.who, connection, stream, where);
          break;
        }
        case 'eof': {
          const connection = this.connections.get(event.who);
          if (connection !== undefined && !UNCHECKED.test(event.who)) await connection.waitForClose();
          break;
        }
        case 'link-accept':
          this.link = side === 'slave' ? await (this.network.acceptLink as () => Promise<RawConnection>)() : await (this.network.openLink as () => Promise<RawConnection>)();
          this.linkExpected = '';
          this.linkBase = 0;
          break;
        case 'link': {
          const link = this.link;
          if (link === undefined) break;
          const ourTurn = (side === 'master') === (event.dir === 'm2s');
          if (ourTurn) {
            this.linkExpected += event.bytes.toString('latin1');
            await check('LINK', link, this.linkExpected, where);
          } else if (!link.closed) {
            await this.write(link, this.clock.rewrite(event.bytes), where);
          }
          break;
        }
        case 'link-drop':
          this.link?.destroy();
          this.link = undefined;
          break;
        case 'master-closed':
        case 'slave-closed':
          if (this.link === undefined) break;
          if ((event.kind === 'master-closed') === (side === 'master')) await this.link.waitForClose();
          else this.link.socket.end();
          break;
        case 'state':
          if (event.side === side) await this.checkState(event.retrieves, `${where} state "${event.label}"`);
          break;
      }
    }
    // Everything each checked connection received is what was recorded, and nothing more.
    for (const [who, stream] of this.expected) {
      if (UNCHECKED.test(who)) continue;
      const connection = this.connections.get(who) as RawConnection;
      expect(normalise(connection.received), `${name} ${who}: everything received`).toBe(normalise(patch(who, stream)));
    }
    if (this.link !== undefined) expect(normalise(received('LINK', this.link)), `${name} LINK: everything received`).toBe(normalise(patch('LINK', this.linkExpected)));
    this.connections.clear();
    this.expected.clear();
  }

  /** Writes, and lets our server take the bytes in before the next event (the recorded order across connections). */
  private async write(connection: RawConnection, bytes: Buffer, where: string): Promise<void> {
    const { server } = this.network.ours;
    const before = server.stats.bytesReceived;
    connection.write(bytes);
    await waitUntil(() => server.stats.bytesReceived >= before + bytes.length || connection.closed, `our server to read ${where}`);
  }

  /** RETRIEVE of every key the transcript checked, through a client of our server. */
  private async checkState(retrieves: Array<{ name: string; reply: string }>, where: string): Promise<void> {
    if (retrieves.length === 0) return;
    const client = await this.network.ours.connectUnix();
    await client.login();
    const start = client.received.length;
    client.write(`${retrieves.map(({ name }) => `RETRIEVE ${name}\r\n`).join('')}FLUSH statecheck\r\n`);
    await client.waitFor('FLUSHED statecheck\r\n');
    const got = client.received.slice(start).replace('FLUSHED statecheck\r\n', '');
    expect(got, where).toBe(retrieves.map(({ reply }) => `${reply}\r\n`).join(''));
    client.write('QUIT\r\n');
    await client.waitForClose();
  }
}

/** Monitors see the verification clients the transcript does not show: they are replayed but not checked. */
const UNCHECKED = /^MON/;

/** The recorded epoch at t = 0 of a scenario: its first OVERHEAD T, less the time it was written. */
function originOf(events: Event[], writtenAt: number | undefined): number | undefined {
  for (const event of events) {
    if (event.kind !== 'link' || event.dir !== 'm2s') continue;
    const found = /OVERHEAD T ([\d.]+)/.exec(event.bytes.toString('latin1'));
    if (found) return Number(found[1]) - (writtenAt ?? event.t);
  }
  return undefined;
}

/** A stand-in for the Perl master: listens only while our slave's link is expected, as the blocked proxy did. */
export function fakeMaster(options: { path?: string; port?: number; tls?: { cert: Buffer; key: Buffer } }): { acceptLink: () => Promise<RawConnection>; close: () => void } {
  const port = options.port ?? 0;
  let server: net.Server | undefined;
  const create = (): net.Server => (options.tls ? tls.createServer({ cert: options.tls.cert, key: options.tls.key }) : net.createServer());
  return {
    acceptLink: () =>
      new Promise((resolve, reject) => {
        const listener = create();
        server = listener;
        const event = options.tls ? 'secureConnection' : 'connection';
        listener.once(event, (socket: net.Socket) => {
          listener.close();
          resolve(RawConnection.wrap(socket));
        });
        listener.once('error', reject);
        if (options.path) listener.listen(options.path);
        else listener.listen(port, '127.0.0.1');
      }),
    close: () => server?.close(),
  };
}

/** A free TCP port for the fake master's TLS listener (our slave's config needs it before it listens). */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
