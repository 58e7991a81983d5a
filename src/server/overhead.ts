/**
 * `OVERHEAD <flags> <value>` from a logged-in client (PROTOCOL.md, "OVERHEAD
 * from a client"). One letter per flag: A auth, E error (logged), G forward
 * to all other clients, U back to the sender too, N not logged, D discard
 * after logging, C close all connections (with G: on every server of the
 * network), S shut down in `value` seconds, I turn the connection into an
 * interclacks link (interclacks permission), L the sync lock (from our
 * master only), T the peer's clock (links only), M/Z informational (on a
 * link, `M` carries what our servers tell each other: interclacks/network.ts).
 * @module
 */
import { encodeServerLine } from '../wire/index.js';
import { authenticate } from './auth.js';
import type { ClientConnection } from './client-connection.js';
import type { Hub } from './hub.js';
import type { Permission } from './permissions.js';

const PERMISSION_DENIED = encodeServerLine({ type: 'overhead', flags: 'E', value: 'permission_denied' });

export function handleOverhead(hub: Hub, client: ClientConnection, flags: string, value: string): void {
  // `OVERHEAD M` with no value is not an OVERHEAD line for the reference, and not an error either.
  if (value === '') return;
  if (flags.includes('A')) return authenticate(hub, client, value);
  const link = client.link;
  if (flags.includes('E')) {
    if (link !== undefined) hub.interclacks.peerError(client, value);
    else hub.reportClientError(client, value);
  }
  if (link !== undefined) {
    // The reference's T: before KEYSYNC, for the clock offset (it takes it from any client; only a link sends KEYSYNC).
    if (flags.includes('T')) return hub.interclacks.timestamp(client, value);
    if (flags.includes('L') && link.role === 'master') {
      if (allowed(hub, client, 'interclacks')) hub.interclacks.lock(client, perlTrue(value));
      return;
    }
    if (flags.includes('M') && value.startsWith('net-clacks-')) return hub.interclacks.notice(client, value);
  }
  if (flags.includes('I')) {
    if (!allowed(hub, client, 'interclacks')) return;
    if (perlTrue(value)) hub.interclacks.acceptSlave(client);
    else hub.interclacks.leave(client);
    return;
  }

  if (flags.includes('C')) {
    if (!allowed(hub, client, 'manage')) return;
    const everywhere = flags.includes('G');
    hub.log('info', `${link === undefined ? 'client' : `the interclacks ${link.role}`} ${client.cid} closes all connections${everywhere ? ' of the network' : ''}`);
    return hub.disconnectAll(`OVERHEAD ${everywhere ? 'GC' : 'C'} from ${client.cid}: every connection ${everywhere ? 'of the network ' : ''}closes`, everywhere);
  }
  if (flags.includes('S')) {
    if (!allowed(hub, client, 'manage')) return;
    const seconds = Math.max(0, Number.parseFloat(value) || 0);
    hub.log('info', `client ${client.cid} shuts the server down in ${seconds} s`);
    return hub.onShutdownRequest(seconds * 1000);
  }
  if (flags.includes('G') && !flags.includes('D')) {
    if (!allowed(hub, client, 'write')) return;
    // Forwarded as `OVERHEAD <remaining flags, sorted, U dropped> <value>`;
    // U also sends it back to the sender (`OVERHEAD GNU x` → `OVERHEAD GN x` to all, transcript 03).
    const forwardedFlags = [...flags].filter((flag) => flag !== 'U').sort().join('');
    const text = encodeServerLine({ type: 'overhead', flags: forwardedFlags, value });
    hub.broadcast(text, flags.includes('U') ? undefined : client);
  }
}

/** Perl's truthiness of a value: only "" and "0" are false. */
function perlTrue(value: string): boolean {
  return value !== '' && value !== '0';
}

function allowed(hub: Hub, client: ClientConnection, permission: Permission): boolean {
  if (client.user?.permissions.has(permission)) return true;
  hub.replyLater(client, PERMISSION_DENIED);
  return false;
}
