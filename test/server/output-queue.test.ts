/** A client's output queue (output-queue.ts): order and byte counts, text while output flows, bytes once it waits. */
import { describe, expect, it } from 'vitest';
import { OutputQueue } from '../../src/server/output-queue.js';

/** Everything the queue hands out, in order, as latin1 text, and what each piece was. */
function drain(queue: OutputQueue, max = 64 * 1024): { text: string; kinds: string[] } {
  let text = '';
  const kinds: string[] = [];
  for (let piece = queue.take(max); piece !== undefined; piece = queue.take(max)) {
    kinds.push(typeof piece === 'string' ? 'text' : 'bytes');
    text += typeof piece === 'string' ? piece : piece.toString('latin1');
  }
  return { text, kinds };
}

describe('OutputQueue', () => {
  it('hands flowing output back as the text it was given', () => {
    const queue = new OutputQueue();
    queue.push('RETRIEVED a=1\r\n');
    queue.push('SET b=\xff\r\n');
    expect(queue.bytes).toBe(24);
    expect(drain(queue)).toEqual({ text: 'RETRIEVED a=1\r\nSET b=\xff\r\n', kinds: ['text'] });
    expect(queue.bytes).toBe(0);
  });

  it('while output waits, keeps at most 16 KiB of text (then bytes), in order, whatever the line lengths', () => {
    const queue = new OutputQueue();
    queue.push('first, while flowing\r\n');
    queue.waiting = true;
    queue.seal();
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) lines.push(`SET chan=${i % 7 === 0 ? 'x'.repeat(i * 9) : i}\xe4\r\n`);
    lines.push('y'.repeat(40 * 1024));
    for (const line of lines) {
      queue.push(line);
      expect((queue as unknown as { text: string }).text.length).toBeLessThan(16 * 1024);
    }
    queue.push(Buffer.from('a shared Buffer\r\n'));
    queue.push('after it\r\n');
    queue.seal();
    expect((queue as unknown as { text: string }).text).toBe('');
    const expected = `first, while flowing\r\n${lines.join('')}a shared Buffer\r\nafter it\r\n`;
    expect(queue.bytes).toBe(expected.length);
    queue.waiting = false;
    const { text, kinds } = drain(queue, 64 * 1024);
    expect(text).toBe(expected);
    expect(new Set(kinds)).toEqual(new Set(['bytes']));
    expect(queue.bytes).toBe(0);
  });

  it('puts what waited before what flows after it, and a waiting queue appended behind another keeps its order', () => {
    const queue = new OutputQueue();
    queue.waiting = true;
    queue.push('waited 1\r\n');
    queue.waiting = false;
    queue.push('flowed 2\r\n');
    const later = new OutputQueue();
    later.waiting = true;
    later.push('later 3\r\n');
    later.push(Buffer.from('later 4\r\n'));
    later.push('later 5\r\n');
    queue.append(later);
    queue.push('flowed 6\r\n');
    expect(queue.bytes).toBe(10 + 10 + 9 + 9 + 9 + 10);
    expect(drain(queue).text).toBe('waited 1\r\nflowed 2\r\nlater 3\r\nlater 4\r\nlater 5\r\nflowed 6\r\n');
    expect(later.bytes).toBe(0);
  });

  it('takes at most max bytes at a time; takeAll and clear empty it', () => {
    const queue = new OutputQueue();
    queue.waiting = true;
    queue.push('a'.repeat(100));
    queue.push('b'.repeat(50));
    const pieces: number[] = [];
    for (let piece = queue.take(64); piece !== undefined; piece = queue.take(64)) pieces.push(piece.length);
    expect(pieces).toEqual([64, 64, 22]);
    queue.push('c'.repeat(10));
    queue.waiting = false;
    queue.push('d'.repeat(5));
    expect(queue.takeAll().toString('latin1')).toBe('c'.repeat(10) + 'd'.repeat(5));
    queue.push('e');
    expect(queue.clear()).toBe(1);
    expect(queue.take(64)).toBeUndefined();
  });
});
