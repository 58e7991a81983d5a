/** KEYSYNC lines: read as the reference reads them, written so that our servers read back what was meant. */
import { describe, expect, it } from 'vitest';
import { encodeKeysync, parseKeysync, syncedEntry } from '../../src/server/interclacks/keysync.js';

const entry = (data: string, deleted = false) => ({ data, cachetime: 1796114928.92126, accesstime: deleted ? 0 : 1796114932.07334, deleted });

describe('KEYSYNC', () => {
  it('reads the reference lines of transcript 11: values with "=", spaces in keys, tombstones, a value REMOVED that is not one', () => {
    expect(parseKeysync('KEYSYNC 1796114931.03467 1796114932.0734 U eq=a=b=c')).toEqual({ cachetime: 1796114931.03467, accesstime: 1796114932.0734, deleted: false, name: 'eq', value: 'a=b=c' });
    expect(parseKeysync('KEYSYNC 1796114931.03477 1796114932.07344 U my key=with space')).toMatchObject({ name: 'my key', value: 'with space' });
    expect(parseKeysync('KEYSYNC 1796114931.0347 0 D gone=REMOVED')).toEqual({ cachetime: 1796114931.0347, accesstime: 0, deleted: true, name: 'gone', value: '' });
    expect(parseKeysync('KEYSYNC 1796114931.03479 1796114932.07343 U looksdeleted=REMOVED')).toMatchObject({ deleted: false, value: 'REMOVED' });
    expect(parseKeysync('KEYSYNC 1 2 U empty=')).toMatchObject({ name: 'empty', value: '' });
    // Any mode but D stores, as in the reference.
    expect(parseKeysync('KEYSYNC 1 2 X odd=value')).toMatchObject({ deleted: false, value: 'value' });
  });

  it('splits at the FIRST "=" as the reference does: its line for the key "weird=" reads as the key "weird"', () => {
    expect(parseKeysync('KEYSYNC 1796114931.0348 1796114932.07349 U weird==1')).toMatchObject({ name: 'weird', value: '=1' });
  });

  it('refuses what the reference pattern does not match', () => {
    for (const line of ['KEYSYNC', 'KEYSYNC 1 2 U', 'KEYSYNC 1 2 U novalue', 'KEYSYNC 1 2', 'KEYSYNCX 1 2 U a=b', 'KEYSYNC 1 2 U =value']) {
      expect(parseKeysync(line), line).toBeUndefined();
    }
  });

  it('takes numbers as Perl does (a leading number, else 0)', () => {
    expect(parseKeysync('KEYSYNC 12abc junk U k=v')).toMatchObject({ cachetime: 12, accesstime: 0 });
  });

  it('writes live entries and tombstones like the reference, with its number format', () => {
    expect(encodeKeysync('conflict1', entry('master-new'), 'reference')).toBe('KEYSYNC 1796114928.92126 1796114932.07334 U conflict1=master-new\r\n');
    expect(encodeKeysync('gone', entry('', true), 'reference')).toBe('KEYSYNC 1796114928.92126 0 D gone=REMOVED\r\n');
    expect(encodeKeysync('whole', { data: 'x', cachetime: 1796114928, accesstime: 1796114928.5, deleted: false }, 'reference')).toBe('KEYSYNC 1796114928 1796114928.5 U whole=x\r\n');
  });

  it('a key holding "=" or "%" round-trips between our servers, and is never written for a Perl one', () => {
    for (const name of ['weird=', '=lead', 'a=b=c', 'per%cent=', '%3D=']) {
      const line = encodeKeysync(name, entry('1'), 'net-clacks') as string;
      expect(line).toMatch(/ U% /);
      expect(parseKeysync(line.slice(0, -2)), name).toMatchObject({ name, value: '1', deleted: false });
      expect(encodeKeysync(name, entry('1'), 'reference')).toBeUndefined();
      const tombstone = encodeKeysync(name, entry('', true), 'net-clacks') as string;
      expect(parseKeysync(tombstone.slice(0, -2))).toMatchObject({ name, deleted: true });
    }
    // Keys without "=" are written as the reference writes them, for either peer.
    expect(encodeKeysync('per%cent', entry('v'), 'net-clacks')).toBe(encodeKeysync('per%cent', entry('v'), 'reference'));
    expect(parseKeysync('KEYSYNC 1 2 U% bad%zzkey=v')).toBeUndefined();
  });

  it('shifts times by the clock offset, an access time of 0 staying 0', () => {
    const live = parseKeysync('KEYSYNC 100 200 U k=v');
    const dead = parseKeysync('KEYSYNC 100 0 D k=REMOVED');
    expect(syncedEntry(live as NonNullable<typeof live>, 2.5)).toEqual({ data: 'v', cachetime: 102.5, accesstime: 202.5, deleted: false });
    expect(syncedEntry(dead as NonNullable<typeof dead>, 2.5)).toEqual({ data: '', cachetime: 102.5, accesstime: 0, deleted: true });
  });
});
