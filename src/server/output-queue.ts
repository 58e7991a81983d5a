/**
 * A client's queued output, counted in the bytes that will be written.
 *
 * Lines arrive as latin1 strings (one char per byte, so `length` is the byte
 * count) or as Buffers (a large line fanned out to many clients is encoded
 * once and shared). Output that goes out this tick is joined in a string (up
 * to 1 MiB) and written as such. Output that waits (`waiting`: the socket is
 * full, or a streamed reply goes first) is copied into 16 KiB blocks of bytes
 * as it comes, so the queue costs what its bytes cost, not the three times
 * that a long chain of concatenated small strings takes on the heap, and it
 * keeps no string alive: text handed to `push` may be built of slices of an
 * input chunk's text (the server's fast path, commands.ts), which would keep
 * the whole chunk alive for as long as the text is kept. Text is kept only
 * until the end of the loop turn, when the queue is written or, if the socket
 * takes nothing more, sealed.
 * @module
 */

/** While output waits, text is copied into blocks of this size. */
const BLOCK = 16 * 1024;
/** Pending text becomes a Buffer once it is this long. */
const SEAL_FLOWING = 1024 * 1024;

export class OutputQueue {
  /** Bytes queued. */
  bytes = 0;
  /** The output is waiting (for the socket, or behind a streamed reply): keep it compact. */
  waiting = false;
  /** Queued in this order: `chunks`, then the used part of `block`, then `text`. */
  private text = '';
  private readonly chunks: Buffer[] = [];
  /** While output waits: the block text is copied into, and how many of its bytes are used. */
  private block: Buffer | undefined;
  private blockUsed = 0;

  push(data: string | Buffer): void {
    if (typeof data !== 'string') {
      this.seal();
      this.chunks.push(data);
    } else if (this.waiting) {
      this.copy(data);
    } else {
      this.text += data;
      if (this.text.length >= SEAL_FLOWING) this.seal();
    }
    this.bytes += data.length;
  }

  /** Copies `text` into blocks at once (output that waits keeps no string). */
  private copy(text: string): void {
    if (this.text !== '') this.seal();
    let rest = text;
    const block = this.block;
    if (block !== undefined) {
      const room = block.length - this.blockUsed;
      // A write that does not fit writes what fits: the first `room` chars, in latin1.
      this.blockUsed += block.write(rest, this.blockUsed, 'latin1');
      if (rest.length <= room) return;
      this.chunks.push(block);
      this.block = undefined;
      this.blockUsed = 0;
      rest = rest.slice(room);
    }
    if (rest.length >= BLOCK) {
      this.chunks.push(Buffer.from(rest, 'latin1'));
    } else if (rest !== '') {
      // Not from the shared pool: a block must not pin an 8 KiB slab, nor share one.
      this.block = Buffer.allocUnsafeSlow(BLOCK);
      this.blockUsed = this.block.write(rest, 0, 'latin1');
    }
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
    if (this.chunks.length === 0 && this.blockUsed === 0 && this.text !== '' && this.text.length <= max) {
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
    this.block = undefined;
    this.blockUsed = 0;
    this.bytes = 0;
    return bytes;
  }

  /** Turns the pending text and the used part of the block into Buffers, in order. */
  seal(): void {
    const block = this.block;
    if (block !== undefined && this.blockUsed > 0) {
      // Only the bytes used, in a Buffer of their own; the block is kept for more while output waits.
      const used = Buffer.allocUnsafeSlow(this.blockUsed);
      block.copy(used, 0, 0, this.blockUsed);
      this.chunks.push(used);
      this.blockUsed = 0;
    }
    if (!this.waiting) this.block = undefined;
    if (this.text === '') return;
    this.chunks.push(Buffer.from(this.text, 'latin1'));
    this.text = '';
  }
}
