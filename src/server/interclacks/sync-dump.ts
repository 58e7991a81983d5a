/**
 * The cache dump of an interclacks sync: `OVERHEAD T <now>`, then one
 * KEYSYNC line per entry, tombstones included, in sorted order (as the
 * reference sends them), then whatever closes the block (`OVERHEAD L 0` and
 * `PING` from a master). It is a streamed reply (reply-stream.ts): the names
 * are sorted a slice at a time and the lines produced as the link's socket
 * takes them, so a big cache neither blocks the server nor sits in memory
 * as one string. Each entry is read when its line is produced: one changed
 * meanwhile goes out as it is then (the live change also follows the dump),
 * one gone meanwhile is left out.
 * @module
 */
import type { Cache } from '../cache.js';
import { NameMerge, SortedNames, type ReplyStream, type StreamBatch } from '../reply-stream.js';
import { encodeKeysync, type KeysyncDialect } from './keysync.js';

/** What a finished dump sent. */
export interface DumpResult {
  /** KEYSYNC lines sent. */
  sent: number;
  /** Entries that cannot cross to this peer (a key with `=` to a Perl server). */
  skipped: number;
}

export interface DumpOptions {
  /** The first lines (the `OVERHEAD T` line), produced when the dump starts. */
  head: () => string;
  /** The lines after the last entry. */
  tail: (result: DumpResult) => string;
  dialect: KeysyncDialect;
  /** Called once, when the last batch has been produced. */
  onDone: (result: DumpResult) => void;
}

export function syncDump(cache: Cache, options: DumpOptions): ReplyStream {
  let names: SortedNames | undefined;
  let merge: NameMerge | undefined;
  const result: DumpResult = { sent: 0, skipped: 0 };
  let finished = false;
  return {
    next(maxBytes: number): StreamBatch {
      let text = '';
      if (names === undefined) {
        text = options.head();
        names = new SortedNames(cache.allNames());
      }
      if (!names.sorted) {
        names.sortStep();
        if (!names.sorted) return { text, done: false };
      }
      merge ??= new NameMerge(names);
      while (text.length < maxBytes) {
        const name = merge.next();
        if (name === undefined) break;
        const entry = cache.peek(name);
        if (entry === undefined) continue;
        const line = encodeKeysync(name, entry, options.dialect);
        if (line === undefined) result.skipped++;
        else {
          text += line;
          result.sent++;
        }
      }
      if (!merge.done) return { text, done: false };
      if (!finished) {
        finished = true;
        options.onDone(result);
      }
      return { text: text + options.tail(result), done: true };
    },
    close() {
      names = undefined;
      merge = undefined;
    },
  };
}
