/**
 * Every example runs as a user would run it (tsx, a child process), alone on
 * its own embedded server and against a server given in CLACKS_URL, so the
 * examples never rot.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { chromiumPath, launchChromium, warnSkipped } from '../helpers/browser.js';
import { startEnv, type TestEnv } from '../helpers/client-env.js';
import { CHILD_TIMEOUT, ROOT, Running, runCommand, runNode } from '../cli/cli-process.js';

const example = (name: string) => path.join('examples', `${name}.ts`);
/** `node --import tsx examples/NAME.ts …`: what `npx tsx` does, in one process, so signals reach the example itself. */
const tsx = (name: string, ...args: string[]) => ['--import', 'tsx', example(name), ...args];

let env: TestEnv;
let url: string;

beforeAll(async () => {
  env = await startEnv();
  url = `clacks+unix://exampleuser:unsafepassword@localhost${env.socketPath}`;
});

afterAll(async () => {
  await env?.dispose();
});

/** The embedded server's socket directory, from the line the example prints. */
function embeddedDir(output: string): string {
  const match = /started an embedded server on (\S+)\)/.exec(output);
  if (!match?.[1]) throw new Error(`no embedded server line in:\n${output}`);
  return path.dirname(match[1]);
}

/** Sends something every half second until `done()`; for signals that may race a (re)subscription. */
async function repeatUntil(send: () => Promise<void>, done: () => boolean, ms = CHILD_TIMEOUT): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('gave up repeating');
    await send();
    for (let waited = 0; waited < 500 && !done(); waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('demo', () => {
  it('runs with `npx tsx examples/demo.ts`, survives the server restart and exits 0', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    const result = await runCommand('npx', ['tsx', example('demo')]);
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout;
    for (const step of [1, 2, 3, 4, 5, 6]) expect(out).toMatch(new RegExp(`^${step}\\. `, 'm'));
    expect(out).toContain('worker: handled job-3');
    expect(out).toContain('worker: reconnected');
    expect(out).toContain('worker: handled job-5');
    // The cache survived the restart (the server saved and reloaded it).
    expect(out).toContain('demo::jobs-sent = 5, demo::jobs-done = 5');
    expect(out.indexOf('worker: reconnected')).toBeLessThan(out.indexOf('worker: handled job-4'));
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/^Done\./);
  });
});

describe('worker', () => {
  it('standalone: handles the jobs it feeds itself and shuts down cleanly on SIGTERM', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    const worker = new Running(tsx('worker'));
    await worker.waitFor('handled job 2');
    const dir = embeddedDir(worker.stdout);
    worker.kill('SIGTERM');
    const result = await worker.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('SIGTERM: finishing the current job');
    expect(result.stdout).toContain('shut down cleanly');
    expect(existsSync(dir)).toBe(false);
  });

  it('with CLACKS_URL: handles jobs, rides out a server restart, stops on Ctrl-C', { timeout: CHILD_TIMEOUT * 3 }, async () => {
    const worker = new Running(tsx('worker'), { env: { CLACKS_URL: url } });
    await worker.waitFor('waiting for jobs');
    expect(worker.stdout).not.toContain('embedded server');
    const producer = await env.connect('unix');
    await producer.set('Jobs::New', '7');
    await worker.waitFor('handled job 7');
    expect(await producer.retrieve('Jobs::Result::7')).toMatch(/^done at /);

    await env.restart();
    await worker.waitFor('reconnected');
    const after = await env.connect('unix');
    await repeatUntil(() => after.set('Jobs::New', '8'), () => worker.stdout.includes('handled job 8'));

    worker.kill('SIGINT');
    const result = await worker.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('shut down cleanly');
  });
});

describe('chat', () => {
  it('--demo from a pipe: sends each line, prints the bot answers, exits 0', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runNode(tsx('chat', '--demo', '--name', 'alice'), { input: 'hello\nhow are you?\n' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('bot: alice, you said "hello" (5 characters)');
    expect(result.stdout).toContain('bot: alice, you said "how are you?" (12 characters)');
    expect(existsSync(embeddedDir(result.stdout))).toBe(false);
  });

  it('with CLACKS_URL: talks with another client in the room', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    const other = await env.connect('unix');
    const room = other.subscribe('Chat::Test');
    await room.ready;
    await other.flush();
    const said: string[] = [];
    const reading = (async () => {
      for await (const event of room) if (event.type === 'set') said.push(event.value);
    })();

    const chat = new Running(tsx('chat', '--name', 'tester', '--room', 'Test'), { env: { CLACKS_URL: url } });
    await chat.waitFor('you are tester in Chat::Test');
    chat.write('hi there\n');
    await repeatUntil(async () => {}, () => said.includes('tester: hi there'));
    await other.set('Chat::Test', 'bob: hello tester');
    await chat.waitFor('bob: hello tester');
    chat.child.stdin.end();
    const result = await chat.exited;
    expect(result.code, result.stderr).toBe(0);
    await repeatUntil(async () => {}, () => said.includes('*** tester left'));
    expect(said).toEqual(['*** tester joined', 'tester: hi there', '*** tester left']);
    room.unsubscribe();
    await reading;
  });
});

describe('clock', () => {
  it('standalone --count 3: three ticks shown, exits 0', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runNode(tsx('clock', '--count', '3'));
    expect(result.code, result.stderr).toBe(0);
    const shown = result.stdout.split('\n').filter((line) => /^display: the time is \d\d:\d\d:\d\d$/.test(line));
    expect(shown).toHaveLength(3);
    expect(existsSync(embeddedDir(result.stdout))).toBe(false);
  });

  it('tick and show as two processes sharing CLACKS_URL', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    const show = new Running(tsx('clock', 'show', '--count', '2'), { env: { CLACKS_URL: url } });
    await show.waitFor('display: listening to Clock::Time');
    const tick = await runNode(tsx('clock', 'tick', '--count', '2'), { env: { CLACKS_URL: url } });
    expect(tick.code, tick.stderr).toBe(0);
    const shown = await show.exited;
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout.match(/display: the time is/g)).toHaveLength(2);
    // SETANDSTORE: the last time is in the cache too.
    const client = await env.connect('unix');
    expect(await client.retrieve('Clock::Time')).toMatch(/^\d\d:\d\d:\d\d$/);
  });
});

describe('cache', () => {
  it('reads what Perl stored and shows the wire bytes', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runNode(tsx('cache'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("cache.get('example::struct') = { a: 1, list: [ 1, 2 ] }");
    expect(result.stdout).toContain('wire:    PAGECAMELCLACKSB64:bGluZSBvbmUKbGluZSB0d28=');
    expect(result.stdout).toContain("read back: { user: 'alice', roles: [ 'admin', 'editor' ], visits: 3 }");
    expect(result.stdout).toContain('then incr by 10 = 11');
    expect(existsSync(embeddedDir(result.stdout))).toBe(false);
  });

  it('works against CLACKS_URL and leaves no keys behind', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runNode(tsx('cache'), { env: { CLACKS_URL: url } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('embedded server');
    const client = await env.connect('unix');
    expect((await client.keylist()).filter((key) => key.startsWith('example::'))).toEqual([]);
  });
});

/** The page's document, as the functions run in it by page.waitForFunction see it. */
declare const document: { querySelector(selector: string): { textContent: string | null } | null };

describe('browser dashboard', () => {
  const chromium = chromiumPath();
  if (!chromium) warnSkipped('the page half of the browser dashboard example test');

  it('`npm run example:browser` serves a page whose values follow the producer, through the gateway', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['example:browser']).toBe('tsx examples/browser-dashboard.ts');
    const dashboard = new Running(tsx('browser-dashboard'));
    try {
      await dashboard.waitFor(/dashboard: open (http:\/\/127\.0\.0\.1:\d+\/)/);
      const pageUrl = /dashboard: open (\S+)/.exec(dashboard.stdout)?.[1] as string;
      const gatewayUrl = /gateway: (ws:\/\/\S+)/.exec(dashboard.stdout)?.[1] as string;
      expect(dashboard.stdout).not.toMatch(/password|example:example/);

      // What the page is given, and the gateway behind it, from Node.
      const session = (await (await fetch(`${pageUrl}session`)).json()) as { gateway: string; username: string; password: string };
      expect(session.gateway).toBe(gatewayUrl);
      const html = await (await fetch(pageUrl)).text();
      expect(html).toContain("from '/net-clacks/browser.js'");
      expect((await fetch(`${pageUrl}net-clacks/browser.js`)).status).toBe(200);
      const viewer = await createClient(session.gateway, { username: session.username, password: session.password });
      const visitors = viewer.subscribe('Dashboard::Visitors');
      const seen: string[] = [];
      for await (const event of visitors) {
        if (event.type === 'set') seen.push(event.value);
        if (seen.length === 2) break;
      }
      expect(Number(seen[1]) - Number(seen[0])).toBe(3);
      await viewer.close();

      if (chromium) {
        const browser = await launchChromium(chromium);
        try {
          const page = await browser.newPage();
          const errors: string[] = [];
          page.on('pageerror', (error) => errors.push(error.message));
          await page.goto(pageUrl);
          await page.waitForSelector('#status[data-state="ready"]', { timeout: 15_000 });
          const visitorsCell = 'tr[data-name="Dashboard::Visitors"] td.value';
          await page.waitForFunction((selector) => /^\d+$/.test(document.querySelector(selector)?.textContent ?? ''), visitorsCell, { timeout: 15_000 });
          const first = Number(await page.textContent(visitorsCell));
          await page.waitForFunction(
            ({ selector, before }) => Number(document.querySelector(selector)?.textContent) > before,
            { selector: visitorsCell, before: first },
            { timeout: 15_000 },
          );
          expect(await page.textContent('tr[data-name="Dashboard::Status"] td.value')).toMatch(/nominal|maintenance/);
          expect(await page.textContent('tr[data-name="Dashboard::Temperature"] td.value')).toMatch(/^\d+\.\d$/);
          expect(errors).toEqual([]);
        } finally {
          await browser.close();
        }
      }
    } finally {
      dashboard.kill('SIGTERM');
    }
    const result = await dashboard.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('dashboard: stopped');
    expect(existsSync(embeddedDir(result.stdout))).toBe(false);
  });
});
