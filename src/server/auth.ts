/**
 * `OVERHEAD A <base64(user)>:<base64(password)>`: good credentials earn
 * `OVERHEAD O Welcome!` (at the end of the turn), bad or malformed ones
 * `OVERHEAD F Login failed!` and a close, without QUIT (PROTOCOL.md,
 * "Session start").
 *
 * Logins go through the per-source brute-force throttle (login-throttle.ts):
 * a login that has to wait holds the client's later lines until it has been
 * checked, and then runs them as the rest of the same turn. An unknown user
 * costs the same work as a wrong password (a hash and a constant-time
 * comparison against a stand-in), so timing does not tell which names exist.
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeAuthToken, encodeServerLine } from '../wire/index.js';
import type { ClientConnection } from './client-connection.js';
import type { Hub } from './hub.js';
import type { LoginOutcome } from './login-throttle.js';

const WELCOME = encodeServerLine({ type: 'overhead', flags: 'O', value: 'Welcome!' });
const LOGIN_FAILED = encodeServerLine({ type: 'overhead', flags: 'F', value: 'Login failed!' });
/** Compared against when the user does not exist, so that costs what a wrong password costs. */
const STAND_IN = randomBytes(32).toString('base64');

export function authenticate(hub: Hub, client: ClientConnection, token: string): void {
  const ranNow = hub.logins.run(client.source, () => check(hub, client, token));
  if (ranNow) return;
  hub.stats.loginsThrottled++;
  client.authPending = true;
}

/** Runs when the throttle lets this login through: now, or later from a timer. */
function check(hub: Hub, client: ClientConnection, token: string): LoginOutcome {
  if (!client.authPending) return verify(hub, client, token);
  if (client.closing) return 'skipped';
  let outcome: LoginOutcome = 'skipped';
  hub.resume(client, () => {
    client.authPending = false;
    outcome = verify(hub, client, token);
  });
  return outcome;
}

function verify(hub: Hub, client: ClientConnection, token: string): LoginOutcome {
  const credentials = decodeAuthToken(token);
  const account = credentials === undefined ? undefined : hub.options.users.get(credentials.username);
  // Always one hash pair and one comparison, known user or not.
  const matches = samePassword(credentials?.password ?? '', account?.password ?? STAND_IN);
  if (credentials !== undefined && account !== undefined && matches) {
    client.loggedIn(account);
    hub.stats.authSuccesses++;
    hub.replyLater(client, WELCOME);
    return 'success';
  }
  hub.stats.authFailures++;
  hub.log('info', `login failed for client ${client.cid}`);
  client.end(LOGIN_FAILED);
  return 'failure';
}

/** Compares in constant time; hashing first makes the lengths equal. */
function samePassword(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
