/**
 * `socketchmod`: the reference runs `chmod <socketchmod> <socket>` after it
 * binds each Unix socket, so the value is anything chmod takes: an octal
 * mode (`0770`, `660`) or a symbolic one (`g+rw`, `ug=rw,o=`). We apply it
 * with fs.chmod instead of a shell.
 * @module
 */
import { chmodSync, statSync } from 'node:fs';
import { ConfigError } from './xml.js';

const WHO: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007, a: 0o7777 };

/** The mode `spec` gives a file whose mode is `current`. */
export function computeMode(spec: string, current: number): number {
  const text = spec.trim();
  if (/^[0-7]{1,4}$/.test(text)) return parseInt(text, 8);
  let mode = current & 0o7777;
  for (const clause of text.split(',')) {
    const match = /^([ugoa]*)((?:[-+=][rwxXst]*)+)$/.exec(clause);
    if (!match) throw new ConfigError(`socketchmod ${JSON.stringify(spec)}: not a chmod mode (octal like 0770, or symbolic like g+rw)`);
    const who = match[1] === '' ? 'a' : (match[1] as string);
    const mask = [...who].reduce((bits, letter) => bits | (WHO[letter] as number), 0);
    for (const [, op, perms] of (match[2] as string).matchAll(/([-+=])([rwxXst]*)/g)) {
      let bits = 0;
      for (const perm of perms as string) {
        if (perm === 'r') bits |= 0o444;
        else if (perm === 'w') bits |= 0o222;
        else if (perm === 'x' || (perm === 'X' && (mode & 0o111) !== 0)) bits |= 0o111;
        else if (perm === 's') bits |= 0o6000;
        else if (perm === 't') bits |= 0o1000;
      }
      bits &= mask;
      if (op === '+') mode |= bits;
      else if (op === '-') mode &= ~bits;
      else mode = (mode & ~mask) | bits;
    }
  }
  return mode;
}

/** Checks `spec` without touching anything (so a bad value fails before the server starts). */
export function checkSocketMode(spec: string): void {
  computeMode(spec, 0o755);
}

/** Applies `spec` to each socket file. */
export function applySocketMode(spec: string, paths: readonly string[]): void {
  for (const path of paths) chmodSync(path, computeMode(spec, statSync(path).mode));
}
