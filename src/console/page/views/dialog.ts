/**
 * A confirmation before a destructive action (disconnecting a client,
 * removing a key): a modal `<dialog>`, its text set as text.
 * @module
 */
import { h } from '../dom.js';

/** Asks; resolves true when the operator confirms. */
export function confirmAction(title: string, message: string, action: string): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title' });
    const finish = (answer: boolean): void => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    const cancel = h('button', { type: 'button', class: 'secondary', on: { click: () => finish(false) } }, 'Cancel');
    const confirm = h('button', { type: 'button', class: 'danger', 'data-confirm': true, on: { click: () => finish(true) } }, action);
    dialog.append(h('h3', { id: 'confirm-title' }, title), h('p', null, message), h('div', { class: 'dialog-actions' }, cancel, confirm));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
