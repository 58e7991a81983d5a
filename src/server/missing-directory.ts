/**
 * The check both the persistence file and a Unix socket need before the
 * server starts: is the directory the file goes into there?
 * @module
 */
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * An error naming `what` and the directory of `file` when that directory is
 * missing (or not a directory); `undefined` when it is there.
 */
export async function missingDirectory(what: string, file: string): Promise<Error | undefined> {
  const directory = dirname(file);
  if ((await stat(directory).catch(() => undefined))?.isDirectory()) return undefined;
  return Object.assign(new Error(`${what} ${file}: the directory ${directory} does not exist`), { code: 'ENOENT' });
}
