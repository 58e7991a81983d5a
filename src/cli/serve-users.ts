/**
 * Where `clacks serve` gets its users: `--user NAME:PASSWORD[:PERMS]`
 * (repeatable; visible to every local user in `ps`), `--users FILE` (one
 * entry a line, `#` comments and blank lines allowed; refused if group or
 * others may read or write it), or the `CLACKS_USERS` environment variable
 * (the same format, one entry a line), read only when neither flag is given.
 * The first user is the main user. Errors never show a password.
 * @module
 */
import { readFileSync, statSync } from 'node:fs';
import type { Permission, UserOptions } from '../server/index.js';

/** The environment variable `clacks serve` reads users from. */
export const USERS_VARIABLE = 'CLACKS_USERS';

const PERMISSION_LETTERS: Record<string, Permission> = { r: 'read', w: 'write', m: 'manage' };
const ACCEPTED = 'r (read), w (write), m (manage)';

/** A problem with the users given; the message names where, never the password. */
export class UsersError extends Error {}

/**
 * `name:password[:perms]`. The password runs to the last `:` when perms
 * follow; a password that contains `:` needs the perms after it (`name:pa:ss:rw`,
 * or `name:pa:ss:` for none).
 */
export function parseUser(text: string, where: string): UserOptions {
  const first = text.indexOf(':');
  if (first <= 0) throw new UsersError(`${where}: expected NAME:PASSWORD or NAME:PASSWORD:PERMS`);
  const username = text.slice(0, first);
  let password = text.slice(first + 1);
  let permissions: Permission[] = [];
  const last = password.lastIndexOf(':');
  if (last !== -1) {
    const letters = password.slice(last + 1);
    const unknown = [...new Set(letters)].filter((letter) => !(letter in PERMISSION_LETTERS));
    if (unknown.length > 0) {
      throw new UsersError(
        `${where}: user ${JSON.stringify(username)}: unknown permission letter${unknown.length > 1 ? 's' : ''} ${unknown.map((letter) => JSON.stringify(letter)).join(', ')}; ` +
          `PERMS is any of ${ACCEPTED} (a password that contains ":" needs PERMS after it, e.g. name:pa:ss:rw, or name:pa:ss: for none)`,
      );
    }
    permissions = [...new Set(letters)].map((letter) => PERMISSION_LETTERS[letter] as Permission);
    password = password.slice(0, last);
  }
  if (password === '') throw new UsersError(`${where}: user ${JSON.stringify(username)}: the password must not be empty`);
  return { username, password, permissions };
}

/** Entries of a users file or of CLACKS_USERS: one a line, `#` comments and blank lines skipped. */
export function parseUserList(text: string, where: string): UserOptions[] {
  const users: UserOptions[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    users.push(parseUser(line, `${where} line ${index + 1}`));
  });
  return users;
}

/** Reads a users file, refusing one that group or others may read or write. */
export function readUsersFile(file: string): UserOptions[] {
  let mode: number;
  let text: string;
  try {
    mode = statSync(file).mode;
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsersError(`cannot read --users ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (process.platform !== 'win32' && (mode & 0o066) !== 0) {
    throw new UsersError(`--users ${file} is readable or writable by group or others (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${file}`);
  }
  const users = parseUserList(text, file);
  if (users.length === 0) throw new UsersError(`--users ${file} has no users`);
  return users;
}

/** Every user, from the flags or else from the environment, in order (the first is the main user). */
export function collectUsers(flags: { user?: string[]; users?: string[] }, env: NodeJS.ProcessEnv): { users: UserOptions[]; from: string } {
  const fromFlags = [
    ...(flags.user ?? []).map((text, index) => parseUser(text, `--user #${index + 1}`)),
    ...(flags.users ?? []).flatMap((file) => readUsersFile(file)),
  ];
  if (fromFlags.length > 0) return { users: fromFlags, from: 'flags' };
  const variable = env[USERS_VARIABLE];
  if (variable !== undefined && variable.trim() !== '') return { users: parseUserList(variable, USERS_VARIABLE), from: USERS_VARIABLE };
  return { users: [], from: 'none' };
}

/** One line per user for the start-up message: name and permissions, never the password. */
export function describeUsers(users: readonly UserOptions[]): string[] {
  return users.map((user, index) => {
    if (index === 0) return `user ${user.username}: read, write, manage (the main user)`;
    const permissions = user.permissions ?? [];
    return `user ${user.username}: ${permissions.length > 0 ? permissions.join(', ') : 'no permissions'}`;
  });
}
