/**
 * The reference server's XML config file (PROTOCOL.md, "The configuration
 * file"), read into {@link ServeSettings}: located along `PC_CONFIG_PATHS`,
 * `PC_*` variables substituted, parsed, checked, and the `hosts/<hostname>`
 * block of this host applied.
 * @module
 */
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { locateConfig, substituteEnvironment } from './locate.js';
import { decodeConfig } from './schema.js';
import { settingsFromConfig, type ServeSettings } from './settings.js';
import { ConfigError, parseXml } from './xml.js';

export { ConfigError } from './xml.js';
export { describeSettings, emptySettings, masterNotes, toServerOptions, type InterclacksSettings, type MasterSettings, type ServeSettings } from './settings.js';
export { applySocketMode } from './socket-mode.js';

/** Where and how to read a config file; every field defaults to this process's own. */
export interface ReadConfigOptions {
  /** The environment: `PC_CONFIG_PATHS` and the `PC_*` substitutions. */
  env?: NodeJS.ProcessEnv;
  /** The host name that picks the `hosts/<hostname>` block. */
  hostname?: string;
  /** The directory relative names are resolved against (the reference uses its working directory). */
  cwd?: string;
}

/**
 * Reads the reference server's XML config file `name`.
 * @throws {ConfigError} when the file cannot be found or read, is not
 *   well-formed XML (with line and column), or lacks what the reference
 *   requires (the main user, a port and certificate for TCP…). Unknown keys
 *   are warnings in the result, not errors.
 */
export function readServerConfig(name: string, options: ReadConfigOptions = {}): ServeSettings {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = locateConfig(name, env, cwd);
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the config file ${file}: ${(error as Error).message}`);
  }
  if (raw.trim() === '') throw new ConfigError(`the config file ${file} is empty`);
  const { text, substituted } = substituteEnvironment(raw, env);
  const where = substituted.length > 0 ? `${file} (after substituting ${substituted.join(', ')})` : file;
  const warnings: string[] = [];
  const values = decodeConfig(parseXml(text, where), file, warnings);
  return settingsFromConfig(values, file, options.hostname ?? osHostname(), warnings);
}
