import { describe, expect, it } from 'vitest';
import { createCache, jsonCodec, perlCodec, ValidationError, type ValueCodec } from '../../src/index.js';
import { nextMatching, useTestEnv, TRANSPORTS } from '../helpers/client-env.js';

const env = useTestEnv();

// Exactly what the Perl reference cache client stored (transcript 06).
const PERL_MULTILINE = 'PAGECAMELCLACKSB64:bGluZTEKbGluZTINCmxpbmUz';
const PERL_STRUCT = 'PAGECAMELCLACKSYAMLB64: LS0tIAphOiAxCmxpc3Q6IAogIC0gMQogIC0gMgo=';

describe.each(TRANSPORTS)('ClacksCache over %s', (transport) => {
  it('reads what the Perl library wrote', async () => {
    const client = await env.connect(transport);
    await client.store('mltext', PERL_MULTILINE);
    await client.store('struct', PERL_STRUCT);
    await client.store('plain', 'no newline here');
    const cache = createCache(client);
    expect(await cache.get('mltext')).toBe('line1\nline2\r\nline3');
    expect(await cache.get('struct')).toEqual({ a: 1, list: [1, 2] });
    expect(await cache.get('plain')).toBe('no newline here');
    expect(await cache.get('missing')).toBeUndefined();
    await cache.close();
    expect(client.state).toBe('ready');
    await client.close();
  });

  it('writes the bytes the Perl library writes', async () => {
    const client = await env.connect(transport);
    const cache = createCache(client);
    await cache.set('ml', 'line1\nline2');
    expect(await client.retrieve('ml')).toBe('PAGECAMELCLACKSB64:bGluZTEKbGluZTI=');
    await cache.set('struct2', { a: 1, list: [1, 2] });
    const wire = await client.retrieve('struct2');
    expect(wire?.startsWith('PAGECAMELCLACKSYAMLB64: ')).toBe(true);
    expect(perlCodec.decode(wire ?? '')).toEqual({ a: 1, list: [1, 2] });
    await expect(cache.set('inject', 'PAGECAMELCLACKSB64:bGluZTE=')).rejects.toBeInstanceOf(ValidationError);
    await client.close();
  });

  it('round-trips strings, Unicode, structures, empty and very long values', async () => {
    const cache = createCache(env.target(transport));
    const values: Record<string, unknown> = {
      multiline: 'first\nsecond\r\nthird\rfourth',
      unicode: 'Grüße, Zürich € 日本語 🚀\nzweite Zeile',
      nested: { user: 'alice', roles: ['admin', 'dev'], meta: { active: true, count: 3, ratio: 0.5, note: null } },
      array: [1, 'two', { three: [3] }, []],
      empty: '',
      numberString: '42',
      yes: 'yes',
      huge: `${'long line '.repeat(100_000)}\nand a second line`,
    };
    for (const [key, value] of Object.entries(values)) await cache.set(`rt-${key}`, value);
    for (const [key, value] of Object.entries(values)) expect(await cache.get(`rt-${key}`)).toEqual(value);
    await cache.close();
  });

  it('increments and decrements, returning the new value', async () => {
    const client = await env.connect(transport);
    const cache = createCache(client);
    const key = `counter-${transport}`;
    expect(await cache.incr(key)).toBe(1);
    expect(await cache.incr(key, 10)).toBe(11);
    expect(await cache.decr(key, 2)).toBe(9);
    expect(await cache.decr(key)).toBe(8);
    await cache.delete(key);
    expect(await cache.get(key)).toBeUndefined();
    expect(await cache.keys()).not.toContain(key);
    await client.close();
  });

  it('validates keys, or sanitises them like Perl when asked', async () => {
    const client = await env.connect(transport);
    await expect(createCache(client).set('has space', 'x')).rejects.toBeInstanceOf(ValidationError);
    const sanitising = createCache(client, { sanitizeKeys: true });
    await sanitising.set('has space=eq', 'x');
    expect(await client.retrieve('has___space___eq')).toBe('x');
    expect(await sanitising.get('has space=eq')).toBe('x');
    await client.close();
  });

  it('sends encoded signals and decodes SET events with the same codec', async () => {
    const listener = await env.connect(transport);
    const sender = createCache(env.target(transport));
    const name = `signal-${transport}`;
    const decoded = listener.subscribe(name, { codec: perlCodec });
    const raw = listener.events({ names: [name], types: ['set'] });
    await decoded.ready;
    await listener.flush();
    await sender.setSignal(name, { temperature: 21.5, rooms: ['kitchen'] });
    await sender.setSignal(name, 'multi\nline');
    await sender.notify(name);
    expect(await nextMatching(decoded, () => true)).toEqual({ type: 'set', name, value: { temperature: 21.5, rooms: ['kitchen'] } });
    expect(await nextMatching(decoded, () => true)).toEqual({ type: 'set', name, value: 'multi\nline' });
    expect(await nextMatching(decoded, () => true)).toEqual({ type: 'notify', name });
    const first = await nextMatching(raw, () => true);
    expect(first.type === 'set' && first.value.startsWith('PAGECAMELCLACKSYAMLB64: ')).toBe(true);
    await sender.close();
    await listener.close();
  });

  it('takes the JSON codec or a custom one', async () => {
    const client = await env.connect(transport);
    const json = createCache(client, { codec: jsonCodec });
    await json.set('json-key', { a: [1, 2], b: 'x\ny' });
    expect(await json.get('json-key')).toEqual({ a: [1, 2], b: 'x\ny' });
    const upper: ValueCodec = { encode: (value) => String(value).toUpperCase(), decode: (wire) => wire.toLowerCase() };
    const custom = createCache(client, { codec: upper });
    await custom.set('custom-key', 'Hello');
    expect(await client.retrieve('custom-key')).toBe('HELLO');
    expect(await custom.get('custom-key')).toBe('hello');
    await client.close();
  });
});
