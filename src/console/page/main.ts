/**
 * The console page: opens its session (the one-time key of the URL's
 * fragment, exchanged once for a token kept in this tab's sessionStorage,
 * never in a cookie: the browser would send a cookie to every other port
 * of the console's host too), asks for credentials when the
 * console has none, connects through the console's gateway, and runs the
 * dashboard: header, clients, cache, traffic.
 * @module
 */
import 'uplot/dist/uPlot.min.css';
import './console.css';
import { GatewayError, type ClacksClient, type StatusEvent } from '../../browser.js';
import { CloseCode } from '../../connection/close-codes.js';
import { h, replace } from './dom.js';
import { Link, RefusedError, type SessionInfo } from './link.js';
import { RateWindow } from './model/rates.js';
import { debugEntry, isSignal, parseCommand } from './model/stream.js';
import { RateChart, type Series } from './views/chart.js';
import { CacheView } from './views/cache.js';
import { ClientsView } from './views/clients.js';
import { describeError } from './views/common.js';
import { HeaderView } from './views/header.js';
import { lockedScreen, loginScreen } from './views/login.js';
import { TrafficView } from './views/traffic.js';

const CLIENTS_EVERY_MS = 3000;
const KEYS_EVERY_MS = 5000;
/** A cache this large is listed less often (KEYLIST sends every key). */
const BIG_CACHE = 20_000;

const app = document.getElementById('app') as HTMLElement;
/** Where this tab keeps its session's token (sessionStorage is this origin's alone, port included). */
const TOKEN_ITEM = 'clacks-console-session';

/** POSTs JSON to the console's own API, with the session's token when there is one: the status and the body. */
async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const token = sessionStorage.getItem(TOKEN_ITEM);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers['x-clacks-console-session'] = token;
  const response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body), credentials: 'omit', cache: 'no-store' });
  let parsed: Record<string, unknown> = {};
  try {
    parsed = (await response.json()) as Record<string, unknown>;
  } catch {
    // An empty or non-JSON body: the status says enough.
  }
  return { status: response.status, body: parsed };
}

async function boot(): Promise<void> {
  // The key is used once; take it out of the address bar and the history entry at once.
  const key = new URLSearchParams(location.hash.slice(1)).get('key') ?? undefined;
  if (location.hash !== '') history.replaceState(null, '', location.pathname);
  let answer: Awaited<ReturnType<typeof post>>;
  try {
    answer = await post('/api/session', key === undefined ? {} : { key });
  } catch (error) {
    replace(app, lockedScreen(`The console does not answer: ${describeError(error)}`));
    return;
  }
  if (answer.status !== 200) {
    if (key === undefined) sessionStorage.removeItem(TOKEN_ITEM); // the console no longer knows it (restarted)
    replace(app, lockedScreen(String(answer.body.message ?? `the console answered ${answer.status}`)));
    return;
  }
  let session = answer.body as unknown as SessionInfo;
  sessionStorage.setItem(TOKEN_ITEM, session.token);
  if (!session.loggedIn) {
    session = await new Promise<SessionInfo>((resolve) => {
      replace(
        app,
        loginScreen(session.server, session.suggestedUser, async (username, password) => {
          try {
            const result = await post('/api/login', { username, password });
            if (result.status === 200) {
              resolve(result.body as unknown as SessionInfo);
              return undefined;
            }
            return String(result.body.message ?? `the console answered ${result.status}`);
          } catch (error) {
            return describeError(error);
          }
        }),
      );
    });
  }
  await dashboard(session);
}

async function dashboard(session: SessionInfo): Promise<void> {
  const rates = new RateWindow<Series>(['events', 'commands'], 300);
  const header = new HeaderView(session.server, session.user ?? '');
  const chart = new RateChart(rates);
  const listened = new Map<string, { unsubscribe(): void }>();
  const confirmed = new Set<string>();
  const showListened = (): void => traffic.showListened([...listened.keys()], confirmed);
  let link: Link | undefined;
  let monitoring = false;
  /** Client ids and their identifications, from the last CLIENTLIST: the stream names senders by them. */
  let clientNames = new Map<string, string>();

  const traffic = new TrafficView(
    chart,
    async (name) => {
      if (!link || listened.has(name)) return;
      const current = link;
      try {
        const subscription = current.client.subscribe(name);
        listened.set(name, subscription);
        showListened();
        await current.run(() => subscription.ready);
        confirmed.add(name);
        showListened();
        for await (const event of subscription) {
          if (event.type === 'reconnected') continue;
          if (!monitoring) rates.add('events');
          traffic.push({ kind: event.type, label: event.type === 'set' ? 'SET' : 'NOTIFY', source: 'listen', name: event.name, detail: event.type === 'set' ? event.value : '' });
        }
      } catch (error) {
        listened.get(name)?.unsubscribe();
        listened.delete(name);
        confirmed.delete(name);
        showListened();
        traffic.push({ kind: 'error', label: 'LISTEN', source: 'console', name, detail: describeError(error) });
      }
    },
    (name) => {
      listened.get(name)?.unsubscribe();
      listened.delete(name);
      confirmed.delete(name);
      showListened();
    },
    (cid) => clientNames.get(cid) || undefined,
  );

  const top = h('div', { class: 'wide', id: 'wide' });
  const side = h('div', { class: 'col col-side' });
  const layout = h('main', { class: 'grid' }, top, h('div', { class: 'col col-main' }, traffic.element), side);
  replace(app, header.element, layout);
  header.setLink({ state: 'connecting' });

  try {
    link = await Link.open(session, (message) => traffic.push({ kind: 'error', label: 'ERROR', source: 'server', name: '', detail: message }));
  } catch (error) {
    header.setLink({ state: 'closed', reason: describeError(error) });
    traffic.push({ kind: 'link', label: 'FAILED', source: 'console', name: '', detail: `could not connect: ${describeError(error)}` });
    return;
  }
  const client = link.client;
  header.setServerInfo(client.serverInfo);
  header.setLink({ state: 'connected' });
  traffic.push({ kind: 'link', label: 'CONNECTED', source: 'console', name: '', detail: `to ${client.serverInfo ?? 'the server'} as ${session.user ?? '?'}` });
  watchLink(client, header, traffic);

  const activeLink = link;
  let ownCid: string | undefined;
  const clients = new ClientsView(activeLink, () => void refreshClients());
  const cache = new CacheView(activeLink, (count) => header.setStat('keys', count));
  top.append(clients.element);
  side.append(cache.element);

  let clientsAllowed = true;
  let soon: ReturnType<typeof setTimeout> | undefined;
  /** A client came or went: the table follows within a moment rather than at the next round. */
  const refreshClientsSoon = (): void => {
    if (soon === undefined) soon = setTimeout(() => {
      soon = undefined;
      void refreshClients();
    }, 300);
  };
  const refreshClients = async (): Promise<void> => {
    if (!activeLink.ready || !clientsAllowed) return;
    try {
      const list = await activeLink.run((c) => c.clientlist());
      ownCid = list.find((entry) => entry.clientInfo === activeLink.name)?.cid;
      clientNames = new Map(list.map((entry) => [entry.cid, entry.clientInfo]));
      traffic.renameSources();
      clients.show(list);
      header.setStat('clients', list.length);
    } catch (error) {
      if (error instanceof RefusedError) clientsAllowed = false;
      clients.unavailable(`CLIENTLIST: ${describeError(error)}${error instanceof RefusedError ? ' (needs the manage permission)' : ''}`);
      header.setStat('clients', undefined);
    }
  };

  // The monitor's DEBUG lines: the stream, and the rates.
  void (async () => {
    for await (const event of client.events({ types: ['debug', 'message'], bufferSize: 20_000, overflow: 'drop-oldest' })) {
      if (event.type === 'message') {
        traffic.push({ kind: 'message', label: `OVERHEAD ${event.flags}`, source: 'server', name: '', detail: event.text });
        continue;
      }
      if (event.type !== 'debug') continue;
      const fromClient = event.sender !== 'CONNECTED' && event.sender !== 'DISCONNECTED' && event.sender !== 'SERVERCACHE';
      if (fromClient && event.sender === ownCid) continue; // the console's own polling is not traffic
      if (fromClient) {
        rates.add('commands');
        const command = parseCommand(event.text);
        if (isSignal(command.verb)) rates.add('events');
        // A client names itself with CLACKS (the server stores it with ; as _).
        else if (command.verb === 'CLACKS') clientNames.set(event.sender, command.detail.replaceAll(';', '_'));
      } else if (event.sender === 'CONNECTED' || event.sender === 'DISCONNECTED') {
        refreshClientsSoon();
      }
      traffic.push(debugEntry(event.sender, event.text));
    }
  })();

  try {
    await activeLink.run((c) => c.monitor());
    monitoring = true;
    traffic.monitorUnavailable(undefined);
  } catch (error) {
    await client.monitor(false).catch(() => {});
    traffic.monitorUnavailable(
      `MONITOR ${error instanceof RefusedError ? `was refused (${error.serverMessage}): it needs the manage permission` : `failed: ${describeError(error)}`}. The stream shows the names you listen to; commands/s is not known.`,
    );
  }
  await refreshClients();
  await cache.refresh();

  const headline = (): void => {
    header.setStat('events', rates.mean('events', 10), true);
    header.setStat('commands', monitoring ? rates.mean('commands', 10) : undefined, true);
  };
  setInterval(headline, 1000);
  headline();
  const visible = (): boolean => document.visibilityState === 'visible';
  setInterval(() => {
    if (visible()) void refreshClients();
  }, CLIENTS_EVERY_MS);
  let lastKeys = Date.now();
  setInterval(() => {
    const every = cache.keyCount > BIG_CACHE ? KEYS_EVERY_MS * 6 : KEYS_EVERY_MS;
    if (!visible() || Date.now() - lastKeys < every) return;
    lastKeys = Date.now();
    void cache.refresh();
  }, 1000);
}

/** The link state in the header and the stream; a session the console no longer knows ends the page's client. */
function watchLink(client: ClacksClient, header: HeaderView, traffic: TrafficView): void {
  const ended = (reason: Error | undefined): boolean => {
    if (!(reason instanceof GatewayError && reason.closeCode === CloseCode.unauthorized)) return false;
    client.destroy();
    header.setLink({ state: 'closed', reason: 'This console session has ended (was the console restarted?): open the URL it printed.' });
    traffic.push({ kind: 'link', label: 'ENDED', source: 'console', name: '', detail: 'the console refused this session' });
    return true;
  };
  client.on('status', (event: StatusEvent) => {
    switch (event.type) {
      case 'disconnected':
        if (ended(event.reason)) return;
        traffic.push({ kind: 'link', label: 'LOST', source: 'console', name: '', detail: event.reason.message });
        header.setLink({ state: 'reconnecting', reason: event.reason.message, attempt: 0, delay: 0 });
        return;
      case 'reconnecting':
        header.setLink({ state: 'reconnecting', reason: event.cause.message, attempt: event.attempt, delay: event.delay });
        return;
      case 'reconnected':
        header.countReconnect();
        header.setServerInfo(event.serverInfo);
        header.setLink({ state: 'connected' });
        traffic.push({ kind: 'link', label: 'RECONNECTED', source: 'console', name: '', detail: `to ${event.serverInfo}; events sent meanwhile were missed` });
        return;
      case 'closed':
        // A reconnect the console refused (4001, permanent) ends the client here.
        if (ended(event.reason)) return;
        header.setLink({ state: 'closed', reason: event.reason?.message ?? 'closed' });
        return;
      default:
    }
  });
}

void boot();
