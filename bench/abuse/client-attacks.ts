/**
 * The two client attacks of issue 10 (findings 10 and 12): a slow subscriber
 * under 15 MiB events (the event buffers' byte bound) and a server that drops
 * every client after its login (the reconnect backoff).
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { build } from 'esbuild';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sdk } from '../lib/sdk.js';
import type { AttackOutcome, AttackTarget } from './attacks.js';
import { authLine } from './protocol.js';

const MiB = 1024 * 1024;

/** Finding 10: 400 SETs of 15 MiB to a name a slow subscriber reads (one event a second); the subscriber's peak RSS. */
export async function slowSubscriber(target: AttackTarget): Promise<AttackOutcome & { peakRssGrowth: number | undefined }> {
  const spec = { path: target.socketPath, username: 'bench', password: 'bench-password', name: 'abuse::big', sdkLocation: sdk().location, sdkSource: sdk().source };
  // Plain JavaScript run by plain node, as a user's process would be (under tsx its RSS carries the loader's 50-odd MiB).
  const scratch = mkdtempSync(join(tmpdir(), 'net-clacks-subscriber-'));
  const script = join(scratch, 'subscriber-child.mjs');
  await build({ entryPoints: [fileURLToPath(new URL('./subscriber-child.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: script, logLevel: 'silent' });
  // A 2 GiB heap cap: the subscriber without byte bounds would otherwise take the shared machine's memory.
  const child = spawn(process.execPath, ['--max-old-space-size=2048', script, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const output: string[] = [];
  const ready = new Promise<void>((resolve) => lines.on('line', (line) => (line === 'ready' ? resolve() : output.push(line))));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await ready;

  const { connect } = await import('node:net');
  const writer = connect(target.socketPath);
  writer.on('error', () => {});
  writer.write(`CLACKS abuse-writer\r\n${authLine('bench', 'bench-password')}NOPING\r\n`);
  const line = Buffer.from(`SET abuse::big=${'b'.repeat(15 * MiB)}\r\n`);
  const started = Date.now();
  let sent = 0;
  let dead = false;
  void exited.then(() => (dead = true));
  while (sent < 400 && !dead && Date.now() - started < 90_000) {
    if (!writer.write(line)) await new Promise((resolve) => writer.once('drain', resolve));
    sent++;
  }
  // Let the last SETs arrive.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  writer.destroy();
  child.stdin?.end();
  const { code, signal } = await exited;
  await new Promise((resolve) => setTimeout(resolve, 50));
  const report = output.map((text) => JSON.parse(text) as { baseline: number; peak: number; taken: number }).at(-1);
  const seconds = (Date.now() - started) / 1000;
  if (report === undefined) {
    const reason = /heap limit|out of memory/i.test(stderr) ? 'out of memory (2 GiB heap cap)' : `exit ${code ?? signal}`;
    return { notes: [`the subscriber died: ${reason}, after ${sent} SETs sent`], figures: { sets: sent, died: true, seconds }, peakRssGrowth: undefined };
  }
  const growth = report.peak - report.baseline;
  return {
    notes: [`${sent} SETs of 15 MiB sent in ${seconds.toFixed(1)} s; the subscriber took ${report.taken} events`, `subscriber peak RSS ${(report.peak / MiB).toFixed(0)} MiB (${(report.baseline / MiB).toFixed(0)} MiB after connecting, so +${(growth / MiB).toFixed(0)} MiB)`],
    figures: { sets: sent, died: false, seconds, peakRss: report.peak },
    peakRssGrowth: growth,
  };
}

/** Finding 12: a server that logs clients in and drops them at once; reconnects per second per client after 10 s. */
export async function reconnectStorm(directory: string): Promise<AttackOutcome & { perClientPerSecond: number }> {
  const path = join(directory, 'drop.sock');
  const accepted: number[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    accepted.push(Date.now());
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.write('CLACKS drop-after-login 1\r\nOVERHEAD M Authentication required\r\n');
    socket.on('data', (chunk: Buffer) => {
      if (!chunk.toString('latin1').includes('OVERHEAD A')) return;
      socket.write('OVERHEAD O Welcome!\r\n');
      setImmediate(() => socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const CLIENTS = 5;
  const started = Date.now();
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, () => sdk().client.createClient({ path, username: 'bench', password: 'bench-password', name: 'abuse-reconnect' })),
  );
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  const window = accepted.filter((at) => at - started >= 10_000 && at - started < 15_000).length;
  await Promise.all(clients.map((client) => client.close().catch(() => {})));
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  const perClientPerSecond = window / 5 / CLIENTS;
  return {
    notes: [`${accepted.length} connections from ${CLIENTS} clients in 15 s`, `after 10 s: ${perClientPerSecond.toFixed(1)} reconnects per second per client`],
    figures: { connections: accepted.length, perClientPerSecond },
    perClientPerSecond,
  };
}
