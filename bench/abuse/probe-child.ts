/**
 * The legitimate client of the abuse benchmark, in its own process: one
 * RETRIEVE at a time, as fast as answers come, for as long as the attack
 * lasts; on stdin's end it prints the latencies (ProbeReport) and exits.
 * A raw socket, so the figures are the server's and the kernel's alone.
 * @module
 */
import { connect } from 'node:net';
import { authLine, type ProbeReport } from './protocol.js';

const socketPath = process.argv[2] as string;
const latencies: number[] = [];
let timeouts = 0;
let disconnected = false;
let stopping = false;
let waiter: ((line: string) => void) | undefined;
/** Bytes of a line split across chunks (only lines this probe cares about are decoded). */
let partial: Buffer | undefined;

const socket = connect(socketPath);
socket.setNoDelay(true);
// Lines are found with indexOf and only RETRIEVED / FLUSHED ones are decoded, so the probe keeps
// up with whatever else it receives (every logged-in client gets OVERHEAD G broadcasts).
socket.on('data', (chunk: Buffer) => {
  let data = chunk;
  if (partial !== undefined) {
    data = Buffer.concat([partial, chunk]);
    partial = undefined;
  }
  let start = 0;
  let at = data.indexOf(0x0a);
  while (at !== -1) {
    const first = data[start];
    if (first === 0x52 /* R */ || first === 0x46 /* F */) waiter?.(data.toString('latin1', start, at).replace(/\r$/, ''));
    start = at + 1;
    at = data.indexOf(0x0a, start);
  }
  if (start < data.length) {
    const first = data[start];
    // Keep only what could become an interesting line; skip the rest of a long broadcast.
    if (first === 0x52 || first === 0x46 || data.length - start < 16) partial = Buffer.from(data.subarray(start));
    else partial = undefined;
  }
});
socket.on('error', () => {});
socket.on('close', () => {
  disconnected = true;
  waiter?.('');
});

function next(predicate: (line: string) => boolean, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiter = undefined;
      resolve(false);
    }, ms);
    waiter = (line) => {
      if (!predicate(line) && !disconnected) return;
      clearTimeout(timer);
      waiter = undefined;
      resolve(!disconnected);
    };
  });
}

socket.write(`CLACKS abuse-probe\r\n${authLine('bench', 'bench-password')}STORE probe::value=0123456789abcdef0123456789abcdef\r\nFLUSH ready\r\n`);
await next((line) => line === 'FLUSHED ready', 30_000);
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => {
  stopping = true;
});

while (!stopping && !disconnected) {
  const started = performance.now();
  socket.write('RETRIEVE probe::value\r\n');
  const answered = await next((line) => line.startsWith('RETRIEVED probe::value='), 5_000);
  const elapsed = performance.now() - started;
  if (!answered) timeouts++;
  latencies.push(elapsed);
  // A short pause: a steady probe, not a load of its own.
  await new Promise((resolve) => setTimeout(resolve, 2));
}
const sorted = [...latencies].sort((a, b) => a - b);
const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
const report: ProbeReport = { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN, timeouts, disconnected };
process.stdout.write(`${JSON.stringify(report)}\n`);
socket.destroy();
process.exit(0);
