/**
 * Where the examples connect: the server in `CLACKS_URL` when it is set,
 * otherwise an embedded server started on a temporary Unix socket (and
 * removed again by `close()`), so every example runs with nothing else
 * installed. Not an example itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, type ClacksServer } from '../../src/index.js';

export interface ExampleServer {
  /** A `clacks+unix://` or `clacks://` URL with credentials. */
  url: string;
  /** True when the example started the server itself. */
  embedded: boolean;
  /** Stops the embedded server and removes its socket directory (nothing for CLACKS_URL). */
  close(): Promise<void>;
}

export async function exampleServer(): Promise<ExampleServer> {
  const configured = process.env.CLACKS_URL;
  if (configured) return { url: configured, embedded: false, close: async () => {} };

  const dir = mkdtempSync(path.join(tmpdir(), 'clacks-example-'));
  const socketPath = path.join(dir, 'clacks.sock');
  let server: ClacksServer | undefined = await startServer({ socketPath, users: [{ username: 'example', password: 'example' }] });
  console.log(`(CLACKS_URL is not set: started an embedded server on ${socketPath})`);
  return {
    url: `clacks+unix://example:example@localhost${socketPath}`,
    embedded: true,
    async close() {
      await server?.close();
      server = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Ends the process with exit code 1 if it has not finished after `ms`: an example must never hang. */
export function exitIfStuck(ms: number, what: string): NodeJS.Timeout {
  const timer = setTimeout(() => {
    console.error(`${what} did not finish within ${ms / 1000} s; giving up`);
    process.exit(1);
  }, ms);
  timer.unref();
  return timer;
}
