/**
 * The clients panel: CLIENTLIST as a table, refreshed every few seconds,
 * with CLIENTDISCONNECT behind a confirmation.
 * @module
 */
import type { ClientInfo } from '../../../client/client-info.js';
import { h, replace } from '../dom.js';
import type { Link } from '../link.js';
import { clientRows, tellsPermissions } from '../model/clients.js';
import { formatBytes, formatCount } from '../model/format.js';
import { badge, button, describeError, Notice, panel } from './common.js';
import { confirmAction } from './dialog.js';

/** Most rows drawn; a server with more clients shows the first ones and says so. */
const MAX_ROWS = 500;

export class ClientsView {
  readonly element: HTMLElement;
  private readonly body = h('tbody');
  private readonly head = h('thead');
  private readonly foot = h('div', { class: 'table-foot' });
  private readonly notice = new Notice();
  private readonly updated = h('span', { class: 'muted small' });

  constructor(
    private readonly link: Link,
    private readonly refresh: () => void,
  ) {
    this.element = panel(
      'Clients',
      'clients',
      [this.updated, button('Refresh', () => this.refresh(), { class: 'secondary small' })],
      h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'clients-table' }, this.head, this.body)),
      this.foot,
      this.notice.element,
    );
  }

  /** Draws the list. */
  show(list: readonly ClientInfo[]): void {
    const permissions = tellsPermissions(list);
    replace(
      this.head,
      h('tr', null, h('th', null, 'CID'), h('th', null, 'Client'), h('th', null, 'Host'), h('th', null, 'Flags'), h('th', { class: 'num' }, 'Out / in buffer'), h('th', null, 'Last ping'), permissions && h('th', null, 'User / permissions'), h('th', null, '')),
    );
    const rows = clientRows(list, this.link.name).slice(0, MAX_ROWS);
    replace(
      this.body,
      ...rows.map((row) =>
        h(
          'tr',
          { class: row.own ? 'own' : undefined, 'data-cid': row.cid },
          h('td', { class: 'mono' }, row.cid),
          h('td', { class: 'client-name' }, row.client === '' ? h('span', { class: 'muted' }, '(none)') : row.client),
          h('td', { class: 'mono' }, row.host),
          h('td', null, ...row.flags.map((flag) => badge(flag, flag === 'this console' ? 'own' : flag))),
          h('td', { class: 'num mono' }, `${formatBytes(row.outBuffer)} / ${formatBytes(row.inBuffer)}`),
          h('td', { class: 'muted' }, row.lastPing),
          permissions && h('td', null, row.permissions ?? ''),
          h('td', { class: 'actions' }, row.own ? null : button('Disconnect', () => void this.disconnect(row.cid, row.client), { class: 'danger small' })),
        ),
      ),
    );
    replace(this.foot, list.length > MAX_ROWS ? `${formatCount(list.length)} clients; the first ${MAX_ROWS} are shown` : `${formatCount(list.length)} client${list.length === 1 ? '' : 's'}`);
    replace(this.updated, `updated ${new Date().toLocaleTimeString()}`);
  }

  /** CLIENTLIST was refused or failed. */
  unavailable(reason: string): void {
    replace(this.head);
    replace(this.body, h('tr', null, h('td', { class: 'empty' }, reason)));
    replace(this.foot);
  }

  private async disconnect(cid: string, client: string): Promise<void> {
    const ok = await confirmAction('Disconnect this client?', `The server sends QUIT to ${cid}${client ? ` (${client})` : ''} and drops its connection. It may reconnect by itself.`, 'Disconnect');
    if (!ok) return;
    try {
      await this.link.run((c) => c.clientDisconnect(cid));
      this.notice.ok(`Disconnected ${cid}.`);
      this.refresh();
    } catch (error) {
      this.notice.error(`CLIENTDISCONNECT ${cid}: ${describeError(error)}`);
    }
  }
}
