import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermissionDeniedError, type ClacksError } from '../../src/index.js';
import { nextMatching, startEnv, TRANSPORTS, type TestEnv } from '../helpers/client-env.js';

let env: TestEnv;
beforeAll(async () => {
  env = await startEnv();
  const admin = await env.connect('unix');
  await admin.store('shared', 'visible');
  await admin.close();
});
afterAll(async () => {
  await env.dispose();
});

describe.each(TRANSPORTS)('permissions over %s', (transport) => {
  it('rejects a refused read promptly with PermissionDeniedError and keeps matching right', async () => {
    const writer = await env.connect(transport, { user: 'wouser', timeouts: { request: 20_000 } });
    const started = Date.now();
    const refused = writer.retrieve('shared');
    const refusedList = writer.keylist();
    await expect(refused).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(refusedList).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    // Prompt: far below the 20 s request timeout.
    expect(Date.now() - started).toBeLessThan(10_000);
    // Writes still work for this user, and the connection is healthy.
    await writer.store('from-writer', 'ok');
    await writer.flush();
    await writer.close();
  });

  it('lets a read-only user read, and reports refused writes as error events', async () => {
    const reader = await env.connect(transport, { user: 'rouser' });
    const errors: ClacksError[] = [];
    reader.on('error', (error) => errors.push(error));
    const events = reader.events({ types: ['error'] });
    expect(await reader.retrieve('shared')).toBe('visible');
    await reader.store('x', '1');
    expect(await nextMatching(events, () => true)).toEqual({ type: 'error', message: 'permission_denied' });
    expect(await reader.retrieve('shared')).toBe('visible');
    expect(await reader.keylist()).toContain('shared');
    await expect(reader.clientlist()).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(errors.some((error) => error.code === 'PERMISSION_DENIED')).toBe(true);
    await reader.close();
  });

  it('refuses manage commands to a read-write user', async () => {
    const user = await env.connect(transport, { user: 'rwuser' });
    const events = user.events({ types: ['error'] });
    await expect(user.clientlist()).rejects.toBeInstanceOf(PermissionDeniedError);
    await user.monitor();
    expect(await nextMatching(events, () => true)).toEqual({ type: 'error', message: 'permission_denied' });
    expect(await user.retrieve('shared')).toBe('visible');
    await user.close();
  });
});
