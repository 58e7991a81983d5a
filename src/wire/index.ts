/**
 * The wire layer shared by the client and the embedded server: framing,
 * the vocabulary of both directions, and argument validation.
 * @module
 */
export * from './line-reader.js';
export * from './client-commands.js';
export * from './server-lines.js';
export * from './validate.js';
