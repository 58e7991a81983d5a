/**
 * The embedded CLACKS server: `startServer(options)` and its types.
 * @module
 */
export { startServer, type ClacksServer } from './server.js';
export { startMetricsServer, type MetricsServer, type MetricsServerOptions, type MetricsSource } from './metrics/metrics-server.js';
export { PROMETHEUS_CONTENT_TYPE } from './metrics/exposition.js';
export type { ServerAddress } from './listeners.js';
export type {
  ServerOptions,
  ListenerOptions,
  UnixListenerOptions,
  TlsListenerOptions,
  TlsCredentials,
  UserOptions,
  LogLevel,
  ServerLogger,
} from './options.js';
export type { Permission } from './permissions.js';
export type { MasterOptions, MasterTlsOptions, InterclacksOptions } from './interclacks/options.js';
export type { LinkInfo, LinkSync, LinkRole, LinkPhase } from './interclacks/link.js';
export type { ServerStats, ServerUsage, ClientUsage } from './stats.js';
export type { ServerLimits } from './limits.js';
export type { ServerConnectionState, RefusalReason } from './admission.js';
export type { DropKind } from './client-connection.js';
export { ConfigError, readServerConfig, toServerOptions, type ReadConfigOptions, type ServeSettings, type MasterSettings, type InterclacksSettings } from './config/index.js';
