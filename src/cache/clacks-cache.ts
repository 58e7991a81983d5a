/**
 * ClacksCache: a memcached-style cache API on top of a client, storing values
 * in the encodings of Perl's Net::Clacks::ClacksCache so that Node services
 * and PageCamel applications can share one Clacks cache.
 * @module
 */
import { ClacksClient, type RequestOptions } from '../client/client.js';
import { createClient } from '../client/create-client.js';
import type { ClientOptions } from '../client/options.js';
import { perlCodec } from '../codec/perl-codec.js';
import type { ValueCodec } from '../codec/value-codec.js';
import { validateName } from '../wire/validate.js';

/** Options of {@link createCache}. */
export interface CacheOptions {
  /** How values are encoded. Default {@link perlCodec} (byte-compatible with the Perl libraries). */
  codec?: ValueCodec;
  /**
   * Rewrite keys like the Perl `sanitize_key` (each space and `=` becomes
   * `___`) instead of refusing them with a `ValidationError`. Default `false`.
   */
  sanitizeKeys?: boolean;
  /** Options for the client, when {@link createCache} is given a target rather than a client. */
  client?: ClientOptions;
}

/**
 * Creates a cache on top of `clientOrTarget`: an existing client (the cache
 * shares its connection and leaves it open on `close()`), or a URL / options
 * object, in which case the cache opens a client of its own (connecting in
 * the background; the first operation waits for it) and closes it on
 * `close()`.
 *
 * @example
 * ```ts
 * const cache = createCache(client);
 * await cache.set('session::42', { user: 'alice', roles: ['admin'] });
 * const session = await cache.get<{ user: string }>('session::42');
 * ```
 */
export function createCache(clientOrTarget: ClacksClient | string | ClientOptions, options: CacheOptions = {}): ClacksCache {
  if (clientOrTarget instanceof ClacksClient) return new ClacksCache(Promise.resolve(clientOrTarget), false, options);
  return new ClacksCache(createClient(clientOrTarget, options.client), true, options);
}

/** A shared cache with typed values. Create it with {@link createCache}. */
export class ClacksCache {
  private readonly codec: ValueCodec;
  private readonly sanitize: boolean;

  /** @internal Use {@link createCache}. */
  constructor(
    private readonly clientPromise: Promise<ClacksClient>,
    private readonly ownsClient: boolean,
    options: CacheOptions,
  ) {
    this.codec = options.codec ?? perlCodec;
    this.sanitize = options.sanitizeKeys ?? false;
    // A failed background connect surfaces at the first operation, not as an unhandled rejection.
    clientPromise.catch(() => {});
  }

  /** The client underneath (waits for its connection when the cache opened it). */
  client(): Promise<ClacksClient> {
    return this.clientPromise;
  }

  /** The key as sent: sanitised (when enabled) and validated. */
  key(key: string): string {
    return validateName(this.sanitize && typeof key === 'string' ? sanitizeKey(key) : key, 'key');
  }

  /** Reads and decodes a value; `undefined` when the key does not exist. */
  async get<T = unknown>(key: string, options?: RequestOptions): Promise<T | undefined> {
    const name = this.key(key);
    const client = await this.clientPromise;
    const wire = await client.retrieve(name, options);
    return wire === undefined ? undefined : (this.codec.decode(wire) as T);
  }

  /** Encodes and stores a value. Resolves once handed to the socket; `flush()` confirms. */
  async set(key: string, value: unknown): Promise<void> {
    const name = this.key(key);
    const wire = this.codec.encode(value);
    const client = await this.clientPromise;
    await client.store(name, wire);
  }

  /** Removes a key. */
  async delete(key: string): Promise<void> {
    const name = this.key(key);
    const client = await this.clientPromise;
    await client.remove(name);
  }

  /**
   * Increments a counter and returns its new value (INCREMENT followed by a
   * pipelined RETRIEVE). Not atomic across clients: another client's
   * INCREMENT between the two lines shows in the returned value.
   */
  incr(key: string, step: number | string = 1, options?: RequestOptions): Promise<number> {
    return this.step('increment', key, step, options);
  }

  /** Decrements a counter and returns its new value; see {@link incr}. */
  decr(key: string, step: number | string = 1, options?: RequestOptions): Promise<number> {
    return this.step('decrement', key, step, options);
  }

  /** Every key, sorted. */
  async keys(options?: RequestOptions): Promise<string[]> {
    const client = await this.clientPromise;
    return client.keylist(options);
  }

  /** Sends `NOTIFY name` to the other listeners (ClacksCache's signal helper). */
  async notify(name: string): Promise<void> {
    const client = await this.clientPromise;
    await client.notify(this.key(name));
  }

  /** Sends `SET name=value` with the value encoded by this cache's codec. */
  async setSignal(name: string, value: unknown): Promise<void> {
    const key = this.key(name);
    const wire = this.codec.encode(value);
    const client = await this.clientPromise;
    await client.set(key, wire);
  }

  /** Resolves when the server has processed everything sent before (`FLUSH`). */
  async flush(options?: RequestOptions): Promise<void> {
    const client = await this.clientPromise;
    await client.flush(options);
  }

  /** Closes the client if this cache opened it; a shared client stays open. */
  async close(): Promise<void> {
    if (!this.ownsClient) return;
    const client = await this.clientPromise.catch(() => undefined);
    await client?.close();
  }

  /** `await using cache = createCache(url)` closes the cache's own client at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async step(kind: 'increment' | 'decrement', key: string, step: number | string, options?: RequestOptions): Promise<number> {
    const name = this.key(key);
    const client = await this.clientPromise;
    const changed = kind === 'increment' ? client.increment(name, step) : client.decrement(name, step);
    const [, value] = await Promise.all([changed, client.retrieve(name, options)]);
    return Number(value ?? 0);
  }
}

/** The Perl `sanitize_key`: each space and `=` becomes `___`. */
export function sanitizeKey(key: string): string {
  return key.replace(/[ =]/g, '___');
}
