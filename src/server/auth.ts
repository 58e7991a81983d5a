/**
 * `OVERHEAD A <base64(user)>:<base64(password)>`: good credentials earn
 * `OVERHEAD O Welcome!` (at the end of the turn), bad or malformed ones
 * `OVERHEAD F Login failed!` and a close, without QUIT (PROTOCOL.md,
 * "Session start").
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { decodeAuthToken, encodeServerLine } from '../wire/index.js';
import type { ClientConnection } from './client-connection.js';
import type { Hub } from './hub.js';

const WELCOME = encodeServerLine({ type: 'overhead', flags: 'O', value: 'Welcome!' });
const LOGIN_FAILED = encodeServerLine({ type: 'overhead', flags: 'F', value: 'Login failed!' });

export function authenticate(hub: Hub, client: ClientConnection, token: string): void {
  const credentials = decodeAuthToken(token);
  const account = credentials === undefined ? undefined : hub.options.users.get(credentials.username);
  if (credentials !== undefined && account !== undefined && samePassword(credentials.password, account.password)) {
    client.user = account;
    hub.stats.authSuccesses++;
    hub.replyLater(client, WELCOME);
    return;
  }
  hub.stats.authFailures++;
  hub.log('info', `login failed for client ${client.cid}`);
  client.end(LOGIN_FAILED);
}

/** Compares in constant time; hashing first makes the lengths equal. */
function samePassword(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
