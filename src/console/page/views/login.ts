/**
 * Before the dashboard: the screen for a page without a session (no key,
 * or a used one), and the login form when `clacks console` was given no
 * credentials. The form posts the credentials once, to the console's own
 * web server, which checks them against the Clacks server and keeps them
 * for the gateway; the page forgets them (the fields are emptied).
 * @module
 */
import { h, replace } from '../dom.js';

/** A full-page message: no session. */
export function lockedScreen(message: string): HTMLElement {
  return h(
    'div',
    { class: 'gate' },
    h(
      'div',
      { class: 'gate-card', id: 'locked' },
      h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), h('h1', null, 'Clacks console')),
      h('p', { class: 'error-text', id: 'locked-reason' }, message),
      h('p', { class: 'muted' }, 'Open the URL that clacks console printed in its terminal: it carries a one-time key, which opens one browser session. Each use prints a fresh URL for the next browser.'),
    ),
  );
}

/** The login form; `submit` resolves with an error message to show, or undefined when logged in. */
export function loginScreen(server: string, suggestedUser: string, submit: (username: string, password: string) => Promise<string | undefined>): HTMLElement {
  const user = h('input', { type: 'text', id: 'login-user', name: 'username', autocomplete: 'username', value: suggestedUser, required: true, spellcheck: 'false' });
  const password = h('input', { type: 'password', id: 'login-password', name: 'password', autocomplete: 'current-password' });
  const error = h('p', { class: 'error-text', id: 'login-error', role: 'alert' });
  const go = h('button', { type: 'submit', class: 'primary', id: 'login-submit' }, 'Log in');
  const form = h(
    'form',
    { class: 'gate-card', id: 'login' },
    h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), h('h1', null, 'Clacks console')),
    h('p', { class: 'muted' }, 'Log in to ', h('span', { class: 'mono' }, server), ' as a Clacks user. The console keeps the password in its own process for this session; the page does not.'),
    h('label', null, 'User', user),
    h('label', null, 'Password', password),
    error,
    go,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go.disabled = true;
    replace(error);
    void submit(user.value, password.value).then((message) => {
      password.value = '';
      go.disabled = false;
      if (message !== undefined) {
        replace(error, message);
        password.focus();
      }
    });
  });
  queueMicrotask(() => (suggestedUser ? password : user).focus());
  return h('div', { class: 'gate' }, form);
}
