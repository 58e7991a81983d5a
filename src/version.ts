/**
 * The package version, read from package.json (inlined by the bundler).
 * @module
 */
import packageJson from '../package.json' with { type: 'json' };

/** The version of net-clacks. */
export const VERSION: string = packageJson.version;
