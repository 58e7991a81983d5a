import { describe, expect, it } from 'vitest';
import { ClosedError, createClient } from '../../src/index.js';
import { useTestEnv, TRANSPORTS, waitFor } from '../helpers/client-env.js';

const env = useTestEnv();

describe.each(TRANSPORTS)('close, destroy and asyncDispose over %s', (transport) => {
  it('close() sends what is queued, lets pending reads finish, and is idempotent', async () => {
    const client = await env.connect(transport);
    const other = await env.connect(transport);
    void client.store(`close-${transport}`, 'written-before-close');
    const read = client.retrieve(`close-${transport}`);
    const first = client.close();
    const second = client.close();
    expect(first).toBe(second);
    await first;
    expect(await read).toBe('written-before-close');
    expect(await other.retrieve(`close-${transport}`)).toBe('written-before-close');
    expect(client.state).toBe('closed');
    await expect(client.retrieve('x')).rejects.toBeInstanceOf(ClosedError);
    await expect(client.store('x', 'y')).rejects.toBeInstanceOf(ClosedError);
    await other.close();
  });

  it('destroy() settles every pending promise with ClosedError at once', async () => {
    const client = await env.connect(transport);
    const pending = [client.retrieve('a'), client.keylist(), client.flush(), client.clientlist()];
    client.destroy();
    for (const promise of pending) await expect(promise).rejects.toBeInstanceOf(ClosedError);
    expect(client.state).toBe('closed');
    client.destroy();
    await client.close();
  });

  it('await using closes the client at the end of the block', async () => {
    let escaped: Awaited<ReturnType<typeof createClient>> | undefined;
    {
      await using client = await createClient(env.target(transport));
      await client.store(`using-${transport}`, '1');
      escaped = client;
    }
    expect(escaped?.state).toBe('closed');
  });

  it('leaves no socket or timer behind after close()', async () => {
    // Let sockets of earlier tests finish closing (the server runs in this process too).
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = countResources();
    const client = await env.connect(transport, { pingInterval: 1000, liveness: { interval: 500, timeout: 500 } });
    await client.retrieve('anything');
    await client.close();
    // The server side of the socket closes a moment later; wait for it, bounded.
    await waitFor(() => JSON.stringify(countResources()) === JSON.stringify(before), 15_000, 'handles to return to their count').catch(() => {});
    expect(countResources()).toEqual(before);
  });
});

/** Open handles that a client could leave behind. */
function countResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) {
    if (/TCPSocketWrap|PipeWrap|TLSWrap|Timeout/.test(name)) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
