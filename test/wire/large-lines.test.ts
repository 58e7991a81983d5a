/**
 * Issue 10, finding 10: the Node line reader offers lines of `largeLineBytes`
 * and more undecoded to `onLargeLine` (the client keeps a large SET's value
 * as bytes until a consumer takes it). The bytes must be exactly those the
 * eager path would have decoded: every CR dropped as a byte, whatever the
 * chunking, and owned by the callee.
 */
import { describe, expect, it } from 'vitest';
import { LineReader, type LineReaderOptions } from '../../src/wire/index.js';

const THRESHOLD = 2048;

interface Recorded {
  reader: LineReader;
  lines: string[];
  offered: Buffer[];
}

/** A reader that offers lines of THRESHOLD bytes and more, and takes them when `take` says so. */
function recorder(take: (bytes: Buffer) => boolean = () => true, options: LineReaderOptions = {}): Recorded {
  const lines: string[] = [];
  const offered: Buffer[] = [];
  const reader = new LineReader((line) => lines.push(line), {
    largeLineBytes: THRESHOLD,
    ...options,
    onLargeLine: (bytes) => {
      offered.push(bytes as Buffer);
      return take(bytes as Buffer);
    },
  });
  return { reader, lines, offered };
}

/** Pushes `bytes` in chunks of `size`. */
function feed(reader: LineReader, bytes: Buffer, size: number): void {
  for (let at = 0; at < bytes.length; at += size) reader.push(Buffer.from(bytes.subarray(at, at + size)));
}

/** A large UTF-8 value with 2-, 3- and 4-byte characters and stray CRs, some inside a character. */
function hostileValue(): { wire: Buffer; expected: string } {
  const text = 'aé€😀'.repeat(400); // 10 bytes each: characters straddle every chunk boundary
  const bytes = Buffer.from(text, 'utf8');
  const parts: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    parts.push(bytes[i] as number);
    if (i % 97 === 5) parts.push(0x0d); // a CR between the bytes of a character, often
  }
  return { wire: Buffer.from(parts), expected: text };
}

describe('LineReader large lines (onLargeLine)', () => {
  it('offers a large line as its bytes minus every CR, for every chunk size, and emits nothing for it', () => {
    const { wire, expected } = hostileValue();
    const line = Buffer.concat([Buffer.from('SET big='), wire, Buffer.from('\r\nSET small=1\r\n')]);
    for (const size of [1, 3, 7, 64, 1000, 4096, line.length]) {
      const { reader, lines, offered } = recorder();
      feed(reader, line, size);
      expect(lines).toEqual(['SET small=1']);
      expect(offered).toHaveLength(1);
      expect(offered[0]!.includes(0x0d)).toBe(false);
      expect(offered[0]!.toString('utf8')).toBe(`SET big=${expected}`);
    }
  });

  it('decodes a line not taken exactly as a reader without onLargeLine does', () => {
    const { wire } = hostileValue();
    const line = Buffer.concat([Buffer.from('RETRIEVED big='), wire, Buffer.from([0xff, 0x0d, 0x0d, 0x0a])]);
    for (const size of [5, 4096, line.length]) {
      const eager: string[] = [];
      feed(new LineReader((text) => eager.push(text)), line, size);
      const { reader, lines, offered } = recorder(() => false);
      feed(reader, line, size);
      expect(offered).toHaveLength(1);
      expect(lines).toEqual(eager);
      expect(lines[0]!.endsWith('\ufffd')).toBe(true);
    }
  });

  it('never offers a line shorter than largeLineBytes, nor anything without onLargeLine', () => {
    const { reader, lines, offered } = recorder();
    const short = `SET s=${'x'.repeat(THRESHOLD - 7)}`; // THRESHOLD - 1 bytes
    feed(reader, Buffer.from(`${short}\r\n`), 100);
    expect(offered).toHaveLength(0);
    expect(lines).toEqual([short]);

    const plain: string[] = [];
    const long = `SET l=${'y'.repeat(4 * 1024 * 1024)}`;
    feed(new LineReader((text) => plain.push(text)), Buffer.from(`${long}\n`), 65536);
    expect(plain).toEqual([long]);
  });

  it('defaults largeLineBytes to 1 MiB', () => {
    const { reader, lines, offered } = recorder(() => true, { largeLineBytes: undefined as unknown as number });
    const MiB = 1024 * 1024;
    feed(reader, Buffer.from(`SET a=${'a'.repeat(MiB - 7)}\nSET b=${'b'.repeat(MiB)}\n`), 65536);
    expect(lines).toHaveLength(1);
    expect(offered.map((bytes) => bytes.length)).toEqual([MiB + 6]);
  });

  it('hands over bytes the reader never touches again, and never the caller’s chunk', () => {
    const { reader, offered } = recorder();
    // Across chunks: the reader's own line buffer is handed over.
    feed(reader, Buffer.from(`SET a=${'a'.repeat(10_000)}\n`), 1000);
    // Inside one chunk: a copy, since the caller may reuse its chunk.
    const chunk = Buffer.from(`SET b=${'b'.repeat(10_000)}\n`);
    reader.push(chunk);
    chunk.fill(0x7a);
    // The next large line, across chunks again, must not be written into the first one's bytes.
    feed(reader, Buffer.from(`SET c=${'c'.repeat(10_000)}\n`), 1000);
    expect(offered.map((bytes) => bytes.toString())).toEqual([`SET a=${'a'.repeat(10_000)}`, `SET b=${'b'.repeat(10_000)}`, `SET c=${'c'.repeat(10_000)}`]);
  });

  it('offers nothing for a large line made only of CRs', () => {
    const { reader, lines, offered } = recorder();
    feed(reader, Buffer.concat([Buffer.alloc(THRESHOLD * 2, 0x0d), Buffer.from('\nNOP\n')]), 500);
    expect(offered).toHaveLength(0);
    expect(lines).toEqual(['NOP']);
  });
});
