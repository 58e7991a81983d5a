/**
 * The Node platform with one change: transports are in-memory fakes
 * (fake-server.ts), so that the micro benchmark measures the client's own
 * CPU without a socket, a kernel or a server in the way.
 * @module
 */
import { platform as nodePlatform } from '../../../src/platform/node.js';
import { openFakeTransport } from './fake-server.js';

export * from '../../../src/platform/node.js';

export const platform = { ...nodePlatform, openTransport: openFakeTransport };
