/**
 * Looking after a server: `clacks monitor`, `clients`, `disconnect` and
 * `flush`.
 * @module
 */
import type { Command } from 'commander';
import type { ClientInfo } from '../client/client-info.js';
import type { DebugEvent } from '../events/types.js';
import { redactLine } from '../util/redact.js';
import { clock, type Output } from './output.js';
import { clientCommand, runOnce, runStream, type CommandFlags } from './run.js';

export function monitorCommand(): Command {
  return clientCommand('monitor')
    .description('MONITOR: print every command the server sees (its DEBUG stream), until Ctrl-C (manage permission)')
    .action((flags: CommandFlags) =>
      runStream(flags, 'monitor', async ({ client, out, serverErrors, reportServerErrorsLive }) => {
        const events = client.events({ types: ['debug'] });
        await client.monitor();
        await client.flush();
        if (serverErrors.length > 0) throw serverErrors[0];
        reportServerErrorsLive();
        out.notice('monitoring; Ctrl-C to stop');
        for await (const event of events) printDebug(out, event as DebugEvent);
      }),
    );
}

/**
 * `DEBUG sender=text` as the reference server writes it: the sender is a
 * client id and the text the command it sent, or the sender is CONNECTED /
 * DISCONNECTED and the text the client id.
 */
function printDebug(out: Output, event: DebugEvent): void {
  const { color } = out;
  const time = clock();
  // The reference server shows monitors other clients' login lines: never their token.
  const text = redactLine(event.text);
  const record = { type: 'debug', time: new Date().toISOString(), sender: event.sender, text };
  if (event.sender === 'CONNECTED') {
    out.result(record, `${color.dim(time)} ${color.green('+ connected')}    ${out.show(text)}`);
  } else if (event.sender === 'DISCONNECTED') {
    out.result(record, `${color.dim(time)} ${color.red('- disconnected')} ${out.show(text)}`);
  } else {
    const space = text.indexOf(' ');
    const verb = space === -1 ? text : text.slice(0, space);
    const rest = space === -1 ? '' : text.slice(space);
    out.result(record, `${color.dim(time)} ${color.cyan(out.show(event.sender))}  ${color.bold(out.show(verb))}${out.show(rest)}`);
  }
}

export function clientsCommand(): Command {
  return clientCommand('clients')
    .description('CLIENTLIST: a table of the connected clients (manage permission)')
    .action((flags: CommandFlags) =>
      runOnce(flags, 'clients', async ({ client, out }) => {
        const clients = await client.clientlist();
        if (out.json) {
          for (const entry of clients) out.jsonOnly(entry);
          return;
        }
        out.text(clientTable(out, clients, Date.now() / 1000));
      }),
    );
}

function clientTable(out: Output, clients: ClientInfo[], now: number): string {
  const header = ['CID', 'CLIENT', 'MONITOR', 'LINK', 'OUTBUF', 'INBUF', 'LAST PING'];
  const rows = clients.map((entry) => [
    out.show(entry.cid),
    out.show(entry.clientInfo),
    entry.monitor ? 'yes' : 'no',
    linkOf(entry),
    String(entry.outBufferLength),
    String(entry.inBufferLength),
    entry.lastPing > 0 ? `${Math.max(0, Math.round(now - entry.lastPing))}s ago` : '-',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  const lines = [out.color.bold(format(header)), ...rows.map(format)];
  const links = clients.filter((entry) => entry.interclacks).length;
  const linkNote = links === 0 ? '' : `, ${links} of them interclacks link${links === 1 ? '' : 's'}`;
  lines.push(out.color.dim(`${clients.length} client${clients.length === 1 ? '' : 's'}${linkNote}`));
  return lines.join('\n');
}

/**
 * What an interclacks link is to the server listed: `master` (its connection
 * to its master, which identifies itself "in interclacks master mode"),
 * `slave`, or `link` when the peer did not say; `-` for an ordinary client.
 */
function linkOf(entry: ClientInfo): string {
  if (!entry.interclacks) return '-';
  if (/ in interclacks master mode$/.test(entry.clientInfo)) return 'master';
  if (/ in interclacks client mode(?: \(server-id [^)]*\))?$/.test(entry.clientInfo)) return 'slave';
  return 'link';
}

export function disconnectCommand(): Command {
  return clientCommand('disconnect')
    .description('CLIENTDISCONNECT: make the server drop a client, by its CID from `clacks clients` (manage permission)')
    .argument('<cid>', 'client id')
    .action((cid: string, flags: CommandFlags) =>
      runOnce(flags, 'disconnect', async ({ client, out, confirm }) => {
        await client.clientDisconnect(cid);
        await confirm();
        out.jsonOnly({ ok: true, command: 'disconnect', cid });
      }),
    );
}

export function flushCommand(): Command {
  return clientCommand('flush')
    .description('FLUSH: a round trip to the server; prints how long it took')
    .action((flags: CommandFlags) =>
      runOnce(flags, 'flush', async ({ client, out, confirm }) => {
        const started = performance.now();
        // The runner's own FLUSH: the one timed, not a second one after it.
        await confirm();
        const ms = Math.round((performance.now() - started) * 100) / 100;
        out.result({ ok: true, command: 'flush', ms }, `FLUSHED in ${ms} ms (${out.show(client.serverInfo ?? 'unknown server')})`);
      }),
    );
}
