import { describe, expect, it } from 'vitest';
import { LineTooLongError, ProtocolError } from '../../src/errors.js';
import { DEFAULT_MAX_LINE_LENGTH, LineReader, type LineReaderOptions } from '../../src/wire/index.js';

/** A reader that records every line it emits. */
function recorder(options?: LineReaderOptions): { reader: LineReader; lines: string[] } {
  const lines: string[] = [];
  return { reader: new LineReader((line) => lines.push(line), options), lines };
}

function feed(reader: LineReader, ...chunks: (string | Buffer)[]): void {
  for (const chunk of chunks) reader.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
}

describe('LineReader framing', () => {
  it('splits on LF and drops the CR of CRLF', () => {
    const { reader, lines } = recorder();
    feed(reader, 'CLACKS PageCamel 36\r\nOVERHEAD M Authentication required\r\n');
    expect(lines).toEqual(['CLACKS PageCamel 36', 'OVERHEAD M Authentication required']);
  });

  it('accepts bare LF line endings', () => {
    const { reader, lines } = recorder();
    feed(reader, 'STORE lf=only-lf\nRETRIEVE lf\n');
    expect(lines).toEqual(['STORE lf=only-lf', 'RETRIEVE lf']);
  });

  it('drops every CR wherever it stands', () => {
    const { reader, lines } = recorder();
    feed(reader, 'STORE cr=x\ry\r\n\rRETRIEVE\r cr\r\r\nA\rB\rC\n');
    expect(lines).toEqual(['STORE cr=xy', 'RETRIEVE cr', 'ABC']);
  });

  it('drops a CR inside a multi-byte UTF-8 character as a byte, before decoding (as the reference server does)', () => {
    const { reader, lines } = recorder();
    // "€" is E2 82 AC; a stray CR between its bytes must not break it into U+FFFD.
    feed(reader, Buffer.from([0x53, 0x45, 0x54, 0x20, 0x65, 0x3d, 0xe2, 0x0d, 0x82, 0xac, 0x0d, 0x0a]));
    expect(lines).toEqual(['SET e=€']);
  });

  it('ignores empty lines, including lines made only of CRs', () => {
    const { reader, lines } = recorder();
    feed(reader, '\r\n\n\r\r\n\nSTORE lead=\r\n\r\nRETRIEVE lead\r\n\r\n');
    expect(lines).toEqual(['STORE lead=', 'RETRIEVE lead']);
  });

  it('reads the leading CRLF of "\\r\\nTIMEOUT\\r\\n" as an empty line', () => {
    const { reader, lines } = recorder();
    feed(reader, 'FLUSHED busy5\r\n', '\r\nTIMEOUT\r\n');
    expect(lines).toEqual(['FLUSHED busy5', 'TIMEOUT']);
  });

  it('keeps spaces: leading, trailing and inner', () => {
    const { reader, lines } = recorder();
    feed(reader, ' PING\r\nRETRIEVE greeting \r\nSTORE  a = b \r\n');
    expect(lines).toEqual([' PING', 'RETRIEVE greeting ', 'STORE  a = b ']);
  });

  it('emits nothing until the LF arrives, and holds the partial bytes', () => {
    const { reader, lines } = recorder();
    feed(reader, 'RETR');
    expect(lines).toEqual([]);
    expect(reader.bufferedBytes).toBe(4);
    feed(reader, 'IEVE lf');
    expect(lines).toEqual([]);
    expect(reader.bufferedBytes).toBe(11);
    feed(reader, '\r\n');
    expect(lines).toEqual(['RETRIEVE lf']);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('joins a CRLF split between two chunks', () => {
    const { reader, lines } = recorder();
    feed(reader, 'KEYLISTSTART\r', '\nKEY a\r', '\nKEYLISTEND\r\n');
    expect(lines).toEqual(['KEYLISTSTART', 'KEY a', 'KEYLISTEND']);
  });

  it('drops a CR that ends one chunk even when the next chunk does not start with LF', () => {
    const { reader, lines } = recorder();
    feed(reader, 'STORE cr=x\r', 'y\r\n');
    expect(lines).toEqual(['STORE cr=xy']);
  });

  it('decodes a multi-byte UTF-8 character split between chunks', () => {
    const bytes = Buffer.from('SET utf8chan=Grüße 🚀\r\n', 'utf8');
    const rocket = bytes.indexOf(0xf0);
    const umlaut = bytes.indexOf(0xc3);
    const { reader, lines } = recorder();
    // Cut inside ü (2 bytes) and inside 🚀 (4 bytes, cut after its second byte).
    feed(reader, bytes.subarray(0, umlaut + 1), bytes.subarray(umlaut + 1, rocket + 2), bytes.subarray(rocket + 2));
    expect(lines).toEqual(['SET utf8chan=Grüße 🚀']);
  });

  it('frames a stream delivered one byte at a time', () => {
    const text = 'CLACKS PageCamel 36\r\nSET schlüssel=日本語\r\n\r\nTIMEOUT\nNOP\r\n';
    const { reader, lines } = recorder();
    for (const byte of Buffer.from(text, 'utf8')) reader.push(Buffer.from([byte]));
    expect(lines).toEqual(['CLACKS PageCamel 36', 'SET schlüssel=日本語', 'TIMEOUT', 'NOP']);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('gives the same lines for every chunk size', () => {
    const text = 'A\r\nB\rC\n\r\nDDDD DDDD\r\nÜ€🚀\r\n\nlast';
    const expected = ['A', 'BC', 'DDDD DDDD', 'Ü€🚀'];
    const bytes = Buffer.from(text, 'utf8');
    for (let size = 1; size <= bytes.length; size++) {
      const { reader, lines } = recorder();
      for (let offset = 0; offset < bytes.length; offset += size) reader.push(bytes.subarray(offset, offset + size));
      expect(lines, `chunk size ${size}`).toEqual(expected);
      expect(reader.bufferedBytes).toBe(4); // "last" has no LF yet
    }
  });

  it('does not keep a reference to a chunk the caller reuses', () => {
    const { reader, lines } = recorder();
    const chunk = Buffer.from('RETR', 'latin1');
    reader.push(chunk);
    chunk.write('XXXX', 'latin1');
    feed(reader, 'IEVE k\r\n');
    expect(lines).toEqual(['RETRIEVE k']);
  });
});

describe('LineReader maximum line length', () => {
  it('defaults to 16 MiB', () => {
    expect(DEFAULT_MAX_LINE_LENGTH).toBe(16 * 1024 * 1024);
  });

  it('accepts a line of exactly the limit, CR included', () => {
    const { reader, lines } = recorder({ maxLineLength: 10 });
    feed(reader, '123456789\r\n', '1234567890\n');
    expect(lines).toEqual(['123456789', '1234567890']);
  });

  it('throws LineTooLongError for a too long line inside one chunk', () => {
    const { reader, lines } = recorder({ maxLineLength: 10 });
    let error: unknown;
    try {
      feed(reader, 'ok\r\n12345678901\r\n');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LineTooLongError);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as LineTooLongError).code).toBe('LINE_TOO_LONG');
    expect((error as LineTooLongError).limit).toBe(10);
    expect(lines).toEqual(['ok']);
  });

  it('throws for a too long line without an LF yet (a single chunk)', () => {
    const { reader } = recorder({ maxLineLength: 10 });
    expect(() => feed(reader, '12345678901')).toThrow(LineTooLongError);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('throws when a line grows past the limit across chunks', () => {
    const { reader, lines } = recorder({ maxLineLength: 10 });
    feed(reader, '1234');
    feed(reader, '5678');
    expect(() => feed(reader, '901')).toThrow(LineTooLongError);
    expect(reader.bufferedBytes).toBe(0);
    expect(lines).toEqual([]);
  });

  it('throws when the LF arrives in the chunk that pushes the joined line past the limit', () => {
    const { reader, lines } = recorder({ maxLineLength: 10 });
    feed(reader, '123456');
    expect(() => feed(reader, '78901\r\n')).toThrow(LineTooLongError);
    expect(lines).toEqual([]);
    // The reader was reset: the next line starts clean.
    feed(reader, 'NOP\r\n');
    expect(lines).toEqual(['NOP']);
  });
});

describe('LineReader encodings', () => {
  const binary = Buffer.from([0x52, 0x45, 0x54, 0x52, 0x49, 0x45, 0x56, 0x45, 0x44, 0x20, 0x62, 0x69, 0x6e, 0x3d, 0x61, 0xff, 0xfe, 0x62, 0x00, 0x63, 0x0d, 0x0a]);

  it('latin1 mode is byte-transparent: invalid UTF-8 and NUL survive', () => {
    const { reader, lines } = recorder({ encoding: 'latin1' });
    reader.push(binary);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe('RETRIEVED bin=a\xff\xfeb\x00c');
    expect(Buffer.from(lines[0]!, 'latin1')).toEqual(binary.subarray(0, -2));
  });

  it('latin1 mode keeps UTF-8 bytes as one char per byte', () => {
    const { reader, lines } = recorder({ encoding: 'latin1' });
    const bytes = Buffer.from('KEY schlüssel\r\n', 'utf8');
    reader.push(bytes.subarray(0, 10));
    reader.push(bytes.subarray(10));
    expect(lines).toEqual(['KEY schl\xc3\xbcssel']);
    expect(Buffer.from(lines[0]!, 'latin1').toString('utf8')).toBe('KEY schlüssel');
  });

  it('utf8 mode (the default) replaces invalid bytes but keeps NUL', () => {
    const { reader, lines } = recorder();
    reader.push(binary);
    expect(lines).toEqual(['RETRIEVED bin=a\ufffd\ufffdb\x00c']);
  });
});

describe('LineReader.reset', () => {
  it('forgets an unfinished line', () => {
    const { reader, lines } = recorder();
    feed(reader, 'RETRIEVED half=of a li');
    expect(reader.bufferedBytes).toBe(22);
    reader.reset();
    expect(reader.bufferedBytes).toBe(0);
    feed(reader, 'ne\r\nCLACKS PageCamel 36\r\n');
    expect(lines).toEqual(['ne', 'CLACKS PageCamel 36']);
  });

  it('is harmless on an empty reader', () => {
    const { reader, lines } = recorder();
    reader.reset();
    feed(reader, 'NOP\r\n');
    expect(lines).toEqual(['NOP']);
  });
});

describe('LineReader memory for an unfinished line (issue 10, finding 2)', () => {
  it('holds the bytes of a line sent one byte at a time in one buffer, not one object per chunk', () => {
    const { reader, lines } = recorder({ encoding: 'latin1' });
    const byte = Buffer.from('x', 'latin1');
    const count = 300_000;
    reader.push(Buffer.from('STORE dribble=', 'latin1'));
    const before = process.memoryUsage();
    for (let i = 0; i < count; i++) reader.push(byte);
    const after = process.memoryUsage();
    // Heap plus Buffer memory: the old reader kept a Buffer object (~100 bytes) per chunk.
    const growth = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    expect(growth).toBeLessThan(count * 16);
    expect(reader.bufferedBytes).toBe(count + 14);
    expect(reader.allocatedBytes).toBeLessThanOrEqual(1.5 * reader.bufferedBytes + 1024);
    reader.push(Buffer.from('\r\n', 'latin1'));
    expect(lines).toEqual([`STORE dribble=${'x'.repeat(count)}`]);
    // A finished long line lets its buffer go.
    expect(reader.allocatedBytes).toBe(0);
  });

  it('keeps the allocation within 1.5 times the held bytes whatever the chunk sizes', () => {
    const { reader } = recorder({ maxLineLength: 1 << 20 });
    let held = 0;
    for (const size of [1, 7, 300, 5, 4096, 1, 65536, 3, 100_000]) {
      reader.push(Buffer.alloc(size, 0x61));
      held += size;
      expect(reader.bufferedBytes).toBe(held);
      expect(reader.allocatedBytes).toBeLessThanOrEqual(Math.max(1.5 * held, 256));
    }
  });

  it('applies a raised maxLineLength to the line in progress', () => {
    const { reader, lines } = recorder({ maxLineLength: 8 });
    expect(() => feed(reader, '123456789')).toThrow(LineTooLongError);
    feed(reader, 'ok\r\n1234');
    reader.maxLineLength = 100;
    feed(reader, '56789012345\r\n');
    expect(lines).toEqual(['ok', '123456789012345']);
  });
});

describe('LineReader text handler (the server fast path)', () => {
  /** A latin1 reader whose text handler takes the lines starting with "T" and records what it was offered. */
  function withHandler(maxLineLength?: number): { reader: LineReader; lines: string[]; taken: string[] } {
    const { reader, lines } = recorder({ encoding: 'latin1', ...(maxLineLength === undefined ? {} : { maxLineLength }) });
    const taken: string[] = [];
    reader.textHandler = (text, start, end, chunk) => {
      expect(text).toBe(chunk.toString('latin1'));
      if (text.charCodeAt(start) !== 0x54) return false;
      taken.push(text.slice(start, end));
      return true;
    };
    return { reader, lines, taken };
  }

  it('offers each line within one chunk, CR of CRLF left out, and gives onLine the ones it leaves', () => {
    const { reader, lines, taken } = withHandler();
    feed(reader, Buffer.from('TAKE one\r\nleave two\r\nTAKE \xe4\xff\nleave\n\r\n\nTAKE last\r\n', 'latin1'));
    expect(taken).toEqual(['TAKE one', 'TAKE \xe4\xff', 'TAKE last']);
    expect(lines).toEqual(['leave two', 'leave']);
  });

  it('never offers a line with a stray CR, nor one that spans chunks: those are framed as before', () => {
    const { reader, lines, taken } = withHandler();
    feed(reader, 'TAKE a\rb\r\nTAKE c\r\r\nTAKE sp', 'lit\r\nTAKE whole\r\nTAKE cr\r', '\nTAKE end\n');
    expect(lines).toEqual(['TAKE ab', 'TAKE c', 'TAKE split', 'TAKE cr']);
    expect(taken).toEqual(['TAKE whole', 'TAKE end']);
  });

  it('keeps the line limit', () => {
    const { reader, taken } = withHandler(8);
    expect(() => feed(reader, 'TAKE ok\r\nTAKE too long\r\n')).toThrow(LineTooLongError);
    expect(taken).toEqual(['TAKE ok']);
  });

  it('is not used by a UTF-8 reader', () => {
    const { reader, lines } = recorder();
    reader.textHandler = () => true;
    feed(reader, 'TAKE \u00e9\r\n');
    expect(lines).toEqual(['TAKE \u00e9']);
  });
});
