/**
 * A first-in first-out queue with O(1) push and shift (an array and a head
 * index, compacted now and then), for request and event queues that can hold
 * hundreds of thousands of entries.
 * @module
 */
export class Fifo<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  /** Number of queued items. */
  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item, without removing it. */
  peek(): T | undefined {
    return this.items[this.head];
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes the first item for which `match` is true; returns whether one was found. */
  remove(match: (item: T) => boolean): boolean {
    for (let i = this.head; i < this.items.length; i++) {
      if (match(this.items[i] as T)) {
        this.items.splice(i, 1);
        if (this.head === this.items.length) this.clear();
        return true;
      }
    }
    return false;
  }

  /** Removes everything and returns it, oldest first. */
  drain(): T[] {
    const all = this.items.slice(this.head) as T[];
    this.clear();
    return all;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  /** Newest first. */
  *reversed(): IterableIterator<T> {
    for (let i = this.items.length - 1; i >= this.head; i--) yield this.items[i] as T;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}
