/**
 * The WebSocket gateway: `startGateway(options)` and its types.
 * @module
 */
export { startGateway, type ClacksGateway, type GatewayAddress, type GatewayStats } from './gateway.js';
export type { GatewayOptions, GatewayUpstream, GatewayLogger, GatewayLogLevel, GatewayAuthorization, GatewayCredentials, GatewayLoginDecision } from './options.js';
export { CloseCode as GatewayCloseCode } from '../connection/close-codes.js';
