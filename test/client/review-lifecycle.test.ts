/**
 * Review findings on the client's lifecycle: promises that must settle and
 * failures that must not escape as unhandled rejections.
 */
import { describe, expect, it } from 'vitest';
import { useTestEnv } from '../helpers/client-env.js';

const env = useTestEnv();

/** Resolves with 'settled' or 'pending' after at most `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<'settled' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    promise.then(
      () => 'settled' as const,
      () => 'settled' as const,
    ),
    new Promise<'pending'>((resolve) => {
      timer = setTimeout(() => resolve('pending'), ms);
    }),
  ]);
  clearTimeout(timer);
  return result;
}

describe('close() and destroy() together', () => {
  it('close() resolves when destroy() is called while it waits for the server', async () => {
    const client = await env.connect('unix');
    const closing = client.close();
    client.destroy();
    // closeTimeout is 5 s; well past it, the close must have settled.
    expect(await settlesWithin(closing, 8000)).toBe('settled');
    expect(client.state).toBe('closed');
  });
});
