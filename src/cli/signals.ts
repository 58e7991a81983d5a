/**
 * Real-time signals: `clacks notify`, `clacks set` and `clacks listen`.
 * @module
 */
import { InvalidArgumentError, type Command } from 'commander';
import { perlCodec } from '../codec/perl-codec.js';
import type { SubscriptionEvent } from '../events/types.js';
import { clock, showValue, type Output } from './output.js';
import { clientCommand, runOnce, runStream, type CommandFlags } from './run.js';

export function notifyCommand(): Command {
  return clientCommand('notify')
    .description('send NOTIFY NAME to the clients listening to NAME')
    .argument('<name>', 'signal name')
    .action((name: string, flags: CommandFlags) =>
      runOnce(flags, 'notify', async ({ client, out, confirm }) => {
        await client.notify(name);
        await confirm();
        out.jsonOnly({ ok: true, command: 'notify', name });
      }),
    );
}

interface SetFlags extends CommandFlags {
  store?: boolean;
}

export function setCommand(): Command {
  return clientCommand('set')
    .description('send SET NAME=VALUE to the clients listening to NAME')
    .argument('<name>', 'signal name')
    .argument('<value>', 'value (one line)')
    .option('--store', 'also store the value in the cache (SETANDSTORE)')
    .action((name: string, value: string, flags: SetFlags) =>
      runOnce(flags, 'set', async ({ client, out, confirm }) => {
        if (flags.store) await client.setAndStore(name, value);
        else await client.set(name, value);
        await confirm();
        out.jsonOnly({ ok: true, command: flags.store ? 'setandstore' : 'set', name, value });
      }),
    );
}

interface ListenFlags extends CommandFlags {
  count?: number;
  decode?: boolean;
}

export function listenCommand(): Command {
  return clientCommand('listen')
    .description('print SET and NOTIFY for the names as they arrive, until Ctrl-C')
    .argument('<names...>', 'signal names')
    .option('-n, --count <n>', 'exit after this many signals', parseCount)
    .option('--decode', 'decode values stored by Perl ClacksCache (PAGECAMELCLACKSB64, PAGECAMELCLACKSYAMLB64)')
    .action((names: string[], flags: ListenFlags) =>
      runStream(flags, 'listen', async ({ client, out, serverErrors, reportServerErrorsLive }) => {
        const subscription = client.subscribe<unknown>(names, flags.decode ? { codec: perlCodec } : {});
        await subscription.ready;
        await client.flush(); // the server has processed LISTEN: nothing sent from now on is missed
        if (serverErrors.length > 0) throw serverErrors[0];
        reportServerErrorsLive();
        out.notice(`listening to ${names.join(', ')}; Ctrl-C to stop`);
        let seen = 0;
        for await (const event of subscription) {
          printSignal(out, event);
          if (event.type !== 'reconnected' && flags.count !== undefined && ++seen >= flags.count) break;
        }
      }),
    );
}

function printSignal(out: Output, event: SubscriptionEvent<unknown>): void {
  const { color } = out;
  switch (event.type) {
    case 'set':
      out.result(
        { type: 'set', time: new Date().toISOString(), name: event.name, value: event.value },
        `${color.dim(clock())} ${color.green('SET')} ${color.bold(out.show(event.name))}=${out.show(showValue(event.value))}`,
      );
      return;
    case 'notify':
      out.result({ type: 'notify', time: new Date().toISOString(), name: event.name }, `${color.dim(clock())} ${color.cyan('NOTIFY')} ${color.bold(out.show(event.name))}`);
      return;
    case 'reconnected':
      // Human readers get the notice on stderr; scripts get the gap marker in the stream.
      out.jsonOnly({ type: 'reconnected', time: new Date().toISOString() });
      return;
  }
}

function parseCount(text: string): number {
  const count = Number(text);
  if (!/^\d+$/.test(text) || count < 1) throw new InvalidArgumentError('expected a positive whole number');
  return count;
}
