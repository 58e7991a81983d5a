/**
 * Scenario 7 (`--browser`): the page's side. The same two workloads as
 * scenarios 1 and 4, measured in the code of a page in headless Chromium
 * that connects through the gateway (net-clacks/browser, WebSocket, the
 * gateway bridging to the Unix socket), against the Node SDK connected to
 * the Unix socket directly, alternated in one run. The "raw" column holds
 * the direct Node figure here; the target is the gateway path at 0.5x of it
 * or better.
 * @module
 */
import { connectRaw, connectSdk, ratioOf, type Context, type Row } from '../lib/context.js';
import { openBrowserPage } from '../lib/browser-page.js';
import { alternate, sample } from '../lib/stats.js';
import { END_NAME, FANOUT_NAME, FanoutPublisher, keyNames, prepareKeys, sdkEventsRound, sdkPipelined, type FanoutRound } from '../lib/workloads.js';

/** What the page keeps on `window`. */
interface PageGlobals {
  clacks: typeof import('../../src/browser.js');
  client: import('../../src/index.js').ClacksClient;
  fanout: { count: number; done: Promise<number> | undefined };
}

export async function browserScenario(ctx: Context, executable: string): Promise<Row[]> {
  const { pipelinedTotal: total, pipelinedWindow: window, fanoutEvents: count, fanoutBatch, fanoutCredit } = ctx.sizes;
  const keys = keyNames(window);
  const browser = await openBrowserPage(ctx.server, executable);
  const raw = await connectRaw(ctx.server);
  const direct = await connectSdk(ctx.server);
  const publisherSocket = await connectRaw(ctx.server);
  const publisher = new FanoutPublisher(publisherSocket, fanoutBatch, fanoutCredit);
  const { page } = browser;
  try {
    await prepareKeys(raw, keys);
    await page.evaluate(async (url) => {
      const globals = globalThis as unknown as PageGlobals;
      globals.client = await globals.clacks.createClient(url, { name: 'net-clacks-bench-browser' });
    }, browser.url);

    const pagePipelined = (): Promise<number> =>
      page.evaluate(
        async ({ keys: names, total: reads }) => {
          const client = (globalThis as unknown as PageGlobals).client;
          const start = performance.now();
          for (let done = 0; done < reads; done += names.length) await Promise.all(names.map((key) => client.retrieve(key)));
          return reads / ((performance.now() - start) / 1000);
        },
        { keys, total },
      );

    const pageFanout = async (): Promise<FanoutRound> => {
      // The page counts SETs in a `for await … of client.events()` loop until the end marker.
      await page.evaluate(
        async ({ fan, end }) => {
          const globals = globalThis as unknown as PageGlobals;
          const client = globals.client;
          await client.listen(fan);
          await client.listen(end);
          await client.flush();
          const events = client.events({ types: ['set', 'notify'] });
          const state = { count: 0, done: undefined as Promise<number> | undefined };
          state.done = (async () => {
            for await (const event of events) {
              if (event.type === 'set') state.count++;
              else if (event.type === 'notify' && event.name === end) break;
            }
            return state.count;
          })();
          globals.fanout = state;
        },
        { fan: FANOUT_NAME, end: END_NAME },
      );
      const result = await publisher.run(count, {
        reached: async (n) => {
          await page.waitForFunction((target) => (globalThis as unknown as PageGlobals).fanout.count >= target, n, { polling: 5, timeout: 60_000 });
        },
        finished: async () => ({ received: await page.evaluate(() => (globalThis as unknown as PageGlobals).fanout.done as Promise<number>), dropped: 0 }),
      });
      await page.evaluate(
        async ({ fan, end }) => {
          const client = (globalThis as unknown as PageGlobals).client;
          await client.unlisten(fan);
          await client.unlisten(end);
          await client.flush();
        },
        { fan: FANOUT_NAME, end: END_NAME },
      );
      return result;
    };

    const pipelined = await alternate<string, number>(ctx.rounds, {
      direct: () => sdkPipelined(direct, keys, total),
      page: pagePipelined,
    });
    const fanout = await alternate<string, FanoutRound>(ctx.rounds, {
      direct: () => sdkEventsRound(publisher, direct, count),
      page: pageFanout,
    });
    const row = (id: string, scenario: string, metric: string, unit: string, directRates: number[], pageRates: number[], notes: string[]): Row => {
      const directSample = sample(directRates);
      const pageSample = sample(pageRates);
      const ratio = ratioOf(pageSample, directSample);
      return {
        id,
        scenario,
        metric,
        unit,
        better: 'higher',
        raw: directSample,
        sdk: pageSample,
        ratio,
        target: { text: 'browser via gateway >= 0.5x Node direct', met: (ratio ?? 0) >= 0.5 },
        notes: ['raw column: the Node SDK on the Unix socket; SDK column: the page in Chromium through the gateway', ...notes],
      };
    };
    return [
      row('browser.pipelined', '7. Browser: pipelined RETRIEVE via gateway', `${total.toLocaleString('en')} reads, ${window.toLocaleString('en')} in flight`, 'ops/s', pipelined.direct as number[], pipelined.page as number[], []),
      row(
        'browser.fanout',
        '7. Browser: fan-out, for await events()',
        `${publisher.totalFor(count).toLocaleString('en')} SETs, 1 publisher, 1 consumer`,
        'events/s',
        (fanout.direct as FanoutRound[]).map((round) => round.rate),
        (fanout.page as FanoutRound[]).map((round) => round.rate),
        [`events dropped over all rounds: ${[...(fanout.direct as FanoutRound[]), ...(fanout.page as FanoutRound[])].reduce((sum, round) => sum + round.dropped, 0)}`],
      ),
    ];
  } finally {
    await page.evaluate(() => (globalThis as unknown as PageGlobals).client?.close()).catch(() => {});
    await direct.close();
    await raw.close();
    await publisherSocket.close();
    await browser.close();
  }
}
