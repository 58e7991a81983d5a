/**
 * A client's queued output, counted in the bytes that will be written.
 *
 * Lines arrive as latin1 strings (one char per byte, so `length` is the byte
 * count) or as Buffers (a large line fanned out to many clients is encoded
 * once and shared). Short lines are joined in a string; while output
 * waits (`waiting`: the socket is full), that string is turned into a Buffer
 * every 16 KiB, so the queue costs what its bytes cost, not the three times
 * that a long chain of concatenated small strings takes on the heap. Output
 * that goes out this tick stays a string up to 1 MiB and is written as such.
 *
 * Text handed to `push` may be built of slices of an input chunk's text (the
 * server's fast path, commands.ts), which keep the whole chunk's text alive:
 * the connection writes or seals its queues at every flush, once per loop
 * iteration (client-connection.ts), so no text is kept longer than that.
 * @module
 */

/** Pending text becomes a Buffer once it is this long, while output waits… */
const SEAL_WAITING = 16 * 1024;
/** …and otherwise. */
const SEAL_FLOWING = 1024 * 1024;

export class OutputQueue {
  /** Bytes queued. */
  bytes = 0;
  /** The output is waiting (for the socket, or behind a streamed reply): keep it compact. */
  waiting = false;
  private text = '';
  private readonly chunks: Buffer[] = [];

  push(data: string | Buffer): void {
    if (typeof data === 'string') {
      this.text += data;
      if (this.text.length >= (this.waiting ? SEAL_WAITING : SEAL_FLOWING)) this.seal();
    } else {
      this.seal();
      this.chunks.push(data);
    }
    this.bytes += data.length;
  }

  /** Moves everything queued in `other` behind what is queued here. */
  append(other: OutputQueue): void {
    other.seal();
    if (other.chunks.length > 0) this.seal();
    for (const chunk of other.chunks) this.chunks.push(chunk);
    this.bytes += other.bytes;
    other.chunks.length = 0;
    other.bytes = 0;
  }

  /**
   * The next at most `max` bytes, in order, or undefined when nothing is
   * queued. Short text alone in the queue comes back as the string itself
   * (written as latin1 without an intermediate Buffer: the common case).
   */
  take(max: number): string | Buffer | undefined {
    if (this.chunks.length === 0 && this.text !== '' && this.text.length <= max) {
      const text = this.text;
      this.text = '';
      this.bytes -= text.length;
      return text;
    }
    this.seal();
    const first = this.chunks[0];
    if (first === undefined) return undefined;
    if (first.length > max) {
      this.chunks[0] = first.subarray(max);
      this.bytes -= max;
      return first.subarray(0, max);
    }
    this.chunks.shift();
    this.bytes -= first.length;
    return first;
  }

  /** Everything queued, as one Buffer (closing a connection), and empties the queue. */
  takeAll(): Buffer {
    this.seal();
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.chunks.length = 0;
    this.bytes = 0;
    return all;
  }

  /** Throws everything away; returns how many bytes that was. */
  clear(): number {
    const bytes = this.bytes;
    this.text = '';
    this.chunks.length = 0;
    this.bytes = 0;
    return bytes;
  }

  /** Turns the pending text into a Buffer. */
  seal(): void {
    if (this.text === '') return;
    this.chunks.push(Buffer.from(this.text, 'latin1'));
    this.text = '';
  }
}
