/**
 * An entry as a file holds it (every field a string, any field possibly
 * missing) and how it becomes a cache entry, with the reference's reading
 * of each field: times by Perl's numeric conversion, `deleted` by Perl's
 * truthiness.
 * @module
 */
import type { CacheEntry } from '../cache.js';
import { toPerlNumber } from '../perl-number.js';

/** The four fields of a saved entry, as text. */
export interface RawEntry {
  data?: string | undefined;
  cachetime?: string | undefined;
  accesstime?: string | undefined;
  deleted?: string | undefined;
}

/** The fields an entry may have; anything else in a file is ignored. */
export const ENTRY_FIELDS = ['accesstime', 'cachetime', 'data', 'deleted'] as const;

/** A file whose content cannot be a saved cache, with the reason. */
export class PersistenceFormatError extends Error {
  override readonly name = 'PersistenceFormatError';
}

/**
 * A saved entry as the cache holds it. A missing time is `now` (the
 * reference's own fallback when it upgrades old files); a tombstone's data
 * is empty whatever the file says.
 */
export function toCacheEntry(raw: RawEntry, now: number): CacheEntry {
  const deleted = raw.deleted !== undefined && raw.deleted !== '' && raw.deleted !== '0';
  return {
    data: deleted ? '' : (raw.data ?? ''),
    cachetime: raw.cachetime === undefined ? now : perlNumber(raw.cachetime),
    accesstime: raw.accesstime === undefined ? now : perlNumber(raw.accesstime),
    deleted,
  };
}

function perlNumber(text: string): number {
  const number = toPerlNumber(text);
  return number.kind === 'integer' ? Number(number.value) : number.value;
}
