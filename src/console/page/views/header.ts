/**
 * The top of the page: which server, as whom, the link state with its
 * reason, uptime since the console connected, and the headline figures.
 * @module
 */
import { h, setText } from '../dom.js';
import { formatCount, formatDuration, formatRate } from '../model/format.js';

/** The link state shown in the header. */
export type LinkState = { state: 'connecting' } | { state: 'connected' } | { state: 'reconnecting'; reason: string; attempt: number; delay: number } | { state: 'closed'; reason: string };

/** The headline figures. */
export type StatName = 'clients' | 'keys' | 'events' | 'commands';

export class HeaderView {
  readonly element: HTMLElement;
  private readonly serverInfo = h('span', { class: 'value', id: 'server-info' }, '…');
  private readonly target = h('span', { class: 'value mono', id: 'server-target' });
  private readonly user = h('span', { class: 'value', id: 'server-user' });
  private readonly uptime = h('span', { class: 'value', id: 'uptime' }, '—');
  private readonly pill = h('span', { class: 'pill pill-connecting', id: 'link-state' }, 'connecting');
  private readonly reason = h('span', { class: 'link-reason', id: 'link-reason' });
  private readonly stats: Record<StatName, HTMLElement> = {
    clients: h('strong', { id: 'stat-clients' }, '—'),
    keys: h('strong', { id: 'stat-keys' }, '—'),
    events: h('strong', { id: 'stat-events' }, '0'),
    commands: h('strong', { id: 'stat-commands' }, '—'),
  };
  private connectedAt: number | undefined;
  private reconnects = 0;

  constructor(server: string, user: string) {
    this.target.textContent = server;
    this.user.textContent = user;
    const field = (label: string, value: HTMLElement, hint?: string): HTMLElement => h('div', { class: 'field', title: hint }, h('span', { class: 'label' }, label), value);
    const stat = (label: string, value: HTMLElement, hint: string): HTMLElement => h('div', { class: 'stat', title: hint }, value, h('span', null, label));
    this.element = h(
      'header',
      { class: 'top' },
      h(
        'div',
        { class: 'top-row' },
        h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), h('h1', null, 'Clacks console')),
        h('div', { class: 'link' }, this.pill, this.reason),
      ),
      h(
        'div',
        { class: 'top-row fields' },
        field('Server', this.serverInfo),
        field('Address', this.target),
        field('User', this.user),
        field('Uptime', this.uptime, 'since the console connected'),
      ),
      h(
        'div',
        { class: 'stats' },
        stat('clients', this.stats.clients, 'connected clients (CLIENTLIST)'),
        stat('keys', this.stats.keys, 'keys in the cache (KEYLIST)'),
        stat('events/s', this.stats.events, 'SET, SETANDSTORE and NOTIFY per second, last 10 s'),
        stat('commands/s', this.stats.commands, 'commands clients sent per second, last 10 s (MONITOR; this console excluded)'),
      ),
    );
    setInterval(() => this.tick(), 1000);
  }

  setServerInfo(info: string | undefined): void {
    setText(this.serverInfo, info ?? 'unknown');
  }

  setLink(link: LinkState): void {
    this.pill.className = `pill pill-${link.state}`;
    setText(this.pill, link.state);
    if (link.state === 'connected') {
      this.connectedAt ??= Date.now();
      setText(this.reason, this.reconnects > 0 ? `${this.reconnects} reconnect${this.reconnects === 1 ? '' : 's'} since the console connected` : '');
    } else if (link.state === 'reconnecting') {
      setText(this.reason, `${link.reason} — attempt ${link.attempt}, next in ${formatDuration(link.delay)}`);
    } else if (link.state === 'closed') {
      setText(this.reason, link.reason);
    }
    this.tick();
  }

  /** A reconnect happened. */
  countReconnect(): void {
    this.reconnects++;
  }

  setStat(name: StatName, value: number | undefined, rate = false): void {
    setText(this.stats[name], value === undefined ? '—' : rate ? formatRate(value) : formatCount(value));
  }

  private tick(): void {
    setText(this.uptime, this.connectedAt === undefined ? '—' : formatDuration(Date.now() - this.connectedAt));
  }
}
