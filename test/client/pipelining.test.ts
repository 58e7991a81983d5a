import { describe, expect, it } from 'vitest';
import { useTestEnv, TRANSPORTS } from '../helpers/client-env.js';

const env = useTestEnv();

describe.each(TRANSPORTS)('pipelined requests over %s', (transport) => {
  it('matches 2,000 retrieves in flight while SET events keep flowing', async () => {
    const client = await env.connect(transport);
    const producer = await env.connect(transport);
    for (let i = 0; i < 50; i++) await client.store(`p${i}`, `value-${i}`);
    const events = client.events({ types: ['set'] });
    await client.listen('ticker');
    await client.flush();
    const sets = (async () => {
      for (let i = 0; i < 500; i++) await producer.set('ticker', String(i));
    })();
    const results = await Promise.all(Array.from({ length: 2000 }, (_, i) => client.retrieve(`p${i % 60}`)));
    await sets;
    results.forEach((value, i) => expect(value).toBe(i % 60 < 50 ? `value-${i % 60}` : undefined));
    const received: string[] = [];
    for await (const event of events) {
      if (event.type === 'set') received.push(event.value);
      if (received.length === 500) break;
    }
    expect(received).toEqual(Array.from({ length: 500 }, (_, i) => String(i)));
    await Promise.all([client.close(), producer.close()]);
  });

  it('answers repeats of one name first-in first-out, around writes', async () => {
    const client = await env.connect(transport);
    const key = `same-${transport}`;
    const first = client.retrieve(key);
    void client.store(key, 'one');
    const second = client.retrieve(key);
    void client.store(key, 'two');
    const third = client.retrieve(key);
    expect(await Promise.all([first, second, third])).toEqual([undefined, 'one', 'two']);
    await client.close();
  });

  it('matches keylist and clientlist blocks in order with other replies between them', async () => {
    const client = await env.connect(transport);
    await client.store('kl-a', '1');
    const [keys1, value, clients, keys2, flushed] = await Promise.all([
      client.keylist(),
      client.retrieve('kl-a'),
      client.clientlist(),
      client.keylist(),
      client.flush(),
    ]);
    expect(keys1).toContain('kl-a');
    expect(keys2).toEqual(keys1);
    expect(value).toBe('1');
    expect(clients.length).toBeGreaterThan(0);
    expect(flushed).toBeUndefined();
    await client.close();
  });
});
