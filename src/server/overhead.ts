/**
 * `OVERHEAD <flags> <value>` from a logged-in client (PROTOCOL.md, "OVERHEAD
 * from a client"). One letter per flag: A auth, E error (logged), G forward
 * to all other clients, U back to the sender too, N not logged, D discard
 * after logging, C close all connections, S shut down in `value` seconds,
 * I/L/T interclacks only (we have no interclacks links), M/Z informational.
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
  if (flags.includes('E')) hub.reportClientError(client, value);

  if (flags.includes('C')) {
    if (!allowed(hub, client, 'manage')) return;
    hub.log('info', `client ${client.cid} closes all connections`);
    return hub.disconnectAll();
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

function allowed(hub: Hub, client: ClientConnection, permission: Permission): boolean {
  if (client.user?.permissions.has(permission)) return true;
  hub.replyLater(client, PERMISSION_DENIED);
  return false;
}
