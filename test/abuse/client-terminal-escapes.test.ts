/**
 * Issue 10, finding 7 (the client's part): the CLI prints other parties'
 * bytes. Keys, values, client identifications (an unauthenticated peer's
 * `CLACKS` text included), DEBUG text, the server's greeting and its error
 * messages can hold ESC, BEL and C1 controls. On a terminal they are shown
 * escaped (`\x1b`); to a pipe results stay exact unless `--no-raw`; `--raw`
 * prints them raw on a terminal too. Notices and errors on stderr are
 * always escaped. JSON output never carries them raw.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestEnv } from '../helpers/client-env.js';
import { startScriptedServer, type ScriptedServer } from '../helpers/scripted-server.js';
import { CHILD_TIMEOUT, CLI, childEnv, jsonLines, runCli, startCli } from '../cli/cli-process.js';

const ESC = '\u001b';
const BEL = '\u0007';
const CSI = '\u009b'; // the C1 form of ESC [
const HOSTILE = `red${ESC}[31m title${ESC}]0;pwned${BEL} csi${CSI}2J`;
const ESCAPED = 'red\\x1b[31m title\\x1b]0;pwned\\x07 csi\\x9b2J';
const raw = (text: string) => /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text.replace(/\r\n/g, '\n'));

const env = useTestEnv({}, { build: true });
let url: string;
const keep: net.Socket[] = [];

/** Sends raw protocol bytes as the main user (what any client with write permission may store). */
function plant(lines: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(env.socketPath);
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (received.includes('FLUSHED planted')) {
        socket.destroy();
        resolve();
      }
    });
    socket.on('error', reject);
    socket.write(`CLACKS planter\r\nOVERHEAD A ZXhhbXBsZXVzZXI=:dW5zYWZlcGFzc3dvcmQ=\r\n${lines}FLUSH planted\r\n`);
  });
}

/** Runs the CLI under a pseudo-terminal (util-linux `script`), as an operator would see it. */
function onTerminal(args: string[]): Promise<string> {
  const command = [process.execPath, CLI, ...args].map((part) => `'${part.replace(/'/g, "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = execFile('script', ['-qec', command, '/dev/null'], { env: childEnv({ NO_COLOR: '1' }), timeout: CHILD_TIMEOUT }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
    child.stdin?.end();
  });
}

beforeAll(async () => {
  url = `clacks+unix://exampleuser:unsafepassword@localhost${env.socketPath}`;
  await plant(`STORE hostile=${HOSTILE}\r\nSTORE key${ESC}[2J=x\r\n`);
}, 300_000);
afterAll(() => {
  for (const socket of keep) socket.destroy();
});

describe('results', () => {
  it('clacks get: escaped on a terminal, exact to a pipe; --raw and --no-raw override', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    const terminal = await onTerminal(['get', 'hostile', '--url', url]);
    expect(terminal).toContain(ESCAPED);
    expect(raw(terminal)).toBe(false);

    const piped = await runCli(['get', 'hostile', '--url', url]);
    expect(piped.stdout).toBe(`${HOSTILE}\n`); // a pipe gets the exact value
    expect((await runCli(['get', 'hostile', '--url', url, '--no-raw'])).stdout).toBe(`${ESCAPED}\n`);
    expect(await onTerminal(['get', 'hostile', '--url', url, '--raw'])).toContain(HOSTILE);

    const json = await runCli(['get', 'hostile', '--url', url, '--json']);
    expect(raw(json.stdout)).toBe(false);
    expect(jsonLines(json.stdout)).toEqual([{ name: 'hostile', found: true, value: HOSTILE }]); // the same data, safely spelled
  });

  it('clacks keys', { timeout: CHILD_TIMEOUT }, async () => {
    const keys = await onTerminal(['keys', 'key*', '--url', url]);
    expect(keys).toContain('key\\x1b[2J');
    expect(raw(keys)).toBe(false);
  });

  it("clacks clients: an unauthenticated peer's CLACKS text", { timeout: CHILD_TIMEOUT }, async () => {
    const peer = net.connect(env.socketPath);
    keep.push(peer);
    peer.on('error', () => {});
    peer.write(`CLACKS ${HOSTILE}\r\n`); // never logs in
    await new Promise((resolve) => peer.once('data', resolve)); // the greeting: the server has it
    const table = await onTerminal(['clients', '--url', url]);
    expect(table).toContain('red\\x1b[31m title\\x1b]0_pwned\\x07'); // the server turns ; into _
    expect(raw(table)).toBe(false);
    const piped = await runCli(['clients', '--url', url, '--no-raw']);
    expect(raw(piped.stdout)).toBe(false);
  });

  it('clacks listen and clacks monitor', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    const listen = startCli(['listen', 'hostile::signal', '--url', url, '--no-raw']);
    const monitor = startCli(['monitor', '--url', url, '--no-raw']);
    await listen.waitFor('listening to', 'stderr');
    await monitor.waitFor('monitoring', 'stderr');
    await plant(`SET hostile::signal=${HOSTILE}\r\n`);
    await listen.waitFor(ESCAPED);
    await monitor.waitFor(ESCAPED);
    listen.kill('SIGINT');
    monitor.kill('SIGINT');
    const [listened, monitored] = await Promise.all([listen.exited, monitor.exited]);
    expect(raw(listened.stdout)).toBe(false);
    expect(raw(monitored.stdout)).toBe(false);
  });

  it('clacks shell: values and the server echoing a hostile line', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runCli(['shell', '--url', url, '--no-raw'], { input: `RETRIEVE hostile\nBOGUS${ESC}[2J\n` });
    expect(result.stdout).toContain(`RETRIEVED hostile=${ESCAPED}`);
    expect(result.stdout).toContain('OVERHEAD E unknown_command BOGUS\\x1b[2J');
    expect(raw(result.stdout + result.stderr)).toBe(false);
  });
});

describe('a hostile server', () => {
  let scripted: ScriptedServer;
  beforeAll(async () => {
    scripted = await startScriptedServer({
      greeting: `CLACKS evil${ESC}]0;owned${BEL}\r\nOVERHEAD M Authentication required\r\n`,
      onLine: (line, socket) => {
        if (line.startsWith('MONITOR')) socket.write(`DEBUG 10.0.0.9:4711:3=OVERHEAD A c29tZW9uZQ==:c2VjcmV0\r\n`);
        if (line.startsWith('STORE ')) socket.write(`OVERHEAD E ${ESC}[31mboom${BEL}\r\n`);
        if (line.startsWith('FLUSH ')) socket.write(`FLUSHED ${line.slice(6)}\r\n`);
      },
    });
  });
  afterAll(async () => {
    await scripted?.close();
  });

  it("its error messages on stderr and its greeting are escaped, whatever the stream", { timeout: CHILD_TIMEOUT }, async () => {
    const target = ['--socket', scripted.path, '--user', 'u', '--password', 'p'];
    const store = await runCli(['store', 'k', 'v', ...target]);
    expect(store.code).toBe(3);
    expect(store.stderr).toContain('\\x1b[31mboom\\x07');
    expect(raw(store.stderr)).toBe(false);
    const flush = await runCli(['flush', ...target, '--no-raw']);
    expect(flush.stdout).toContain('evil\\x1b]0;owned\\x07');
    expect(raw(flush.stdout)).toBe(false);
    const shell = await runCli(['shell', ...target], { input: 'NOTIFY x\n' });
    expect(shell.stderr).toContain('evil\\x1b]0;owned\\x07'); // the "connected to" notice
    expect(raw(shell.stderr)).toBe(false);
  });

  it("a monitor never shows another client's login token (the reference server mirrors OVERHEAD A)", { timeout: CHILD_TIMEOUT }, async () => {
    const monitor = startCli(['monitor', '--socket', scripted.path, '--user', 'u', '--password', 'p', '--json']);
    await monitor.waitFor('OVERHEAD A');
    monitor.kill('SIGINT');
    const result = await monitor.exited;
    expect(result.stdout).toContain('OVERHEAD A ***');
    expect(result.stdout).not.toContain('c2VjcmV0');
  });
});
