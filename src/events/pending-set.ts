/**
 * A large SET event whose value is still the bytes of its line. The line
 * reader hands over lines of 1 MiB and more undecoded; a SET among them
 * waits in the iterators' buffers as bytes (memory outside the JavaScript
 * heap, freed as soon as the event is dropped) and becomes an ordinary
 * `{ type, name, value }` object when a consumer takes it. An event that a
 * slow consumer's bound drops is never decoded, so a flood of large SETs
 * does not leave one large string per SET for the garbage collector.
 * @module
 */
import type { SetEvent } from './types.js';

const EMPTY = new Uint8Array(0);

export class PendingSetEvent {
  readonly type = 'set';
  readonly name: string;
  /** The line's length on the wire, LF included (what an iterator's byte bound counts). */
  readonly weight: number;
  private bytes: Uint8Array;
  private readonly decode: (bytes: Uint8Array) => string;
  private text: string | undefined;
  private event: SetEvent | undefined;

  /**
   * The event of a `SET name=value` line (CRs removed), or undefined for any
   * other line. `decode` turns UTF-8 bytes into text as the line reader
   * would: '=' is ASCII, never part of a multi-byte sequence, so decoding
   * the name and the value apart gives the same text as decoding the line.
   */
  static fromLine(line: Uint8Array, decode: (bytes: Uint8Array) => string): PendingSetEvent | undefined {
    // `SET `
    if (line[0] !== 0x53 || line[1] !== 0x45 || line[2] !== 0x54 || line[3] !== 0x20) return undefined;
    const eq = line.indexOf(0x3d, 4);
    if (eq === -1) return undefined;
    return new PendingSetEvent(decode(line.subarray(4, eq)), line.subarray(eq + 1), line.length + 1, decode);
  }

  private constructor(name: string, value: Uint8Array, weight: number, decode: (bytes: Uint8Array) => string) {
    this.name = name;
    this.bytes = value;
    this.weight = weight;
    this.decode = decode;
  }

  /** The value as text, decoded on first use (the bytes are let go then). */
  get value(): string {
    if (this.text === undefined) {
      this.text = this.decode(this.bytes);
      this.bytes = EMPTY;
    }
    return this.text;
  }

  /** The event as consumers see it: a plain object, the same one for every consumer. */
  take(): SetEvent {
    return (this.event ??= { type: 'set', name: this.name, value: this.value });
  }
}

/** What a buffered event is to its consumer: a pending SET decoded now, anything else as it is. */
export function takeEvent<T>(event: T): T {
  return event instanceof PendingSetEvent ? (event.take() as T) : event;
}
