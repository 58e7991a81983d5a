/**
 * The entry point: `createClient(target?, options?)`.
 * @module
 */
import { ClacksClient } from './client.js';
import { resolveServers, type ClientOptions } from './options.js';

/**
 * Connects to a Clacks server and resolves once the greeting has been seen
 * and authentication succeeded.
 *
 * @param target A URL (`clacks://user:pass@host:49888`,
 *   `clacks+unix://user:pass@localhost/run/clacks.sock`), an options object,
 *   or nothing to use the `CLACKS_URL` environment variable.
 * @param options More options (merged over an options-object target).
 * @throws {AuthenticationError} on bad credentials (never retried).
 * @throws {ProtocolError} when the server does not greet with `CLACKS ` in time.
 * @throws {ConnectionError} when no server could be reached (within `waitForServer`).
 * @throws {ValidationError} for bad options, before any connection is made.
 *
 * @example
 * ```ts
 * const client = await createClient('clacks+unix://admin:secret@localhost/tmp/clacks.sock');
 * await client.store('greeting', 'hello');
 * console.log(await client.retrieve('greeting'));
 * await client.close();
 * ```
 */
export async function createClient(target?: string | ClientOptions, options: ClientOptions = {}): Promise<ClacksClient> {
  const resolved = resolveServers(target, options);
  const client = new ClacksClient(resolved.servers, resolved.options);
  await client.connect();
  return client;
}
