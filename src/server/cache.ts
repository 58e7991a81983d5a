/**
 * The key/value cache behind STORE, RETRIEVE, REMOVE, INCREMENT and KEYLIST.
 * Values are latin1 strings (one char per byte), so they round-trip byte for
 * byte. Unlike the reference, REMOVE forgets a key at once instead of keeping
 * a tombstone for an hour (see DIFFERENCES.md).
 * @module
 */
import { applyStep } from './perl-number.js';

export class Cache {
  private readonly entries = new Map<string, string>();
  /** Bumped on every change, so persistence knows whether there is anything to save. */
  version = 0;

  get size(): number {
    return this.entries.size;
  }

  get(name: string): string | undefined {
    return this.entries.get(name);
  }

  set(name: string, value: string): void {
    this.entries.set(name, value);
    this.version++;
  }

  remove(name: string): void {
    if (this.entries.delete(name)) this.version++;
  }

  clear(): void {
    this.entries.clear();
    this.version++;
  }

  /** INCREMENT (or DECREMENT with `decrement`) by `step`, with Perl's arithmetic. */
  step(name: string, step: string | undefined, decrement: boolean): void {
    this.set(name, applyStep(this.entries.get(name), step, decrement));
  }

  /** Key names in byte order, as KEYLIST lists them. */
  sortedKeys(): string[] {
    // Default sort compares UTF-16 code units; on latin1 strings that is byte order, like Perl's sort.
    return [...this.entries.keys()].sort();
  }

  /** The names KEYLIST lists, in no particular order (the KEYLIST stream sorts them a slice at a time). */
  keyNames(): string[] {
    return [...this.entries.keys()];
  }

  /** A copy of every entry, for saving. */
  snapshot(): Array<[string, string]> {
    return [...this.entries];
  }

  /** Replaces the content (loading a saved file). */
  load(entries: Iterable<[string, string]>): void {
    this.entries.clear();
    for (const [name, value] of entries) this.entries.set(name, value);
  }
}
