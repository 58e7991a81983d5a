/**
 * net-clacks in a web page: the same client as under Node (Promises for
 * commands, `for await` for events and subscriptions, status, reconnect),
 * connecting through a WebSocket gateway (`clacks gateway`, `clacks serve
 * --ws`) with a `ws://` or `wss://` URL, and the cache API with the Perl
 * codecs. No Node built-ins: one ES module for any bundler or a
 * `<script type="module">`.
 *
 * @example
 * ```ts no-run
 * import { createClient } from 'net-clacks/browser';
 * const client = await createClient('wss://gateway.example.org/clacks', { username: 'web', password });
 * for await (const event of client.subscribe('Sensors::Temperature')) console.log(event);
 * ```
 * @packageDocumentation
 */
export * from './api.js';
