/**
 * The shared cache: `clacks store`, `get`, `incr`, `decr`, `rm`, `keys` and
 * `clearcache`.
 * @module
 */
import type { Command } from 'commander';
import { perlCodec } from '../codec/perl-codec.js';
import { showValue } from './output.js';
import { clientCommand, runOnce, type CommandFlags } from './run.js';

export function storeCommand(): Command {
  return clientCommand('store')
    .description('STORE NAME=VALUE in the cache')
    .argument('<name>', 'key')
    .argument('<value>', 'value (one line)')
    .action((name: string, value: string, flags: CommandFlags) =>
      runOnce(flags, 'store', async ({ client, out, confirm }) => {
        await client.store(name, value);
        await confirm();
        out.jsonOnly({ ok: true, command: 'store', name, value });
      }),
    );
}

interface GetFlags extends CommandFlags {
  decode?: boolean;
}

export function getCommand(): Command {
  return clientCommand('get')
    .description('RETRIEVE a value and print it (nothing on stdout when the key does not exist)')
    .argument('<name>', 'key')
    .option('--decode', 'decode values stored by Perl ClacksCache (structures are printed as JSON)')
    .action((name: string, flags: GetFlags) =>
      runOnce(flags, 'get', async ({ client, out }) => {
        const wire = await client.retrieve(name);
        if (wire === undefined) {
          out.jsonOnly({ name, found: false, value: null });
          if (!out.json) out.notice(`${name}: no such key`);
          return;
        }
        const value: unknown = flags.decode ? perlCodec.decode(wire) : wire;
        out.result({ name, found: true, value }, out.show(showValue(value)));
      }),
    );
}

export function incrementCommand(kind: 'incr' | 'decr'): Command {
  const verb = kind === 'incr' ? 'INCREMENT' : 'DECREMENT';
  return clientCommand(kind)
    .description(`${verb} a number in the cache by STEP (default 1) and print the new value`)
    .argument('<name>', 'key (a missing or non-numeric value counts as 0)')
    .argument('[step]', 'a number, e.g. 5 or 1.5')
    .action((name: string, step: string | undefined, flags: CommandFlags) =>
      runOnce(flags, kind, async ({ client, out, confirm }) => {
        if (kind === 'incr') await client.increment(name, step);
        else await client.decrement(name, step);
        await confirm(); // a refused INCREMENT must not print the old value as if it were new
        // Pipelined behind the change; another client's change in between would show here.
        const value = await client.retrieve(name);
        out.result({ name, value: value ?? null }, out.show(value ?? ''));
      }),
    );
}

export function removeCommand(): Command {
  return clientCommand('rm')
    .description('REMOVE a key from the cache')
    .argument('<name>', 'key')
    .action((name: string, flags: CommandFlags) =>
      runOnce(flags, 'rm', async ({ client, out, confirm }) => {
        await client.remove(name);
        await confirm();
        out.jsonOnly({ ok: true, command: 'rm', name });
      }),
    );
}

export function keysCommand(): Command {
  return clientCommand('keys')
    .description('list the cached keys, sorted, optionally only those matching a glob PATTERN')
    .argument('[pattern]', 'glob pattern: * any run of characters, ? one character (quote it in the shell)')
    .action((pattern: string | undefined, flags: CommandFlags) =>
      runOnce(flags, 'keys', async ({ client, out }) => {
        const matches = pattern === undefined ? () => true : globMatcher(pattern);
        for (const key of await client.keylist()) {
          if (matches(key)) out.result({ key }, out.show(key));
        }
      }),
    );
}

export function clearCacheCommand(): Command {
  return clientCommand('clearcache')
    .description('CLEARCACHE: empty the whole cache (manage permission)')
    .action((flags: CommandFlags) =>
      runOnce(flags, 'clearcache', async ({ client, out, confirm }) => {
        await client.clearcache();
        await confirm();
        out.jsonOnly({ ok: true, command: 'clearcache' });
      }),
    );
}

/** `Door::*` → a test for whole keys; `*` is any run of characters, `?` exactly one. */
export function globMatcher(pattern: string): (key: string) => boolean {
  let source = '';
  for (const char of pattern) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const regex = new RegExp(`^${source}$`, 's');
  return (key) => regex.test(key);
}
