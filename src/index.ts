/**
 * net-clacks: the TypeScript SDK for the CLACKS protocol.
 * @packageDocumentation
 */
export * from './api.js';
export { DEFAULT_PORT } from './client/options.js';
export * from './wire/index.js';
export * from './server/index.js';
export * from './gateway/index.js';
