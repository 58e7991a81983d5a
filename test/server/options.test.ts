/** startServer's users, as plain JavaScript may give them: a clear TypeError naming the user, never a crash from deep inside. */
import { describe, expect, it } from 'vitest';
import { startServer, type ServerOptions } from '../../src/server/index.js';

const listener = { socketPath: '/nonexistent-dir-for-an-options-test/c.sock' };
const badUsers = (users: unknown): Promise<unknown> => startServer({ ...listener, users } as unknown as ServerOptions);

describe('startServer: users', () => {
  it('refuses permissions that are not an array, naming the user and the known names', async () => {
    await expect(badUsers([{ username: 'admin', password: 'pw' }, { username: 'reader', password: 'pw', permissions: { read: true } }])).rejects.toThrow(
      'startServer: user "reader": `permissions` must be an array of names (read, write, manage), got object',
    );
  });

  it('refuses a user without a string username or password', async () => {
    await expect(badUsers([{ username: 'admin' }])).rejects.toThrow('startServer: user number 1 needs a `username` and a `password`, both strings');
    await expect(badUsers([{ username: 'admin', password: 'pw' }, null])).rejects.toThrow('startServer: user number 2 needs a `username` and a `password`, both strings');
  });
});
