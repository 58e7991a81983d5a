import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { FloorClient } from './lib/floor-client.js';
import { loadSdk, sdk } from './lib/sdk.js';
import { alternate, percentile } from './lib/stats.js';
import { keyNames, sdkPipelined } from './lib/workloads.js';
const VALUE = 'value-0123456789abcdef0123456789';
if (process.argv[2] === 'server') {
  const WINDOW_TEXT = Array.from({ length: 1000 }, (_, i) => `RETRIEVE bench::k${i}\r\n`).join('');
  const REPLY = Buffer.from(Array.from({ length: 1000 }, (_, i) => `RETRIEVED bench::k${i}=${VALUE}\r\n`).join(''));
  const srv = net.createServer((s) => {
    let got = 0; let greeted = false;
    s.on('data', (c: Buffer) => {
      if (!greeted) { greeted = true; s.write('CLACKS fast\r\nOVERHEAD M Authentication required\r\nOVERHEAD O Welcome!\r\n'); return; }
      const t = c.toString('latin1');
      if (t.startsWith('QUIT')) { s.end(); return; }
      got += c.length;
      while (got >= WINDOW_TEXT.length) { got -= WINDOW_TEXT.length; s.write(REPLY); }
    });
  });
  srv.listen(process.argv[3], () => process.send?.('ready'));
} else {
  const path = join(mkdtempSync(join(tmpdir(), 'fast-')), 's.sock');
  const child = fork(process.argv[1]!, ['server', path], { execArgv: process.execArgv });
  await new Promise((r) => child.once('message', r));
  await loadSdk(false);
  const { login } = await import('./lib/raw-client.js');
  const floor = FloorClient.fromSocket(await login({ kind: 'unix', path, username: 'u', password: 'p' }, 'x'));
  const client = await sdk().client.createClient({ path, username: 'u', password: 'p' });
  const keys = keyNames(1000);
  if (process.argv[2] === 'prof') {
    const { Session } = await import('node:inspector/promises');
    const { writeFileSync } = await import('node:fs');
    for (let i = 0; i < 3; i++) await sdkPipelined(client, keys, 100_000);
    const session = new Session(); session.connect(); await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 100 }); await session.post('Profiler.start');
    for (let i = 0; i < 15; i++) await sdkPipelined(client, keys, 100_000);
    const { profile } = await session.post('Profiler.stop'); writeFileSync('/tmp/fast-sdk.cpuprofile', JSON.stringify(profile));
    client.destroy(); child.kill(); process.exit(0);
  }
  if (process.argv[2] === 'threads') {
    const { readdirSync, readFileSync } = await import('node:fs');
    const snap = () => Object.fromEntries(readdirSync('/proc/self/task').map((t) => { const f = readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1]!.split(' '); const name = readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim(); return [`${t}:${name}`, Number(f[11]) + Number(f[12])]; }));
    for (const [name, c] of [['floor', floor], ['sdk', client]] as const) {
      for (let i = 0; i < 3; i++) await sdkPipelined(c, keys, 100_000);
      const a = snap();
      const { collectGarbage } = await import('./lib/stats.js');
      for (let i = 0; i < 10; i++) { if (process.argv[3] === 'gc') collectGarbage(); await sdkPipelined(c, keys, 100_000); }
      const b = snap();
      console.log(name, Object.entries(b).map(([k, v]) => `${k}=${((v - (a[k] ?? 0)) * 10000 / 1e6).toFixed(3)}`).filter((x) => !x.endsWith('=0.000')).join(' '), 'µs/op per thread');
    }
    client.destroy(); child.kill(); process.exit(0);
  }
  if (process.argv[2] === 'trace') {
    const { collectGarbage } = await import('./lib/stats.js');
    for (const [name, c] of [['floor', floor], ['sdk', client], ['floor', floor], ['sdk', client]] as const) {
      for (let i = 0; i < 3; i++) await sdkPipelined(c, keys, 100_000);
      collectGarbage();
      console.log(`=== ${name} round start`);
      const m = await sdkPipelined(c, keys, 100_000);
      console.log(`=== ${name} round end cpu ${m.cpu.toFixed(3)}`);
    }
    client.destroy(); child.kill(); process.exit(0);
  }
  const r = await alternate(11, { floor: () => sdkPipelined(floor, keys, 100_000), sdk: () => sdkPipelined(client, keys, 100_000) });
  console.log('fast server: floor', percentile(r.floor.map((m) => m.cpu), 50).toFixed(3), 'sdk', percentile(r.sdk.map((m) => m.cpu), 50).toFixed(3), 'rates', Math.round(percentile(r.floor.map((m) => m.rate), 50)), Math.round(percentile(r.sdk.map((m) => m.rate), 50)));
  client.destroy(); child.kill(); process.exit(0);
}
