/**
 * The rows of the clients table, from CLIENTLIST.
 * @module
 */
import type { ClientInfo } from '../../../client/client-info.js';
import { formatAgo } from './format.js';

/** One row of the clients table. */
export interface ClientRow {
  cid: string;
  /** The identification the client sent. */
  client: string;
  host: string;
  /** `monitor`, `interclacks`, `this console`. */
  flags: string[];
  outBuffer: number;
  inBuffer: number;
  lastPing: string;
  /** User and permissions, where the server tells (the reference server does not). */
  permissions: string | undefined;
  /** The console's own connection. */
  own: boolean;
}

/** Fields a server may add that say who a client is and what it may do. */
const PERMISSION_FIELDS = ['USER', 'USERNAME', 'PERMISSIONS', 'PERMS'];

/** The user and permissions a CLIENT line tells, if it does: `rouser (read)`. */
export function permissionsOf(fields: Record<string, string>): string | undefined {
  const user = fields.USER ?? fields.USERNAME;
  const permissions = fields.PERMISSIONS ?? fields.PERMS;
  if (user === undefined && permissions === undefined) return undefined;
  if (user === undefined) return permissions;
  return permissions === undefined ? user : `${user} (${permissions})`;
}

/** Whether any entry tells permissions: the column is shown only then. */
export function tellsPermissions(list: readonly ClientInfo[]): boolean {
  return list.some((entry) => PERMISSION_FIELDS.some((field) => field in entry.fields));
}

/** The table rows, in the server's order; `ownName` is the console's own identification. */
export function clientRows(list: readonly ClientInfo[], ownName: string, nowMs = Date.now()): ClientRow[] {
  return list.map((entry) => {
    const own = entry.clientInfo === ownName;
    const flags: string[] = [];
    if (own) flags.push('this console');
    if (entry.monitor) flags.push('monitor');
    if (entry.interclacks) flags.push('interclacks');
    return {
      cid: entry.cid,
      client: entry.clientInfo,
      host: entry.host,
      flags,
      outBuffer: entry.outBufferLength,
      inBuffer: entry.inBufferLength,
      lastPing: formatAgo(entry.lastPing, nowMs),
      permissions: permissionsOf(entry.fields),
      own,
    };
  });
}
