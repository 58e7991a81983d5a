/**
 * A small typed event emitter: the base class of the client in the browser
 * build, where there is no node:events. It has the part of Node's
 * EventEmitter API that applications use (on/once/off, emit,
 * listenerCount…), with the same rule for `error`: emitted with no listener,
 * it throws.
 * @module
 */

/** Stored untyped: the public signatures check the arguments per event. */
type Listener = ((...args: unknown[]) => void) & { listener?: Listener };

/** Event names mapped to their listener arguments, as for Node's `EventEmitter<T>`. */
export type EventMap<T> = { [K in keyof T]: unknown[] };

/** A typed emitter with Node's EventEmitter semantics for the methods it has. */
export class TypedEmitter<Events extends EventMap<Events>> {
  private readonly registry = new Map<keyof Events, Listener[]>();

  /** Adds a listener for `event`. */
  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this {
    const list = this.registry.get(event);
    if (list) list.push(listener as Listener);
    else this.registry.set(event, [listener as Listener]);
    return this;
  }

  /** Same as {@link on}. */
  addListener<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this {
    return this.on(event, listener);
  }

  /** Adds a listener called at most once. */
  once<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this {
    const wrapper: Listener = (...args) => {
      this.off(event, wrapper);
      (listener as Listener)(...args);
    };
    wrapper.listener = listener as Listener;
    return this.on(event, wrapper);
  }

  /** Removes a listener (the last one added, when it was added twice). */
  off<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this {
    const list = this.registry.get(event);
    if (!list) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      const entry = list[i] as Listener;
      if (entry === (listener as Listener) || entry.listener === (listener as Listener)) {
        list.splice(i, 1);
        break;
      }
    }
    if (list.length === 0) this.registry.delete(event);
    return this;
  }

  /** Same as {@link off}. */
  removeListener<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this {
    return this.off(event, listener);
  }

  /** Removes every listener of `event`, or of every event. */
  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this.registry.clear();
    else this.registry.delete(event);
    return this;
  }

  /** Calls every listener of `event` in order; `false` when there was none. An `error` with no listener throws. */
  emit<K extends keyof Events>(event: K, ...args: Events[K]): boolean {
    const list = this.registry.get(event);
    if (!list || list.length === 0) {
      if (event === 'error') throw args[0] instanceof Error ? args[0] : new Error(`unhandled error event: ${String(args[0])}`);
      return false;
    }
    for (const listener of [...list]) listener(...args);
    return true;
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof Events): number {
    return this.registry.get(event)?.length ?? 0;
  }

  /** The listeners of `event`, in order. */
  listeners<K extends keyof Events>(event: K): Array<(...args: Events[K]) => void> {
    return (this.registry.get(event) ?? []).map((entry) => (entry.listener ?? entry) as (...args: Events[K]) => void);
  }
}
