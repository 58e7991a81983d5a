/**
 * Who may use a running console: one-time keys and the browser sessions
 * they open.
 *
 * The URL `clacks console` prints carries a key in its fragment
 * (`#key=…`): browsers never send a fragment to a server, put it in a
 * Referer or in the server's logs. The page exchanges the key once, in a
 * POST body, for a session token (kept in the page's sessionStorage, never
 * in a cookie: see server.ts); a used key is gone, and a new one is made
 * for the next browser. A session holds the
 * Clacks credentials the gateway logs in with for its pages: the operator's
 * from the command line, or those typed into the page's login form. They
 * never travel back to a page.
 * @module
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { GatewayCredentials } from '../gateway/options.js';

/** Most sessions kept at once; past it the oldest is forgotten (its page must be opened again with a key). */
const MAX_SESSIONS = 64;
/** Failed logins of one session before its next login waits; the wait doubles from 1 s up to 30 s. */
const FREE_LOGIN_FAILURES = 2;
const MAX_LOGIN_DELAY_MS = 30_000;

/** One browser's session. */
export interface ConsoleSession {
  readonly id: string;
  /** Who the gateway logs in as for this session's pages; undefined until the page's login form succeeded. */
  credentials: GatewayCredentials | undefined;
  /** Failed logins in a row (the login form). */
  failures: number;
  /** No login before this time (ms since epoch). */
  loginAfter: number;
  /** A login check is running. */
  loggingIn: boolean;
}

/** 32 random bytes, base64url: 256 bits, for keys and session ids. */
function secret(): string {
  return randomBytes(32).toString('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export class ConsoleSessions {
  private key = secret();
  /** In insertion order: the first is the oldest. */
  private readonly sessions = new Map<string, ConsoleSession>();

  /** @param credentials given on the command line: every session starts logged in with them. */
  constructor(private readonly credentials: GatewayCredentials | undefined) {}

  /** The key of the next browser session (goes in the printed URL's fragment). */
  get currentKey(): string {
    return this.key;
  }

  /** Sessions open now. */
  get size(): number {
    return this.sessions.size;
  }

  /** Opens a session for a key, which is then used up; undefined for any other key. */
  exchange(key: string): ConsoleSession | undefined {
    if (!sameSecret(key, this.key)) return undefined;
    this.key = secret();
    const session: ConsoleSession = {
      id: secret(),
      credentials: this.credentials ? { ...this.credentials } : undefined,
      failures: 0,
      loginAfter: 0,
      loggingIn: false,
    };
    this.sessions.set(session.id, session);
    if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    return session;
  }

  /** The session of a token, if it is one. */
  find(id: string | undefined): ConsoleSession | undefined {
    if (id === undefined || id.length !== 43) return undefined;
    return this.sessions.get(id);
  }

  /** Records a failed login: later ones wait (1 s, doubling up to 30 s) after the first few. */
  loginFailed(session: ConsoleSession): void {
    session.failures++;
    if (session.failures >= FREE_LOGIN_FAILURES) {
      session.loginAfter = Date.now() + Math.min(MAX_LOGIN_DELAY_MS, 1000 * 2 ** (session.failures - FREE_LOGIN_FAILURES));
    }
  }

  loginSucceeded(session: ConsoleSession, credentials: GatewayCredentials): void {
    session.credentials = credentials;
    session.failures = 0;
    session.loginAfter = 0;
  }
}
