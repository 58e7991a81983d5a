/**
 * Review finding: an application may close the client from its own
 * 'status' or 'error' listener (these run synchronously, inside the
 * client's socket callbacks). That must not throw an illegal state
 * transition out of a socket callback, nor leave requests pending.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClosedError, createClient } from '../../src/index.js';
import { startScriptedServer } from '../helpers/scripted-server.js';
import { startEnv, waitFor, type TestEnv } from '../helpers/client-env.js';

let env: TestEnv;
const uncaught: unknown[] = [];
const onUncaught = (error: unknown): void => {
  uncaught.push(error);
};
beforeEach(async () => {
  uncaught.length = 0;
  process.on('uncaughtException', onUncaught);
  env = await startEnv();
});
afterEach(async () => {
  process.off('uncaughtException', onUncaught);
  await env.dispose();
});

describe.each(['destroy', 'close'] as const)('%s() from a status listener on "disconnected"', (how) => {
  it('closes the client without an uncaught exception and settles what was in flight', async () => {
    // A server that drops the connection instead of answering a RETRIEVE: the read is in flight at the loss.
    const scripted = await startScriptedServer({ onLine: (line, socket) => line.startsWith('RETRIEVE') && socket.destroy() });
    try {
      const client = await createClient({ path: scripted.path, username: 'u', password: 'p', reconnectPolicy: () => 50, remembrance: false });
      client.on('status', (event) => {
        if (event.type !== 'disconnected') return;
        if (how === 'destroy') client.destroy();
        else void client.close();
      });
      const read = client.retrieve('dropped', { timeout: 5000 });
      await expect(read).rejects.toBeInstanceOf(ClosedError);
      expect(client.state).toBe('closed');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(uncaught).toEqual([]);
    } finally {
      await scripted.close();
    }
  });
});

describe('close() from an error listener while the client gives up', () => {
  it('resolves instead of rejecting with an illegal state transition', async () => {
    const client = await env.connect('unix', { reconnectPolicy: () => false, remembrance: false });
    let closing: Promise<void> | undefined;
    client.on('error', () => {
      closing ??= client.close();
    });
    await env.stop();
    await waitFor(() => closing !== undefined, 15_000, 'the error listener to run');
    await expect(closing).resolves.toBeUndefined();
    expect(client.state).toBe('closed');
    await expect(client.retrieve('x')).rejects.toBeInstanceOf(ClosedError);
  });
});
