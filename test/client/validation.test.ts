import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { useTestEnv, TRANSPORTS } from '../helpers/client-env.js';

const env = useTestEnv();

describe.each(TRANSPORTS)('input that is not allowed, over %s', (transport) => {
  it('rejects bad names and values at the call, naming the argument', async () => {
    const client = await env.connect(transport);
    const cases: Array<[Promise<unknown>, string]> = [
      [client.store('', 'x'), 'name'],
      [client.store('has space', 'x'), 'name'],
      [client.store('tab\there', 'x'), 'name'],
      [client.store('a=b', 'x'), 'name'],
      [client.store('nul\u0000', 'x'), 'name'],
      [client.store('nbsp\u00a0', 'x'), 'name'],
      [client.store('ok', 'line1\nline2'), 'value'],
      [client.store('ok', 'cr\r'), 'value'],
      [client.set('ok', 'a\r\nb'), 'value'],
      [client.retrieve('a b'), 'name'],
      [client.notify('x=y'), 'name'],
      [client.listen(''), 'name'],
      [client.increment('ok', Number.NaN), 'step'],
      [client.increment('ok', '1; DROP'), 'step'],
      [client.decrement('ok', Infinity), 'step'],
      [client.sendRaw('PING\r\nCLEARCACHE'), 'line'],
      [client.sendRaw(''), 'line'],
      [client.clientDisconnect('a\nb'), 'cid'],
      [client.store(42 as unknown as string, 'x'), 'name'],
      [client.store('ok', undefined as unknown as string), 'value'],
    ];
    for (const [promise, argument] of cases) {
      await expect(promise).rejects.toBeInstanceOf(ValidationError);
      await expect(promise).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument });
    }
    expect(() => client.subscribe('bad name')).toThrow(ValidationError);
    expect(() => client.subscribe([])).toThrow(ValidationError);
    expect(() => client.events({ names: ['a=b'] })).toThrow(ValidationError);
    await client.close();
  });

  it('cannot be made to send a second command through a name or value', async () => {
    const client = await env.connect(transport);
    const key = `precious-${transport}`;
    await client.store(key, 'kept');
    const attempts = [
      client.store(`x\r\nCLEARCACHE\r\nSTORE y`, 'z'),
      client.store('x', 'v\r\nCLEARCACHE'),
      client.set('x', 'v\nREMOVE ' + key),
      client.retrieve(`${key}\r\nCLEARCACHE`),
      client.notify(`x\nCLEARCACHE`),
      client.sendRaw(`PING\nCLEARCACHE`),
      client.flush().then(() => client.remove(`${key}\rREMOVE`)),
    ];
    for (const attempt of attempts) await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await client.flush();
    expect(await client.retrieve(key)).toBe('kept');
    expect(await client.keylist()).toContain(key);
    await client.close();
  });

  it('accepts values with "=", spaces, and UTF-8, and numeric strings as steps', async () => {
    const client = await env.connect(transport);
    await client.store('fine', ' spaced = and = equals ü ');
    expect(await client.retrieve('fine')).toBe(' spaced = and = equals ü ');
    const key = `num-${transport}`;
    await client.increment(key, '2.5');
    await client.increment(key, 1e3);
    expect(await client.retrieve(key)).toBe('1002.5');
    await client.close();
  });
});
