/**
 * The console's connection to the Clacks server, through the gateway of
 * the console's own web server: one client, and a queue that runs the
 * console's operations one at a time.
 *
 * The server refuses a command with `OVERHEAD E permission_denied`, which
 * does not say which command it was. Each operation ends with a FLUSH, and
 * operations do not overlap, so an error that arrives between an
 * operation's first line and its FLUSHED belongs to it: STORE, REMOVE,
 * INCREMENT and CLIENTDISCONNECT are reported refused with the server's own
 * words.
 * @module
 */
import { createClient, type ClacksClient } from '../../browser.js';
import { ClacksError } from '../../errors.js';

/** The server refused an operation: `serverMessage` is what it said (`permission_denied`). */
export class RefusedError extends Error {
  constructor(readonly serverMessage: string) {
    super(`refused by the server: ${serverMessage}`);
    this.name = 'RefusedError';
  }
}

/** The server's own words for an error the client reported. */
export function serverWords(error: ClacksError): string {
  if (error.code === 'PERMISSION_DENIED') return 'permission_denied';
  return error.message.replace(/^the server reported: /, '');
}

/** What the console knows about its session (from /api/session). */
export interface SessionInfo {
  /** The session's token: the page's password toward the console's gateway, which logs in with the session's credentials. */
  token: string;
  user: string | null;
  loggedIn: boolean;
  suggestedUser: string;
  server: string;
  websocket: string;
  version: string;
}

export class Link {
  private tail: Promise<unknown> = Promise.resolve();
  /** Server errors of the operation running now; undefined between operations. */
  private collecting: string[] | undefined;

  private constructor(
    readonly client: ClacksClient,
    /** The console's identification (CLIENTLIST shows it: that is how it finds itself). */
    readonly name: string,
    private readonly onStrayError: (message: string) => void,
  ) {
    client.on('error', (error) => {
      if (!(error.code === 'PERMISSION_DENIED' || error.code === 'SERVER_ERROR')) return;
      if (this.collecting) this.collecting.push(serverWords(error));
      else this.onStrayError(serverWords(error));
    });
  }

  /** Connects through the gateway, with the session's token as the password; the gateway logs in for the page (the page has no Clacks password). */
  static async open(session: SessionInfo, onStrayError: (message: string) => void): Promise<Link> {
    const random = Array.from(crypto.getRandomValues(new Uint8Array(3)), (byte) => byte.toString(16).padStart(2, '0')).join('');
    const name = `clacks console ${session.version} (${random})`;
    const client = await createClient(session.websocket, {
      username: session.user ?? 'console',
      password: session.token,
      name,
      remembrance: false,
      offlineQueue: false,
      waitForServer: 30_000,
      eventBufferSize: 20_000,
    });
    return new Link(client, name, onStrayError);
  }

  /** Whether commands can be sent now. */
  get ready(): boolean {
    return this.client.state === 'ready';
  }

  /**
   * Runs an operation after the ones before it, then a FLUSH; rejects with
   * {@link RefusedError} when the server reported an error meanwhile.
   */
  run<T>(operation: (client: ClacksClient) => Promise<T>): Promise<T> {
    const result = this.tail.then(async () => {
      const errors: string[] = [];
      this.collecting = errors;
      try {
        let value: T;
        try {
          value = await operation(this.client);
        } catch (error) {
          // A refused read rejects by itself (after the server's error): report the server's words.
          if (error instanceof ClacksError && error.code === 'PERMISSION_DENIED') throw new RefusedError(errors[0] ?? 'permission_denied');
          throw error;
        }
        await this.client.flush();
        if (errors.length > 0) throw new RefusedError(errors[0] as string);
        return value;
      } finally {
        this.collecting = undefined;
      }
    });
    this.tail = result.catch(() => {});
    return result;
  }
}
