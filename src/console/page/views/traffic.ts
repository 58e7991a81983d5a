/**
 * The traffic panel: the plot, and the live stream of what flows (the
 * monitor's DEBUG lines, SET/NOTIFY of the names the operator listens to,
 * server errors and messages, link changes), pausable, filtered by name,
 * held in a bounded ring; at most a few hundred rows are drawn.
 * @module
 */
import { h, replace, setText } from '../dom.js';
import { formatClock, formatCount } from '../model/format.js';
import { Ring } from '../model/ring.js';
import { boundedEntry, matchesFilter, type EntryFields, type StreamEntry } from '../model/stream.js';
import { button, panel } from './common.js';
import type { RateChart } from './chart.js';

/** Entries kept in the page's memory. */
const KEPT = 5000;
/** Rows drawn. */
const DRAWN = 300;

export class TrafficView {
  readonly element: HTMLElement;
  private readonly ring = new Ring<StreamEntry>(KEPT);
  private readonly list = h('div', { class: 'stream', id: 'stream', role: 'log' });
  private readonly pauseButton: HTMLButtonElement;
  private readonly status = h('span', { class: 'muted small', id: 'stream-status' });
  private readonly chips = h('div', { class: 'chips', id: 'listen-chips' });
  private readonly monitorNote = h('div', { class: 'note', id: 'monitor-note', hidden: true });
  private filter = '';
  private paused = false;
  /** The newest entry drawn. */
  private drawnSeq = 0;
  private missed = 0;
  private scheduled = false;
  private seq = 0;

  constructor(
    chart: RateChart,
    private readonly listen: (name: string) => Promise<void>,
    private readonly unlisten: (name: string) => void,
    /** The name a client id goes by (its identification, from CLIENTLIST), if known. */
    private readonly nameOf: (cid: string) => string | undefined = () => undefined,
  ) {
    this.pauseButton = button('Pause', () => this.togglePause(), { class: 'secondary small', id: 'stream-pause' });
    const filter = h('input', { type: 'search', id: 'stream-filter', placeholder: 'Filter by name', autocomplete: 'off', spellcheck: 'false' });
    filter.addEventListener('input', () => {
      this.filter = filter.value;
      this.redraw();
    });
    const name = h('input', { type: 'text', id: 'listen-name', placeholder: 'Listen to a name, e.g. Door::Front', autocomplete: 'off', spellcheck: 'false' });
    const add = (): void => {
      const value = name.value.trim();
      if (value === '') return;
      name.value = '';
      void this.listen(value);
    };
    name.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') add();
    });
    this.element = panel(
      'Traffic',
      'traffic',
      [this.status, button('Clear', () => this.clear(), { class: 'secondary small' }), this.pauseButton],
      chart.element,
      this.monitorNote,
      h('div', { class: 'toolbar' }, filter, h('div', { class: 'listen' }, name, button('Listen', add, { class: 'secondary', id: 'listen-add' }))),
      this.chips,
      h('div', { class: 'stream-head' }, h('span', null, 'Time'), h('span', null, 'Event'), h('span', null, 'From'), h('span', null, 'Name'), h('span', null, 'Value / detail')),
      this.list,
    );
    this.updateStatus();
  }

  /** Adds an entry (its fields cut to a bounded length), numbered and timed now. */
  push(entry: EntryFields): void {
    this.ring.push({ ...boundedEntry(entry), seq: ++this.seq, time: Date.now() });
    if (this.paused) {
      this.missed++;
      this.updateStatus();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => {
        this.scheduled = false;
        this.drawNew();
      });
    }
  }

  /** Says why the stream shows only listened names (MONITOR refused). */
  monitorUnavailable(reason: string | undefined): void {
    this.monitorNote.hidden = reason === undefined;
    replace(this.monitorNote, reason ?? '');
  }

  /** The names listened to, as chips with a remove button; `ready` ones the server has confirmed. */
  showListened(names: readonly string[], ready: ReadonlySet<string>): void {
    replace(
      this.chips,
      ...names.map((listened) =>
        h('span', { class: ready.has(listened) ? 'chip ready' : 'chip', 'data-name': listened, title: ready.has(listened) ? 'listening' : 'sending LISTEN…' }, listened, h('button', { type: 'button', class: 'chip-remove', 'aria-label': `stop listening to ${listened}`, on: { click: () => this.unlisten(listened) } }, '×')),
      ),
    );
  }

  /** Names the senders drawn by their client id before their identification was known. */
  renameSources(): void {
    for (const span of this.list.querySelectorAll<HTMLElement>('.source[data-source]')) {
      const source = span.dataset.source as string;
      if (span.textContent === source) {
        const name = this.nameOf(source);
        if (name !== undefined) span.textContent = name;
      }
    }
  }

  private togglePause(): void {
    this.paused = !this.paused;
    setText(this.pauseButton, this.paused ? 'Resume' : 'Pause');
    this.pauseButton.classList.toggle('active', this.paused);
    if (!this.paused) {
      this.missed = 0;
      this.drawNew();
    }
    this.updateStatus();
  }

  private clear(): void {
    this.ring.clear();
    this.missed = 0;
    this.redraw();
  }

  private updateStatus(): void {
    const kept = `${formatCount(this.ring.size)} kept${this.ring.dropped > 0 ? `, ${formatCount(this.ring.dropped)} older dropped` : ''}`;
    setText(this.status, this.paused ? `paused — ${formatCount(this.missed)} new, ${kept}` : kept);
  }

  private row(entry: StreamEntry): HTMLElement {
    return h(
      'div',
      { class: `entry entry-${entry.kind}`, 'data-kind': entry.kind },
      h('span', { class: 'time' }, formatClock(entry.time)),
      h('span', { class: `tag tag-${entry.kind}` }, entry.label),
      h('span', { class: 'source', title: entry.source, 'data-source': entry.source }, this.nameOf(entry.source) ?? entry.source),
      h('span', { class: 'name', title: entry.name }, entry.name),
      h('span', { class: 'detail' }, entry.detail),
    );
  }

  /** Draws the entries that came since the last drawing, newest on top, keeping at most DRAWN rows. */
  private drawNew(): void {
    const fresh = this.ring.newest(DRAWN, (entry) => entry.seq > this.drawnSeq).filter((entry) => matchesFilter(entry, this.filter));
    const newest = this.ring.newest(1)[0];
    if (newest) this.drawnSeq = newest.seq;
    if (fresh.length > 0) {
      this.list.prepend(...fresh.map((entry) => this.row(entry)));
      while (this.list.childElementCount > DRAWN) this.list.lastElementChild?.remove();
    }
    this.updateStatus();
  }

  private redraw(): void {
    replace(this.list, ...this.ring.newest(DRAWN, (entry) => matchesFilter(entry, this.filter)).map((entry) => this.row(entry)));
    const newest = this.ring.newest(1)[0];
    this.drawnSeq = newest?.seq ?? 0;
    this.updateStatus();
  }
}
