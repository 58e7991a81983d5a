/**
 * The identification the server sends in its greeting, `CLACKS <info>`.
 * @module
 */
import packageJson from '../../package.json' with { type: 'json' };

/** The package version, from package.json (inlined by the bundler). */
export const VERSION: string = packageJson.version;

/** Default greeting identification: `net-clacks <version>`. */
export const SERVER_INFO = `net-clacks ${VERSION}`;
