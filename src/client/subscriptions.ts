/**
 * Which names the client listens to, and why: an explicit `listen()`, or one
 * or more live `subscribe()` iterators (reference-counted, so two
 * subscriptions to one name do not cancel each other). After a reconnect the
 * client sends LISTEN again for every name here.
 * @module
 */
export class ListenRegistry {
  private readonly names = new Map<string, { explicit: boolean; refs: number }>();

  /** Every name that should be listened to now. */
  get active(): string[] {
    return [...this.names.keys()];
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  /** Records an explicit listen; true when the name was not listened to before (send LISTEN). */
  listen(name: string): boolean {
    const entry = this.names.get(name);
    if (entry) {
      entry.explicit = true;
      return false;
    }
    this.names.set(name, { explicit: true, refs: 0 });
    return true;
  }

  /** Drops an explicit listen; true when nothing holds the name any more (send UNLISTEN). */
  unlisten(name: string): boolean {
    const entry = this.names.get(name);
    if (!entry) return false;
    entry.explicit = false;
    return this.release(name, entry);
  }

  /** Adds a subscription reference; true when the name was not listened to before. */
  acquire(name: string): boolean {
    const entry = this.names.get(name);
    if (entry) {
      entry.refs++;
      return false;
    }
    this.names.set(name, { explicit: false, refs: 1 });
    return true;
  }

  /** Drops a subscription reference; true when nothing holds the name any more. */
  unref(name: string): boolean {
    const entry = this.names.get(name);
    if (!entry) return false;
    entry.refs = Math.max(0, entry.refs - 1);
    return this.release(name, entry);
  }

  private release(name: string, entry: { explicit: boolean; refs: number }): boolean {
    if (entry.explicit || entry.refs > 0) return false;
    this.names.delete(name);
    return true;
  }
}
