/**
 * Finding and preparing the config file the way the reference does
 * (PageCamel's config loader): a relative name is looked up along
 * `PC_CONFIG_PATHS` (colon-separated; without it, the current directory
 * and then `configs/`), and the text `PC_<NAME>` anywhere in the file is
 * replaced with the value of that environment variable before the XML is
 * parsed.
 * @module
 */
import { statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from './xml.js';

/** Where to look for `name`, in order. */
export function configCandidates(name: string, env: NodeJS.ProcessEnv, cwd: string): string[] {
  if (isAbsolute(name)) return [name];
  const paths = env.PC_CONFIG_PATHS !== undefined ? env.PC_CONFIG_PATHS.split(':') : ['', 'configs/'];
  const candidates = paths.map((path) => resolve(cwd, path === '' ? name : join(path, name)));
  // Not where the reference looks, but where anyone would: the name as given.
  const asGiven = resolve(cwd, name);
  if (!candidates.includes(asGiven)) candidates.push(asGiven);
  return candidates;
}

/** The first candidate that is a file; a ConfigError listing the places searched otherwise. */
export function locateConfig(name: string, env: NodeJS.ProcessEnv, cwd: string): string {
  const candidates = configCandidates(name, env, cwd);
  for (const candidate of candidates) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not there
    }
  }
  const where = env.PC_CONFIG_PATHS !== undefined ? ` (PC_CONFIG_PATHS=${env.PC_CONFIG_PATHS})` : '';
  throw new ConfigError(`config file ${name} not found${where}; looked for ${candidates.join(', ')}`);
}

/**
 * Replaces every `PC_*` environment variable's name in `text` with its
 * value. Longer names go first, so that `PC_DIR_OLD` is not taken for
 * `PC_DIR` followed by `_OLD`. Returns the names that were substituted.
 */
export function substituteEnvironment(text: string, env: NodeJS.ProcessEnv): { text: string; substituted: string[] } {
  const names = Object.keys(env)
    .filter((name) => name.startsWith('PC_') && env[name] !== undefined)
    .sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const substituted: string[] = [];
  for (const name of names) {
    if (!text.includes(name)) continue;
    text = text.split(name).join(env[name] as string);
    substituted.push(name);
  }
  return { text, substituted };
}
