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
  Other parties' control characters are escaped on a terminal (\\x1b); --raw
  prints them as they are, --no-raw escapes them in a pipe too.
Exit codes: 0 ok, 1 usage, 2 connection or authentication failure, 3 server-side error
  (clacks shell fed from a pipe: 3 after any server error, 2 after a lost connection).
Outside a project that installed net-clacks: npx -p net-clacks clacks ...`;

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
