/**
 * The browser build frames lines with ByteLineReader (Uint8Array chunks,
 * TextDecoder); the Node build with LineReader (Buffers). Same bytes in,
 * same lines and the same errors out, whatever the chunking.
 */
import { describe, expect, it } from 'vitest';
import { LineTooLongError } from '../../src/errors.js';
import { ByteLineReader } from '../../src/wire/byte-line-reader.js';
import { LineReader } from '../../src/wire/line-reader.js';

/** Feeds the same chunks to both readers; returns both outcomes. */
function run(chunks: Uint8Array[], maxLineLength?: number): { bytes: string[]; buffers: string[] } {
  const outcome = (push: (chunk: Uint8Array) => void, lines: string[]): string[] => {
    try {
      for (const chunk of chunks) push(chunk);
    } catch (error) {
      lines.push(error instanceof LineTooLongError ? `!too long (${error.limit})` : `!${String(error)}`);
    }
    return lines;
  };
  const bytes: string[] = [];
  const buffers: string[] = [];
  const byteReader = new ByteLineReader((line) => bytes.push(line), { maxLineLength });
  const bufferReader = new LineReader((line) => buffers.push(line), { maxLineLength });
  // Plain Uint8Arrays for one, Buffers for the other: no Buffer method can help the byte reader.
  outcome((chunk) => byteReader.push(new Uint8Array(chunk)), bytes);
  outcome((chunk) => bufferReader.push(Buffer.from(chunk)), buffers);
  return { bytes, buffers };
}

function split(data: Uint8Array, sizes: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] as number);
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('ByteLineReader', () => {
  it('frames like the reference: LF splits, every CR dropped, empty lines ignored', () => {
    const lines: string[] = [];
    const reader = new ByteLineReader((line) => lines.push(line));
    reader.push(utf8('CLACKS PageCamel 36\r\n\r\nSTORE cr=x\ry\r\n\rRETRIEVE\r cr\r\r\n \r\n'));
    expect(lines).toEqual(['CLACKS PageCamel 36', 'STORE cr=xy', 'RETRIEVE cr', ' ']);
  });

  it('joins a line and a UTF-8 character split over chunks', () => {
    const lines: string[] = [];
    const reader = new ByteLineReader((line) => lines.push(line));
    const bytes = utf8('SET name=Grüße €😀\r\n');
    for (let i = 0; i < bytes.length; i++) reader.push(bytes.subarray(i, i + 1));
    expect(lines).toEqual(['SET name=Grüße €😀']);
  });

  it('keeps a byte order mark and turns invalid UTF-8 into U+FFFD, as Buffer does', () => {
    const data = new Uint8Array([0xef, 0xbb, 0xbf, 0x41, 0x0a, 0x42, 0xff, 0xc3, 0x43, 0x0a, 0xe2, 0x82, 0x0a]);
    const { bytes, buffers } = run([data]);
    expect(bytes).toEqual(buffers);
    expect(bytes[0]).toBe('\ufeffA');
  });

  it('refuses a line over the limit, held or in one chunk, and counts CRs as Buffer framing does', () => {
    for (const text of ['12345678\n', '1234567\r\n', '123456789\n', 'ok\n123', 'ok\n123456789', '\r\r\r\r\r\r\r\r\r\n']) {
      for (const sizes of [[1], [2, 3], [100]]) {
        const { bytes, buffers } = run(split(utf8(text), sizes), 8);
        expect(bytes, `${JSON.stringify(text)} in chunks of ${sizes.join(',')}`).toEqual(buffers);
      }
    }
    expect(run([utf8('123456789\n')], 8).bytes).toEqual(['!too long (8)']);
  });

  it('reads random input in random chunks exactly as LineReader does', () => {
    let seed = 14;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pieces = ['\n', '\r', '\r\n', 'a', 'SET x=', 'é', '€', '😀', ' ', '\xff'];
    for (let round = 0; round < 300; round++) {
      let text = '';
      for (let i = Math.floor(random() * 60); i > 0; i--) text += pieces[Math.floor(random() * pieces.length)];
      const data = new Uint8Array([...text].flatMap((char) => (char === '\xff' ? [0xff] : [...utf8(char)])));
      const sizes = Array.from({ length: 5 }, () => 1 + Math.floor(random() * 7));
      const limit = random() < 0.3 ? 12 : undefined;
      const { bytes, buffers } = run(split(data, sizes), limit);
      expect(bytes, JSON.stringify(text)).toEqual(buffers);
    }
  });

  it('holds an unfinished line in one buffer: 1-byte chunks cost the bytes, not an object each', () => {
    const reader = new ByteLineReader(() => {});
    const byte = utf8('x');
    for (let i = 0; i < 100_000; i++) reader.push(byte);
    expect(reader.bufferedBytes).toBe(100_000);
    const internal = (reader as unknown as { partial: Uint8Array }).partial;
    expect(internal.length).toBeLessThan(2 * 100_000 + 256);
    reader.push(utf8('\n'));
    expect(reader.bufferedBytes).toBe(0);
  });
});
