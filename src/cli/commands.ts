/**
 * Every client subcommand of `clacks`, in the order `clacks --help` lists
 * them, and the help text on connecting and exit codes they share.
 * @module
 */
import type { Command } from 'commander';
import { clientsCommand, disconnectCommand, flushCommand, monitorCommand } from './admin.js';
import { clearCacheCommand, getCommand, incrementCommand, keysCommand, removeCommand, storeCommand } from './cache.js';
import { shellCommand } from './shell.js';
import { listenCommand, notifyCommand, setCommand } from './signals.js';

const HELP_AFTER = `
Connecting (every subcommand but serve):
  --url URL, else --socket PATH or --host HOST [--port PORT], else $CLACKS_URL
  --user NAME --password PW ($CLACKS_PASSWORD when no password is given)
  --insecure accepts self-signed TLS certificates; --ca FILE trusts one
  e.g. CLACKS_URL=clacks+unix://admin:secret@localhost/tmp/clacks.sock

Output: human text (colour on a terminal), or --json: one JSON object per line.
Exit codes: 0 ok, 1 usage, 2 connection or authentication failure, 3 server-side error.`;

export function addClientCommands(program: Command): void {
  for (const command of [
    listenCommand(),
    notifyCommand(),
    setCommand(),
    storeCommand(),
    getCommand(),
    incrementCommand('incr'),
    incrementCommand('decr'),
    removeCommand(),
    keysCommand(),
    clearCacheCommand(),
    monitorCommand(),
    clientsCommand(),
    disconnectCommand(),
    flushCommand(),
    shellCommand(),
  ]) {
    program.addCommand(command);
  }
  program.addHelpText('after', HELP_AFTER);
}
