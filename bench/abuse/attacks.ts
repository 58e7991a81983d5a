/**
 * The server attacks of issue 10 at the issue's scale, each bounded in time
 * (and stopped early should the server's RSS pass 3 GiB, so that the code
 * before the fixes cannot take the shared machine down). They run in the
 * benchmark's process against the server child; what they report besides
 * the server's own figures goes into the row's notes.
 * @module
 */
import { connect as connectNet, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { authLine } from './protocol.js';

const MiB = 1024 * 1024;

/** Where the attackers connect, and how to watch the server while they do. */
export interface AttackTarget {
  socketPath: string;
  tls: { host: string; port: number };
  /** The server's RSS right now, in bytes. */
  serverRss(): Promise<number>;
  /** The server's counters right now. */
  serverStats(): Promise<Record<string, unknown>>;
}

/** What an attack says about itself: notes for the table, and figures for the JSON. */
export interface AttackOutcome {
  notes: string[];
  figures: Record<string, number | string | boolean>;
}

export interface Attack {
  id: string;
  title: string;
  /** Work done before the baseline is taken (filling the cache). */
  prepare?(target: AttackTarget): Promise<void>;
  run(target: AttackTarget): Promise<AttackOutcome>;
  /** Undoing `prepare`. */
  cleanUp?(target: AttackTarget): Promise<void>;
}

const RSS_CEILING = 3 * 1024 * MiB;

/** A socket that logs in (or not), with a promise for its close and a write that respects backpressure. */
class Peer {
  readonly socket: Socket;
  received = 0;
  text = '';
  closed = false;
  readonly gone: Promise<void>;
  keepText: boolean;

  constructor(socket: Socket, keepText = false) {
    this.socket = socket;
    this.keepText = keepText;
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      if (this.keepText) this.text += chunk.toString('latin1');
    });
    this.gone = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  static unix(path: string, keepText = false): Peer {
    return new Peer(connectNet(path), keepText);
  }

  /** Resolves when `text` has arrived (the peer keeps its text meanwhile), or the socket closed. */
  async waitFor(text: string, ms = 60_000): Promise<boolean> {
    this.keepText = true;
    const deadline = Date.now() + ms;
    while (!this.text.includes(text) && !this.closed && Date.now() < deadline) await sleep(5);
    return this.text.includes(text);
  }

  async login(username = 'bench', password = 'bench-password'): Promise<boolean> {
    this.socket.write(`CLACKS abuse-attacker\r\n${authLine(username, password)}NOPING\r\n`);
    const ok = await this.waitFor('OVERHEAD O Welcome!', 30_000);
    this.keepText = false;
    this.text = '';
    return ok;
  }

  /** Writes and waits for the socket to take it (or to close). */
  async write(data: string | Buffer): Promise<void> {
    if (this.closed) return;
    if (this.socket.write(data)) return;
    await Promise.race([new Promise((resolve) => this.socket.once('drain', resolve)), this.gone]);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `step` until `ms` have passed, or the server's RSS passes the ceiling; says which. */
async function during(target: AttackTarget, ms: number, step: () => Promise<boolean | void>): Promise<{ seconds: number; ceiling: boolean }> {
  const started = Date.now();
  let ceiling = false;
  let checkedAt = 0;
  while (Date.now() - started < ms) {
    if ((await step()) === false) break;
    if (Date.now() - checkedAt > 250) {
      checkedAt = Date.now();
      if ((await target.serverRss()) > RSS_CEILING) {
        ceiling = true;
        break;
      }
    }
  }
  return { seconds: (Date.now() - started) / 1000, ceiling };
}

const ceilingNote = (ceiling: boolean): string[] => (ceiling ? ['stopped early: the server passed 3 GiB RSS'] : []);

/** `count` logged-in peers, connected 50 at a time (every Unix-socket peer is one source for the caps on logins in progress). */
async function loggedIn(target: AttackTarget, count: number, username = 'bench', password = 'bench-password'): Promise<Peer[]> {
  const peers: Peer[] = [];
  while (peers.length < count) {
    const batch = Array.from({ length: Math.min(50, count - peers.length) }, () => Peer.unix(target.socketPath));
    await Promise.all(batch.map((peer) => peer.login(username, password)));
    peers.push(...batch);
  }
  return peers;
}

/** Logged-in peers that stop reading (optionally after LISTENing to a name). */
async function nonReaders(target: AttackTarget, count: number, listen?: string): Promise<Peer[]> {
  const peers = await loggedIn(target, count);
  if (listen !== undefined) {
    for (const peer of peers) peer.socket.write(`LISTEN ${listen}\r\nFLUSH l\r\n`);
    await Promise.all(peers.map((peer) => peer.waitFor('FLUSHED l')));
  }
  for (const peer of peers) peer.socket.pause();
  return peers;
}

/** Finding 1: 300 unauthenticated connections, each sending 15 MiB without a newline. */
const unauthenticated: Attack = {
  id: 'unauth-15mib',
  title: '300 unauthenticated connections × 15 MiB without a newline',
  async run(target) {
    const chunk = Buffer.alloc(MiB, 0x78);
    const peers = Array.from({ length: 300 }, () => Peer.unix(target.socketPath));
    let sent = 0;
    const { seconds, ceiling } = await (async () => {
      const started = Date.now();
      let stop = false;
      const watch = (async () => {
        while (!stop) {
          if ((await target.serverRss()) > RSS_CEILING) return true;
          await sleep(250);
        }
        return false;
      })();
      await Promise.race([
        Promise.all(
          peers.map(async (peer) => {
            for (let i = 0; i < 15 && !peer.closed && !stop && Date.now() - started < 40_000; i++) {
              await peer.write(chunk);
              if (!peer.closed) sent += chunk.length;
            }
          }),
        ),
        watch.then((hit) => {
          if (hit) stop = true;
        }),
      ]);
      stop = true;
      return { seconds: (Date.now() - started) / 1000, ceiling: await watch };
    })();
    await sleep(500);
    const closed = peers.filter((peer) => peer.closed).length;
    for (const peer of peers) peer.destroy();
    const stats = await target.serverStats();
    const refused = (stats.refusedBy as Record<string, number> | undefined)?.maxUnauthenticatedPerSource;
    return {
      notes: [
        `${closed} of 300 closed by the server${refused === undefined ? '' : ` (${refused} refused on accept, ${String(stats.linesTooLong)} for line_too_long)`}`,
        `${(sent / MiB).toFixed(0)} MiB taken by the server's sockets in ${seconds.toFixed(1)} s`,
        ...ceilingNote(ceiling),
      ],
      figures: { closedByServer: closed, sentMiB: sent / MiB, seconds },
    };
  },
};

/** Finding 2: 200 logged-in peers (no permissions) dribbling an endless line a byte per write, 10 MiB in all. */
const dribble: Attack = {
  id: 'dribble-1byte',
  title: '200 logged-in peers × an endless line, 1 byte per write, 10 MiB in all (at most 50 s)',
  async run(target) {
    const peers = await loggedIn(target, 200, 'nobody', 'nothing');
    for (const peer of peers) peer.socket.write('STORE dribble=');
    const byte = Buffer.from('x');
    let sent = 0;
    const { seconds, ceiling } = await during(target, 50_000, async () => {
      if (sent >= 10 * MiB) return false;
      for (let round = 0; round < 20; round++) {
        for (const peer of peers) {
          if (!peer.closed) {
            peer.socket.write(byte);
            sent++;
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    const closed = peers.filter((peer) => peer.closed).length;
    for (const peer of peers) peer.destroy();
    return {
      notes: [`${(sent / MiB).toFixed(1)} MiB sent one byte at a time in ${seconds.toFixed(1)} s`, `${closed} peers closed by the server`, ...ceilingNote(ceiling)],
      figures: { sentBytes: sent, seconds, closedByServer: closed },
    };
  },
};

/** Finding 3: 40 listeners that never read, under a flood of small SETs (where queued lines cost most beyond their bytes). */
const setFlood: Attack = {
  id: 'set-flood-40',
  title: '40 non-reading listeners under a flood of small SETs (34-byte lines), 20 s',
  async run(target) {
    const listeners = await nonReaders(target, 40, 'abuse::flood');
    const writer = Peer.unix(target.socketPath);
    await writer.login();
    const batch = Buffer.from('SET abuse::flood=0123456789abcdef\r\n'.repeat(2048));
    let sets = 0;
    const { seconds, ceiling } = await during(target, 20_000, async () => {
      await writer.write(batch);
      sets += 2048;
      return !writer.closed;
    });
    const stats = await target.serverStats();
    const dropped = listeners.filter((peer) => peer.closed).length;
    for (const peer of [...listeners, writer]) peer.destroy();
    return {
      notes: [`${sets.toLocaleString('en')} SETs in ${seconds.toFixed(1)} s`, `listeners dropped: ${droppedBy(stats)}`, ...ceilingNote(ceiling)],
      figures: { sets, seconds, listenersSeenClosed: dropped },
    };
  },
};

/** Finding 3: OVERHEAD G from one writer to 60 clients that never read: 64 MiB of lines, 3.75 GiB if every copy were kept. */
const overheadG: Attack = {
  id: 'overhead-g-60',
  title: 'OVERHEAD G from one writer to 60 non-reading clients: 1,024 lines of 64 KiB (16 MiB/s)',
  async run(target) {
    const clients = await nonReaders(target, 60);
    const writer = Peer.unix(target.socketPath);
    await writer.login();
    const line = Buffer.from(`OVERHEAD GN ${'g'.repeat(64 * 1024)}\r\n`);
    let sent = 0;
    // Paced at 16 MiB/s: every logged-in client receives OVERHEAD G, the probe too, and it should
    // measure the server's responsiveness rather than its own share of a flood it cannot read faster.
    const started = Date.now();
    const { seconds, ceiling } = await during(target, 60_000, async () => {
      await writer.write(line);
      sent++;
      const ahead = started + sent * 4 - Date.now();
      if (ahead > 0) await sleep(ahead);
      return !writer.closed && sent < 1024;
    });
    writer.socket.write('FLUSH sent\r\n');
    await writer.waitFor('FLUSHED sent', 60_000);
    const stats = await target.serverStats();
    for (const peer of [...clients, writer]) peer.destroy();
    return {
      notes: [`${sent} lines (${((sent * line.length) / MiB).toFixed(0)} MiB) sent in ${seconds.toFixed(1)} s`, `clients dropped: ${droppedBy(stats)}`, ...ceilingNote(ceiling)],
      figures: { lines: sent, seconds },
    };
  },
};

function droppedBy(stats: Record<string, unknown>): string {
  const by = stats.droppedBy as Record<string, number> | undefined;
  if (by === undefined) return `${String(stats.clientsDropped)} (with output queued)`;
  const parts = Object.entries(by).filter(([, count]) => count > 0);
  return parts.length === 0 ? 'none' : parts.map(([kind, count]) => `${count} ${kind}`).join(', ');
}

/** Finding 5: password guessing from one source, 64 connections at a time, 10 s. */
function bruteForce(kind: 'unix' | 'tls'): Attack {
  return {
    id: `login-${kind}`,
    title: `password guessing over ${kind === 'unix' ? 'the Unix socket' : 'TLS'}, 64 connections at a time, 10 s`,
    async run(target) {
      const before = Number((await target.serverStats()).authFailures);
      const answered: number[] = [];
      const started = Date.now();
      let stop = false;
      const open = new Set<Peer>();
      const guesser = async (n: number): Promise<void> => {
        for (let attempt = 0; !stop; attempt++) {
          const socket =
            kind === 'unix'
              ? connectNet(target.socketPath)
              : connectTls({ host: target.tls.host, port: target.tls.port, rejectUnauthorized: false });
          const peer = new Peer(socket);
          open.add(peer);
          socket.write(`CLACKS guesser\r\n${authLine('bench', `guess-${n}-${attempt}`)}`);
          const failed = await Promise.race([peer.waitFor('Login failed!', 20_000), peer.gone.then(() => false)]);
          if (failed || peer.text.includes('Login failed!')) answered.push(Date.now() - started);
          peer.destroy();
          open.delete(peer);
        }
      };
      const guessers = Array.from({ length: 64 }, (_, n) => guesser(n));
      await sleep(10_000);
      stop = true;
      for (const peer of open) peer.destroy();
      await Promise.all(guessers);
      const after = Number((await target.serverStats()).authFailures);
      const total = answered.length;
      const lastFive = answered.filter((at) => at >= 5_000 && at < 10_000).length;
      return {
        notes: [`${total} guesses answered in 10 s (${(total / 10).toFixed(1)}/s)`, `sustained (last 5 s): ${(lastFive / 5).toFixed(1)}/s`, `server counted ${after - before} failures`],
        figures: { guessesPerSecond: total / 10, sustainedPerSecond: lastFive / 5 },
      };
    },
  };
}

const KEYS = 1_000_000;
/** 64-character names: a KEYLIST of a million of them is 70 MB, more than the old 64 MiB output cap. */
const keyName = (i: number): string => `bench::abuse::keylist::${String(i).padStart(41, '0')}`;

/** Finding 6: a million keys; 20 pipelined KEYLISTs from a client that does not read, and one full KEYLIST for a client that does. */
const keylist: Attack = {
  id: 'keylist-1m',
  title: '1M keys (64-byte names): 20 pipelined KEYLISTs by a non-reader; a full 70 MB KEYLIST by a reader',
  async prepare(target) {
    const writer = Peer.unix(target.socketPath);
    await writer.login();
    for (let i = 0; i < KEYS; i += 10_000) {
      let text = '';
      for (let j = i; j < i + 10_000; j++) text += `STORE ${keyName(j)}=1\r\n`;
      await writer.write(text);
    }
    writer.socket.write('FLUSH filled\r\n');
    await writer.waitFor('FLUSHED filled', 120_000);
    writer.destroy();
  },
  async run(target) {
    const lurker = Peer.unix(target.socketPath);
    await lurker.login();
    lurker.socket.pause();
    lurker.socket.write('KEYLIST\r\n'.repeat(20));
    await sleep(5_000);
    const reader = Peer.unix(target.socketPath, true);
    await reader.login();
    const started = Date.now();
    reader.socket.write('KEYLIST\r\n');
    reader.keepText = false;
    // The reader counts bytes only; the END line is found in the last chunk.
    let complete = false;
    let lastChunk = '';
    reader.socket.on('data', (chunk: Buffer) => {
      lastChunk = chunk.toString('latin1', Math.max(0, chunk.length - 64));
      if (lastChunk.includes('KEYLISTEND')) complete = true;
    });
    while (!complete && !reader.closed && Date.now() - started < 60_000) await sleep(10);
    const seconds = (Date.now() - started) / 1000;
    const bytes = reader.received;
    for (const peer of [lurker, reader]) peer.destroy();
    return {
      notes: [
        complete ? `the full KEYLIST (${(bytes / MiB).toFixed(0)} MiB) completed in ${seconds.toFixed(1)} s` : `the full KEYLIST did NOT complete (${reader.closed ? 'dropped' : 'timed out'} after ${(bytes / MiB).toFixed(0)} MiB)`,
      ],
      figures: { fullKeylistComplete: complete, fullKeylistSeconds: seconds, fullKeylistBytes: bytes },
    };
  },
  async cleanUp(target) {
    const manager = Peer.unix(target.socketPath);
    await manager.login();
    manager.socket.write('CLEARCACHE\r\nFLUSH cleared\r\n');
    await manager.waitFor('FLUSHED cleared', 60_000);
    manager.destroy();
  },
};

/** Finding 7: a user without permissions writing 1 MiB OVERHEAD E lines into the server's log. */
const logFlood: Attack = {
  id: 'log-flood',
  title: 'a user without permissions: 200 × OVERHEAD E of 1 MiB (with escape sequences)',
  async run(target) {
    const peer = Peer.unix(target.socketPath);
    await peer.login('nobody', 'nothing');
    const line = Buffer.from(`OVERHEAD E \x1b]0;owned\x07${'e'.repeat(MiB)}\r\n`, 'latin1');
    for (let i = 0; i < 200; i++) await peer.write(line);
    peer.socket.write('FLUSH logged\r\n');
    const done = await peer.waitFor('FLUSHED logged', 120_000);
    peer.destroy();
    return { notes: [done ? '200 MiB of reports sent and processed' : 'the reports were not all processed'], figures: {} };
  },
};

export const SERVER_ATTACKS: readonly Attack[] = [unauthenticated, dribble, setFlood, overheadG, bruteForce('unix'), bruteForce('tls'), keylist, logFlood];
