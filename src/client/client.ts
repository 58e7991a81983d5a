/**
 * The public client: every Net::Clacks::Client capability as Promises and
 * async iterators. The machinery (connection, reconnect, request matching)
 * is in client-core.ts.
 * @module
 */
import { platform } from '#platform';
import { ClosedError, ValidationError } from '../errors.js';
import type { EventOptions, ValueDecoder } from '../events/event-hub.js';
import { EventQueue, SubscriptionQueue, type EventStream, type OverflowPolicy } from '../events/event-queue.js';
import type { ClacksEvent, StatusEvent, SubscriptionEvent } from '../events/types.js';
import { encodeClientCommand } from '../wire/client-commands.js';
import { validateName, validateStep, validateText, validateValue } from '../wire/validate.js';
import { ClientCore, handled, type RequestOptions } from './client-core.js';
import { describeTarget } from './options.js';
import { toClientInfo, type ClientInfo } from './client-info.js';
import { noop } from '../util/noop.js';

export type { RequestOptions, ClacksClientEvents, ClientStats } from './client-core.js';

/** Options of `client.set()`. */
export interface SetOptions {
  /** Send even when caching mode would skip an unchanged value. */
  force?: boolean;
}

/** Options of `client.subscribe()`. */
export interface SubscribeOptions<V = string> {
  /** Most events buffered while the consumer is busy. Default: the client's `eventBufferSize`. */
  bufferSize?: number;
  /** Most bytes buffered while the consumer is busy. Default: the client's `eventBufferBytes`. */
  bufferBytes?: number;
  /** What happens when the buffer is full. */
  overflow?: OverflowPolicy;
  /** Decode SET values with this codec. */
  codec?: ValueDecoder<V>;
}

/** Options of `client.status()`. */
export interface StatusOptions {
  /** Most status changes buffered. Default 1,000 (oldest dropped). */
  bufferSize?: number;
}

/** A live subscription: an async iterable of the names' events. Leaving the loop unsubscribes. */
export interface Subscription<V = string> extends EventStream<SubscriptionEvent<V>> {
  /** The names subscribed to. */
  readonly names: readonly string[];
  /**
   * Resolves once the server has processed the LISTEN lines (a FLUSH round
   * trip after them): from then on, a SET another client sends reaches this
   * subscription.
   */
  readonly ready: Promise<void>;
  /** Ends the iteration and sends UNLISTEN for names nothing else holds. */
  unsubscribe(): void;
}

/**
 * A connection to a Clacks server (or to one of several). Create it with
 * {@link createClient}. Every command returns a Promise; incoming signals
 * arrive through {@link ClacksClient.events} and {@link ClacksClient.subscribe}.
 */
export class ClacksClient extends ClientCore {
  // ---------------------------------------------------------------- state

  /** The server's identification from its `CLACKS` greeting (e.g. `PageCamel 36`). */
  get serverInfo(): string | undefined {
    return this.info;
  }

  /** The server currently (or last) connected to, without credentials. */
  get server(): string | undefined {
    return this.currentServer ? describeTarget(this.currentServer) : undefined;
  }

  /**
   * Connection status changes as an async iterable: `connecting`,
   * `connected`, `disconnected` (with the reason), `reconnecting` (attempt
   * and delay), `reconnected`, `closed`. Ends when the client is closed.
   */
  status(options: StatusOptions = {}): AsyncIterableIterator<StatusEvent> {
    const queue: EventQueue<StatusEvent> = new EventQueue<StatusEvent>({
      bufferSize: options.bufferSize ?? 1000,
      onClose: () => this.statusQueues.delete(queue),
    });
    if (this.state === 'closed') queue.end();
    else this.statusQueues.add(queue);
    return queue;
  }

  // ---------------------------------------------------------------- signals

  /** Sends `NOTIFY name` to every other client listening to `name`. Resolves once handed to the socket. */
  notify(name: string): Promise<void> {
    try {
      return this.write(`NOTIFY ${validateName(name)}\r\n`);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends `SET name=value` to every other client listening to `name`. With
   * caching mode on, a value equal to the last one sent for `name` is skipped
   * unless `{ force: true }`.
   */
  set(name: string, value: string, options?: SetOptions): Promise<void> {
    return this.guard(() => {
      validateName(name);
      validateValue(value);
      if (!this.settings.caching) return this.write(`SET ${name}=${value}\r\n`);
      if (!options?.force && this.lastSentValues.get(name) === value) return Promise.resolve();
      this.lastSentValues.set(name, value);
      const sent = this.write(`SET ${name}=${value}\r\n`);
      // A SET that failed was never sent: do not let it make the next identical one be skipped.
      sent.catch(() => {
        if (this.lastSentValues.get(name) === value) this.lastSentValues.delete(name);
      });
      return sent;
    });
  }

  /** `SETANDSTORE`: stores the value and sends it as `SET` to the other listeners. */
  setAndStore(name: string, value: string): Promise<void> {
    try {
      return this.write(`SETANDSTORE ${validateName(name)}=${validateValue(value)}\r\n`);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Starts receiving SET/NOTIFY for `name` through {@link events}. Kept
   * across reconnects. See also {@link subscribe}.
   */
  listen(name: string): Promise<void> {
    return this.guard(() => {
      validateName(name);
      if (!this.listens.listen(name)) return Promise.resolve();
      return handled(
        this.write(`LISTEN ${name}\r\n`).catch((error: unknown) => {
          this.listens.unlisten(name);
          throw error;
        }),
      );
    });
  }

  /** Stops an explicit {@link listen}. UNLISTEN is sent only when no subscription still holds the name. */
  unlisten(name: string): Promise<void> {
    return this.guard(() => {
      validateName(name);
      if (!this.listens.unlisten(name)) return Promise.resolve();
      return this.write(`UNLISTEN ${name}\r\n`);
    });
  }

  // ---------------------------------------------------------------- cache

  /** `STORE name=value`. Resolves once handed to the socket; `flush()` confirms. */
  store(name: string, value: string): Promise<void> {
    try {
      return this.write(`STORE ${validateName(name)}=${validateValue(value)}\r\n`);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Reads a cached value: the string, or `undefined` when the key does not exist. */
  retrieve(name: string, options?: RequestOptions): Promise<string | undefined> {
    try {
      return this.request<string | undefined>('retrieve', validateName(name), options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `REMOVE name`. */
  remove(name: string): Promise<void> {
    try {
      return this.write(`REMOVE ${validateName(name)}\r\n`);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `INCREMENT name[=step]`: a missing or non-numeric value counts as 0 (server-side Perl arithmetic). */
  increment(name: string, step?: number | string): Promise<void> {
    try {
      return this.write(encodeClientCommand({ type: 'increment', name: validateName(name), ...stepOf(step) }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `DECREMENT name[=step]`. */
  decrement(name: string, step?: number | string): Promise<void> {
    try {
      return this.write(encodeClientCommand({ type: 'decrement', name: validateName(name), ...stepOf(step) }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Every cached key, sorted (the embedded server leaves out removed keys; the reference lists them for an hour). */
  keylist(options?: RequestOptions): Promise<string[]> {
    try {
      return this.request<string[]>('keylist', '', options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Empties the server's cache (needs the manage permission). */
  clearcache(): Promise<void> {
    try {
      return this.write('CLEARCACHE\r\n');
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // ---------------------------------------------------------------- control

  /**
   * The barrier: resolves when the server has processed every command sent
   * before it (`FLUSH id` / `FLUSHED id`). Rejects with `ConnectionLostError`
   * when the connection drops first, since earlier writes may not have landed.
   */
  flush(options?: RequestOptions): Promise<void> {
    return this.guard(() => {
      const id = `${Date.now().toString(36)}${platform.randomHex(6)}`;
      return this.request<void>('flush', id, options);
    });
  }

  /** Sends `PING` now (the client also pings on its own every `pingInterval`) and resumes pinging after {@link disablePing}. */
  ping(): Promise<void> {
    return this.guard(() => {
      this.pingDisabled = false;
      return this.write('PING\r\n');
    });
  }

  /** Sends `NOPING`: the server suspends its ping timeout until the next PING; the client stops its own pings. Kept across reconnects. */
  disablePing(): Promise<void> {
    return this.guard(() => {
      this.pingDisabled = true;
      return this.write('NOPING\r\n');
    });
  }

  /** Turns monitor mode on (`MONITOR`) or off (`UNMONITOR`); DEBUG lines then arrive as `debug` events. Kept across reconnects. */
  monitor(on = true): Promise<void> {
    return this.guard(() => {
      this.monitoring = on;
      return this.write(on ? 'MONITOR\r\n' : 'UNMONITOR\r\n');
    });
  }

  /** The server's connected clients (needs the manage permission). */
  clientlist(options?: RequestOptions): Promise<ClientInfo[]> {
    return this.guard(() =>
      this.request<Array<Record<string, string>>>('clientlist', '', options).then((entries) => entries.map(toClientInfo)),
    );
  }

  /** Asks the server to drop the client with id `cid` (needs the manage permission). */
  clientDisconnect(cid: string): Promise<void> {
    try {
      return this.write(`CLIENTDISCONNECT ${validateText(cid, 'cid')}\r\n`);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends one raw line (validated: one line, no CR/LF). Replies to it are not
   * matched to this call; they arrive as `unsolicited` events. A raw
   * RETRIEVE, KEYLIST or CLIENTLIST sent while a `retrieve()` of that name
   * (or a `keylist()`/`clientlist()`) is pending can answer that request
   * instead: same data, but use the typed methods when you want the reply.
   */
  sendRaw(line: string): Promise<void> {
    try {
      return this.write(`${validateText(line, 'line')}\r\n`);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // ---------------------------------------------------------------- events

  /**
   * Incoming events as an async iterable: `set`, `notify`, `debug`, `error`,
   * `message`, `disconnected`, `reconnected` (and `unsolicited` when asked
   * for by type). Any number of iterators may be open; each gets every event
   * its filter accepts. Ends when the client is closed.
   */
  events<V = string>(options: EventOptions<V> = {}): EventStream<ClacksEvent<V>> {
    if (options.names) for (const name of options.names) validateName(name, 'names');
    const queue = this.hub.open<V>(options);
    if (this.isFinished) queue.end();
    return queue;
  }

  /**
   * Sends LISTEN for `names` and returns an async iterable of their SET and
   * NOTIFY events (plus `reconnected` gap markers). Leaving the loop or
   * calling `unsubscribe()` sends UNLISTEN for names nothing else holds.
   * @throws {ValidationError} for an invalid name, before anything is sent.
   */
  subscribe<V = string>(names: string | string[], options: SubscribeOptions<V> = {}): Subscription<V> {
    const list = [...new Set(typeof names === 'string' ? [names] : names)];
    if (list.length === 0) throw new ValidationError('names', 'subscribe needs at least one name');
    for (const name of list) validateName(name, 'names');
    if (this.isFinished) throw new ClosedError();
    const toListen = list.filter((name) => this.listens.acquire(name));
    const onClose = (): void => {
      for (const name of list) {
        if (this.listens.unref(name) && !this.isFinished) this.write(`UNLISTEN ${name}\r\n`).catch((error: unknown) => this.report(error));
      }
    };
    const queue = this.hub.open<V>({ ...options, names: list, types: ['set', 'notify', 'reconnected'] }, onClose, SubscriptionQueue) as unknown as SubscriptionQueue<
      SubscriptionEvent<V>
    >;
    const listened = Promise.all(toListen.map((name) => this.write(`LISTEN ${name}\r\n`))).then(noop);
    // A LISTEN that could not be sent (queue full, client closed) ends the
    // subscription with that error, which also releases its names.
    listened.catch((error: unknown) => queue.end(error instanceof Error ? error : new Error(String(error))));
    // Another client's SET can reach the server before our LISTEN is read;
    // `ready` waits for the server to confirm it. A connection lost meanwhile
    // rejects `ready` but not the subscription (the reconnect re-listens).
    const ready = listened.then(() => this.flush());
    ready.catch(noop);
    queue.names = list;
    queue.ready = ready;
    return queue as unknown as Subscription<V>;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Closes gracefully: writes what is queued, sends QUIT, waits for the
   * server to close (replies to reads already sent still arrive), then ends
   * every iterator. Pending requests that got no reply reject with
   * `ClosedError`. Idempotent.
   * @throws {TimeoutError} when the server took nothing for `timeouts.close`
   *   (5 s) while commands already handed to the socket were still unsent:
   *   the connection is dropped and the error says how many bytes were lost.
   */
  close(): Promise<void> {
    if (!this.closePromise) this.closePromise = this.shutDown();
    return this.closePromise;
  }

  /** Drops the connection at once (the reference's fastdisconnect): every pending request rejects with `ClosedError`. */
  destroy(): void {
    if (this.state === 'closed') return;
    if (this.machine.can('closing')) this.machine.moveTo('closing');
    this.stopAll();
    this.connection?.destroy();
    this.finish(new ClosedError('the client was destroyed'), false);
    this.closePromise ??= Promise.resolve();
  }

  /** `await using client = await createClient(…)` closes the client at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

}


function stepOf(step: number | string | undefined): { step?: string } {
  return step === undefined ? {} : { step: validateStep(step) };
}
