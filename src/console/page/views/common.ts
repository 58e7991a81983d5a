/**
 * Pieces every panel uses: the panel frame, a status line for results and
 * refusals, buttons, badges.
 * @module
 */
import { h, replace, type Child, type Props } from '../dom.js';

/** A panel: a titled card with actions on the right of its title. */
export function panel(title: string, id: string, actions: Child[], ...body: Child[]): HTMLElement {
  return h('section', { class: 'panel', id }, h('header', { class: 'panel-head' }, h('h2', null, title), h('div', { class: 'panel-actions' }, ...actions)), ...body);
}

/** A button. */
export function button(label: string, onClick: () => void, props: Props = {}): HTMLButtonElement {
  return h('button', { type: 'button', ...props, on: { click: onClick } }, label);
}

/** A small label in a colour of its kind. */
export function badge(text: string, kind: string): HTMLElement {
  return h('span', { class: `badge badge-${kind}` }, text);
}

/** A line under a form or table telling what happened: done, refused (with the server's words), failed. */
export class Notice {
  readonly element = h('div', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  private timer: ReturnType<typeof setTimeout> | undefined;

  ok(text: string): void {
    this.show('ok', text, 6000);
  }

  error(text: string): void {
    this.show('error', text);
  }

  info(text: string): void {
    this.show('info', text, 6000);
  }

  clear(): void {
    clearTimeout(this.timer);
    this.element.className = 'notice';
    replace(this.element);
  }

  private show(kind: string, text: string, ms?: number): void {
    clearTimeout(this.timer);
    this.element.className = `notice notice-${kind}`;
    replace(this.element, text);
    if (ms !== undefined) this.timer = setTimeout(() => this.clear(), ms);
  }
}

/** An error as a sentence for a notice. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
