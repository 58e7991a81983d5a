/**
 * net-clacks: the TypeScript SDK for the CLACKS protocol.
 * @packageDocumentation
 */
export * from './errors.js';
export * from './wire/index.js';
