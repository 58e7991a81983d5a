/**
 * The two platforms behind `#platform` must agree wherever both have an
 * answer: base64, UTF-8 byte counts. And the browser build's emitter keeps
 * the EventEmitter rules the client relies on.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { platform as browser } from '../../src/platform/browser.js';
import { TypedEmitter } from '../../src/platform/emitter.js';
import { platform as node } from '../../src/platform/node.js';

const SAMPLES = ['', 'a', 'hello', 'Grüße €', '😀 and 𝄞', '\0\r\n\t', 'x'.repeat(100_000) + 'é'.repeat(50_000), '\ud800 lone', 'lone \udc00'];

describe('the browser platform against the Node one', () => {
  it('encodes and decodes base64 of UTF-8 alike', () => {
    for (const text of SAMPLES) {
      const encoded = node.encodeBase64(text);
      expect(browser.encodeBase64(text)).toBe(encoded);
      expect(browser.decodeBase64(encoded)).toBe(node.decodeBase64(encoded));
    }
    expect(browser.decodeBase64('/w==')).toBe(node.decodeBase64('/w==')); // invalid UTF-8: U+FFFD
    expect(browser.decodeBase64('YQ')).toBe('a'); // unpadded, as Perl writes it
  });

  it('counts UTF-8 bytes alike, lone surrogates included', () => {
    for (const text of SAMPLES) expect(browser.byteLength(text), JSON.stringify(text.slice(0, 20))).toBe(node.byteLength(text));
  });

  it('makes random hex ids of the length asked', () => {
    expect(browser.randomHex(6)).toMatch(/^[0-9a-f]{12}$/);
    expect(browser.randomHex(6)).not.toBe(browser.randomHex(6));
  });

  it('refuses Unix and TLS targets in a browser, before connecting', () => {
    expect(() => browser.checkTarget({ kind: 'unix', path: '/tmp/x.sock', username: 'u', password: 'p' })).toThrow(/connects through a gateway/);
    expect(() => browser.checkTarget({ kind: 'ws', url: 'wss://gw.example/', username: 'u', password: 'p' })).not.toThrow();
    expect(browser.environment('CLACKS_URL')).toBeUndefined();
  });
});

describe('TypedEmitter (the browser client base class)', () => {
  type Events = { status: [value: string]; error: [error: Error] };

  it('calls listeners in order; once runs once; off removes, once-wrapped ones too', () => {
    const emitter = new TypedEmitter<Events>();
    const seen: string[] = [];
    const first = (value: string): void => void seen.push(`first ${value}`);
    const onlyOnce = (value: string): void => void seen.push(`once ${value}`);
    emitter.on('status', first).once('status', onlyOnce);
    expect(emitter.listenerCount('status')).toBe(2);
    expect(emitter.listeners('status')).toEqual([first, onlyOnce]);
    expect(emitter.emit('status', 'a')).toBe(true);
    emitter.emit('status', 'b');
    expect(seen).toEqual(['first a', 'once a', 'first b']);
    emitter.once('status', onlyOnce).off('status', onlyOnce).off('status', first);
    expect(emitter.emit('status', 'c')).toBe(false);
    expect(seen).toHaveLength(3);
  });

  it('throws an error event nobody listens to, as Node does', () => {
    const boom = new Error('boom');
    expect(() => new TypedEmitter<Events>().emit('error', boom)).toThrow(boom);
    expect(() => new EventEmitter<Events>().emit('error', boom)).toThrow(boom);
    const handled = new TypedEmitter<Events>();
    handled.on('error', () => {});
    expect(handled.emit('error', boom)).toBe(true);
  });

  it('lets a listener remove itself while the event is being emitted', () => {
    const emitter = new TypedEmitter<Events>();
    const seen: number[] = [];
    const self = (): void => {
      seen.push(1);
      emitter.off('status', self);
    };
    emitter.on('status', self).on('status', () => void seen.push(2));
    emitter.emit('status', 'x');
    emitter.emit('status', 'y');
    expect(seen).toEqual([1, 2, 2]);
    emitter.removeAllListeners();
    expect(emitter.listenerCount('status')).toBe(0);
  });
});
