/**
 * Issue 10, finding 13: no password in any message. Errors for URLs that do
 * not parse or connect, status events, `client.server` and the CLI's output
 * show targets as `clacks://user:***@host:port`.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClient, ValidationError, type StatusEvent } from '../../src/index.js';
import { useTestEnv } from '../helpers/client-env.js';
import { CHILD_TIMEOUT, runCli } from '../cli/cli-process.js';

const SECRET = 's3cretPW';
const env = useTestEnv({}, { build: true });

/** The message of an error and of every cause under it. */
function messages(error: unknown): string {
  const parts: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) parts.push(current.message, String(current.stack ?? ''));
  return parts.join('\n');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('client errors', () => {
  it('a URL that does not parse (port 99999) is quoted with the password redacted', async () => {
    const error = await rejection(createClient(`clacks://admin:${SECRET}@localhost:99999`));
    expect(messages(error)).not.toContain(SECRET);
    expect((error as Error).message).toContain('clacks://admin:***@localhost:99999');
  });

  it('a password in the query is redacted too', async () => {
    const error = await rejection(createClient(`clacks+unix://?user=admin&password=${SECRET}`));
    expect(messages(error)).not.toContain(SECRET);
    expect((error as Error).message).toContain('password=***');
  });

  it('a malformed percent-escape in the user, password or socket path is a ValidationError naming the redacted URL', async () => {
    for (const url of [`clacks://admin:${SECRET}%zz@localhost:1`, `clacks://ad%min:${SECRET}@localhost:1`, `clacks+unix://admin:${SECRET}@localhost/tmp/x%.sock`]) {
      const error = await rejection(createClient(url));
      expect(error).toBeInstanceOf(ValidationError);
      expect(messages(error)).not.toContain(SECRET);
      expect((error as Error).message).toMatch(/clacks(\+unix)?:\/\/ad%?min:\*\*\*@localhost.*malformed percent-escape/);
    }
  });

  it('a connection that fails names the target without its password', async () => {
    const unix = await rejection(createClient(`clacks+unix://admin:${SECRET}@localhost${env.socketPath}.missing`));
    expect(messages(unix)).not.toContain(SECRET);
    expect((unix as Error).message).toContain(`clacks+unix://admin:***@localhost${env.socketPath}.missing`);
    const tls = await rejection(createClient(`clacks://admin:${SECRET}@127.0.0.1:${env.port}`)); // certificate not trusted
    expect(messages(tls)).not.toContain(SECRET);
    expect((tls as Error).message).toContain(`clacks://admin:***@127.0.0.1:${env.port}`);
    const waited = await rejection(createClient(`clacks+unix://admin:${SECRET}@localhost${env.socketPath}.missing`, { waitForServer: 200, reconnectPolicy: () => 20 }));
    expect(messages(waited)).not.toContain(SECRET);
  });

  it('a failed login does not echo the password', async () => {
    const error = await rejection(createClient(`clacks+unix://exampleuser:${SECRET}@localhost${env.socketPath}`));
    expect(messages(error)).not.toContain(SECRET);
  });

  it('status events and client.server show the redacted target', async () => {
    const client = await env.connect('unix', { reconnectPolicy: () => 20 });
    const statuses: StatusEvent[] = [];
    client.on('status', (event) => statuses.push(event));
    await env.restart();
    await new Promise<void>((resolve) => client.on('status', (event) => event.type === 'reconnected' && resolve()));
    const shown = JSON.stringify([client.server, statuses, statuses.map((event) => ('reason' in event && event.reason ? messages(event.reason) : ''))]);
    expect(shown).not.toContain('unsafepassword');
    expect(client.server).toBe(`clacks+unix://exampleuser:***@localhost${env.socketPath}`);
    expect(statuses).toContainEqual(expect.objectContaining({ type: 'reconnected', server: client.server }));
  });
});

describe('clacks CLI', () => {
  it("CLACKS_URL='clacks://admin:s3cretPW@localhost:99999' clacks get x: a usage error without the password", { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runCli(['get', 'x'], { env: { CLACKS_URL: `clacks://admin:${SECRET}@localhost:99999` } });
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).not.toContain(SECRET);
    expect(result.stderr).toContain('clacks://admin:***@localhost:99999');
    const json = await runCli(['get', 'x', '--json', '--url', `clacks://admin:${SECRET}@localhost:99999`]);
    expect(json.stdout + json.stderr).not.toContain(SECRET);
  });

  it('a server that cannot be reached, or a wrong password: no password in the output', { timeout: CHILD_TIMEOUT }, async () => {
    const missing = await runCli(['get', 'x', '--url', `clacks+unix://admin:${SECRET}@localhost${path.join(env.socketPath)}.missing`]);
    expect(missing.code).toBe(2);
    expect(missing.stdout + missing.stderr).not.toContain(SECRET);
    expect(missing.stderr).toContain('admin:***@');
    const wrong = await runCli(['listen', 'x', '--url', `clacks+unix://exampleuser:${SECRET}@localhost${env.socketPath}`]);
    expect(wrong.code).toBe(2);
    expect(wrong.stdout + wrong.stderr).not.toContain(SECRET);
  });
});
