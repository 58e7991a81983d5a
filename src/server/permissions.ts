/**
 * Who may run what: the reference server's permission table (PROTOCOL.md,
 * "Users and permissions"). A refused command has no effect and earns the
 * single line `OVERHEAD E permission_denied`.
 * @module
 */
import type { ClientCommandType } from '../wire/index.js';

/**
 * A permission. Extra users can be given `read`, `write` and `manage`; only
 * the main user holds `interclacks` (it may turn its connection into a link
 * with `OVERHEAD I 1`, send KEYSYNC and take a sync lock), as in the reference.
 */
export type Permission = 'read' | 'write' | 'manage' | 'interclacks';

/** The permissions an extra user can be given. */
export const USER_PERMISSIONS: readonly Permission[] = ['read', 'write', 'manage'];

/** Every permission, as the main user holds them. */
export const ALL_PERMISSIONS: readonly Permission[] = ['read', 'write', 'manage', 'interclacks'];

/** The permission each command needs; commands not listed need none. OVERHEAD is checked per flag. */
const REQUIRED: Partial<Record<ClientCommandType, Permission>> = {
  retrieve: 'read',
  keylist: 'read',
  listen: 'read',
  unlisten: 'read',
  notify: 'write',
  set: 'write',
  store: 'write',
  setandstore: 'write',
  remove: 'write',
  increment: 'write',
  decrement: 'write',
  clearcache: 'manage',
  monitor: 'manage',
  unmonitor: 'manage',
  clientlist: 'manage',
  clientdisconnect: 'manage',
};

/**
 * The permission a command needs, or undefined when anyone logged in may run it.
 * The hot commands are told apart by comparison: the keyed lookup sees a
 * different key on every line and goes megamorphic (about 20 ns a line).
 */
export function requiredPermission(type: ClientCommandType): Permission | undefined {
  return type === 'retrieve' ? 'read' : type === 'set' || type === 'store' ? 'write' : REQUIRED[type];
}
