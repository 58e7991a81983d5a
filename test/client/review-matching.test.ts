/**
 * Review finding: a name holding a lone UTF-16 surrogate cannot be encoded
 * as UTF-8; it went out as U+FFFD, so the server's reply named another key
 * and was never matched (the RETRIEVE waited for its deadline and stayed at
 * the head of the reply queue), and a LISTEN subscribed to another name.
 * Such a name is refused before anything is sent.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { useTestEnv } from '../helpers/client-env.js';

const env = useTestEnv();

describe('names that UTF-8 cannot carry', () => {
  it('are refused with a ValidationError instead of waiting for a reply that cannot match', async () => {
    const client = await env.connect('unix');
    await expect(client.retrieve('broken\uD800', { timeout: 2000 })).rejects.toBeInstanceOf(ValidationError);
    expect(() => client.subscribe('lone\uDC00')).toThrow(ValidationError);
    await expect(client.store('x\uDBFF', 'v')).rejects.toBeInstanceOf(ValidationError);
    // Well-formed astral characters are fine.
    await client.store('emoji::\u{1F600}', 'ok');
    expect(await client.retrieve('emoji::\u{1F600}')).toBe('ok');
    await client.close();
  });
});
