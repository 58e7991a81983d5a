/**
 * The cache panel: KEYLIST, paged and filtered by prefix, the values of the
 * page shown fetched on demand and decoded (Perl encodings), an inspector
 * with the raw text one click away, and STORE / INCREMENT / REMOVE, each
 * reported refused with the server's words when the user may not.
 * @module
 */
import { h, replace, setText } from '../dom.js';
import { RefusedError, type Link } from '../link.js';
import { formatBytes, formatCount } from '../model/format.js';
import { encodeForStore, preview, viewValue, type StoreEncoding, type ValueView } from '../model/values.js';
import { badge, button, describeError, Notice, panel } from './common.js';
import { confirmAction } from './dialog.js';

const PAGE_SIZE = 25;

type Fetched = ValueView | 'missing' | { failed: string };

export class CacheView {
  readonly element: HTMLElement;
  private keys: string[] = [];
  private prefix = '';
  private page = 0;
  private values = new Map<string, Fetched>();
  private selected: string | undefined;
  private showRaw = false;
  private inspectRaw = false;
  private loaded = false;
  /** Why the last KEYLIST failed, shown in the table while it has no keys to show. */
  private listFailed: string | undefined;
  private readonly body = h('tbody');
  private readonly summary = h('span', { class: 'muted small', id: 'cache-summary' });
  private readonly pageLabel = h('span', { class: 'page-label' });
  private readonly prev = button('‹ Prev', () => this.turn(-1), { class: 'secondary small' });
  private readonly next = button('Next ›', () => this.turn(1), { class: 'secondary small' });
  private readonly inspector = h('div', { class: 'inspector', id: 'inspector', hidden: true });
  private readonly listNotice = new Notice();
  private readonly writeNotice = new Notice();
  private readonly keyInput = h('input', { type: 'text', id: 'write-key', placeholder: 'Key, e.g. Kitchen::Light', autocomplete: 'off', spellcheck: 'false' });
  private readonly valueInput = h('textarea', { id: 'write-value', rows: 3, placeholder: 'Value', spellcheck: 'false' });
  private readonly encoding = h(
    'select',
    { id: 'write-encoding', title: 'How the value is stored' },
    h('option', { value: 'text' }, 'text (B64 when multi-line)'),
    h('option', { value: 'json' }, 'JSON → Perl YAML structure'),
    h('option', { value: 'raw' }, 'raw wire text'),
  );
  private readonly step = h('input', { type: 'text', id: 'write-step', value: '1', size: 4, title: 'INCREMENT step (negative to decrement)' });

  constructor(
    private readonly link: Link,
    private readonly onCount: (keys: number | undefined) => void,
  ) {
    const filter = h('input', { type: 'search', id: 'cache-prefix', placeholder: 'Filter by prefix', autocomplete: 'off', spellcheck: 'false' });
    filter.addEventListener('input', () => {
      this.prefix = filter.value;
      this.page = 0;
      this.draw();
      void this.fetchPage();
    });
    const raw = h('input', { type: 'checkbox', id: 'cache-raw' });
    raw.addEventListener('change', () => {
      this.showRaw = raw.checked;
      this.draw();
    });
    this.element = panel(
      'Cache',
      'cache',
      [this.summary, button('Refresh', () => void this.refresh(), { class: 'secondary small' })],
      h('div', { class: 'toolbar' }, filter, h('label', { class: 'check' }, raw, 'raw values'), h('div', { class: 'pager' }, this.prev, this.pageLabel, this.next)),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'data fixed', id: 'cache-table' },
          h('colgroup', null, h('col', { class: 'col-key' }), h('col', { class: 'col-kind' }), h('col')),
          h('thead', null, h('tr', null, h('th', null, 'Key'), h('th', null, 'Kind'), h('th', null, 'Value'))),
          this.body,
        ),
      ),
      this.listNotice.element,
      this.inspector,
      h(
        'form',
        { class: 'write', id: 'cache-write', on: { submit: (event) => event.preventDefault() } },
        h('div', { class: 'write-row' }, this.keyInput, this.encoding),
        this.valueInput,
        h(
          'div',
          { class: 'write-row' },
          button('Store', () => void this.store(), { class: 'primary', id: 'write-store' }),
          h('span', { class: 'spacer' }),
          h('label', { class: 'inline' }, 'step', this.step),
          button('Increment', () => void this.increment(), { class: 'secondary', id: 'write-increment' }),
          button('Remove', () => void this.remove(), { class: 'danger', id: 'write-remove' }),
        ),
        this.writeNotice.element,
      ),
    );
    this.draw();
  }

  /** How many keys the last KEYLIST had. */
  get keyCount(): number {
    return this.keys.length;
  }

  /** KEYLIST, then the values of the page shown. */
  async refresh(): Promise<void> {
    if (!this.link.ready) return;
    try {
      this.keys = await this.link.run((client) => client.keylist());
      this.loaded = true;
      this.listFailed = undefined;
      this.onCount(this.keys.length);
      this.listNotice.clear();
    } catch (error) {
      this.onCount(undefined);
      this.listFailed = `KEYLIST: ${describeError(error)}${error instanceof RefusedError ? ' (needs the read permission)' : ''}`;
      this.listNotice.error(this.listFailed);
      this.draw();
      return;
    }
    const pages = this.pageCount();
    if (this.page >= pages) this.page = Math.max(0, pages - 1);
    this.draw();
    await this.fetchPage();
  }

  private filtered(): string[] {
    return this.prefix === '' ? this.keys : this.keys.filter((key) => key.startsWith(this.prefix));
  }

  private pageCount(): number {
    return Math.max(1, Math.ceil(this.filtered().length / PAGE_SIZE));
  }

  private pageKeys(): string[] {
    return this.filtered().slice(this.page * PAGE_SIZE, (this.page + 1) * PAGE_SIZE);
  }

  private turn(by: number): void {
    this.page = Math.min(this.pageCount() - 1, Math.max(0, this.page + by));
    this.draw();
    void this.fetchPage();
  }

  /** RETRIEVE for the keys of the page shown (pipelined); only those values are kept. */
  private async fetchPage(): Promise<void> {
    const keys = this.pageKeys();
    if (this.selected !== undefined && !keys.includes(this.selected)) keys.push(this.selected);
    if (keys.length === 0 || !this.link.ready) return;
    try {
      const values = await this.link.run((client) => Promise.all(keys.map((key) => client.retrieve(key))));
      const next = new Map<string, Fetched>();
      keys.forEach((key, i) => {
        const value = values[i];
        next.set(key, value === undefined ? 'missing' : viewValue(value));
      });
      this.values = next;
    } catch (error) {
      for (const key of keys) this.values.set(key, { failed: describeError(error) });
    }
    this.draw();
  }

  private draw(): void {
    const filtered = this.filtered();
    const keys = this.pageKeys();
    const first = this.page * PAGE_SIZE;
    setText(this.summary, !this.loaded ? '' : this.prefix === '' ? `${formatCount(this.keys.length)} keys` : `${formatCount(filtered.length)} of ${formatCount(this.keys.length)} keys`);
    setText(this.pageLabel, filtered.length === 0 ? '' : `${formatCount(first + 1)}–${formatCount(first + keys.length)} of ${formatCount(filtered.length)}`);
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page >= this.pageCount() - 1;
    if (keys.length === 0) {
      replace(this.body, h('tr', null, h('td', { class: 'empty', colspan: 3 }, this.listFailed ?? (!this.loaded ? 'Loading…' : this.prefix === '' ? 'The cache is empty.' : 'No key starts with this prefix.'))));
    } else {
      replace(this.body, ...keys.map((key) => this.row(key)));
    }
    this.drawInspector();
  }

  private row(key: string): HTMLElement {
    const fetched = this.values.get(key);
    let kind: HTMLElement | string = '';
    let value: HTMLElement | string = h('span', { class: 'muted' }, '…');
    if (fetched === 'missing') value = h('span', { class: 'muted' }, '(gone)');
    else if (fetched && 'failed' in fetched) value = h('span', { class: 'error-text' }, fetched.failed);
    else if (fetched) {
      kind = badge(fetched.label, fetched.kind);
      value = preview(this.showRaw ? fetched.raw : fetched.compact);
    }
    const row = h('tr', { class: key === this.selected ? 'selected clickable' : 'clickable', 'data-key': key, tabindex: 0 }, h('td', { class: 'mono key' }, key), h('td', null, kind), h('td', { class: 'mono value' }, value));
    const select = (): void => {
      this.selected = key;
      this.inspectRaw = this.showRaw;
      this.draw();
    };
    row.addEventListener('click', select);
    row.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') select();
    });
    return row;
  }

  private drawInspector(): void {
    const key = this.selected;
    const fetched = key === undefined ? undefined : this.values.get(key);
    if (key === undefined || fetched === undefined || fetched === 'missing' || 'failed' in fetched) {
      this.inspector.hidden = true;
      replace(this.inspector);
      return;
    }
    this.inspector.hidden = false;
    const toggle = (raw: boolean, label: string): HTMLElement =>
      button(label, () => {
        this.inspectRaw = raw;
        this.drawInspector();
      }, { class: this.inspectRaw === raw ? 'seg active' : 'seg', 'aria-pressed': String(this.inspectRaw === raw), 'data-view': raw ? 'raw' : 'decoded' });
    replace(
      this.inspector,
      h(
        'div',
        { class: 'inspector-head' },
        h('span', { class: 'mono key', id: 'inspector-key' }, key),
        badge(fetched.label, fetched.kind),
        h('span', { class: 'muted small' }, formatBytes(new TextEncoder().encode(fetched.raw).length), ' on the wire'),
        h('span', { class: 'spacer' }),
        h('div', { class: 'segmented' }, toggle(false, 'Decoded'), toggle(true, 'Raw')),
        button('Edit', () => this.edit(key, fetched), { class: 'secondary small', title: 'Copy the key and value into the form below' }),
        button('×', () => {
          this.selected = undefined;
          this.draw();
        }, { class: 'icon', 'aria-label': 'Close', title: 'Close' }),
      ),
      fetched.error ? h('div', { class: 'error-text' }, `Not decodable: ${fetched.error}`) : null,
      h('pre', { class: 'value-full', id: 'inspector-value' }, this.inspectRaw ? fetched.raw : fetched.decoded),
    );
  }

  /** Fills the write form with a key and its value, ready to change and store. */
  private edit(key: string, value: ValueView): void {
    this.keyInput.value = key;
    this.encoding.value = value.kind === 'perl-structure' ? 'json' : value.kind === 'undecodable' ? 'raw' : 'text';
    this.valueInput.value = value.decoded;
    this.valueInput.focus();
  }

  private key(): string | undefined {
    const key = this.keyInput.value.trim();
    if (key === '') {
      this.writeNotice.error('Give a key first.');
      this.keyInput.focus();
      return undefined;
    }
    return key;
  }

  private async store(): Promise<void> {
    const key = this.key();
    if (key === undefined) return;
    let wire: string;
    try {
      wire = encodeForStore(this.valueInput.value, this.encoding.value as StoreEncoding);
    } catch (error) {
      this.writeNotice.error(describeError(error));
      return;
    }
    await this.write(`STORE ${key}`, (client) => client.store(key, wire), `Stored ${key}.`, key);
  }

  private async increment(): Promise<void> {
    const key = this.key();
    if (key === undefined) return;
    const step = this.step.value.trim() || '1';
    try {
      const value = await this.link.run(async (client) => {
        await client.increment(key, step);
        return client.retrieve(key);
      });
      this.writeNotice.ok(`${key} is now ${value ?? '(gone)'}.`);
      this.selected = key;
      await this.refresh();
    } catch (error) {
      this.writeNotice.error(`INCREMENT ${key}: ${describeError(error)}`);
    }
  }

  private async remove(): Promise<void> {
    const key = this.key();
    if (key === undefined) return;
    if (!(await confirmAction('Remove this key?', `REMOVE ${key}: the value is deleted from the server's cache for every client.`, 'Remove'))) return;
    if (this.selected === key) this.selected = undefined;
    await this.write(`REMOVE ${key}`, (client) => client.remove(key), `Removed ${key}.`);
  }

  private async write(what: string, operation: Parameters<Link['run']>[0], done: string, select?: string): Promise<void> {
    try {
      await this.link.run(operation);
      this.writeNotice.ok(done);
      if (select !== undefined) this.selected = select;
      await this.refresh();
    } catch (error) {
      this.writeNotice.error(`${what}: ${describeError(error)}`);
    }
  }
}
