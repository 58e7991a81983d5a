/**
 * The identification the server sends in its greeting, `CLACKS <info>`.
 * @module
 */
import { VERSION } from '../version.js';

/** Default greeting identification: `net-clacks <version>`. */
export const SERVER_INFO = `net-clacks ${VERSION}`;
