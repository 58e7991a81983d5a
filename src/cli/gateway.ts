/**
 * `clacks gateway`: WebSockets for web pages, each bridged to its own
 * connection to a Clacks server (the embedded one, the Perl reference, any
 * other), until SIGINT or SIGTERM. The flags shared with `clacks serve
 * --ws` live here too.
 * @module
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { startGateway, type ClacksGateway, type GatewayOptions } from '../gateway/index.js';

/** The WebSocket-side flags of `gateway` and `serve --ws`. */
export interface WebSocketFlags {
  cert?: string;
  key?: string;
  allowOrigin?: string[];
  allowInsecure?: boolean;
  path?: string;
  maxConnections?: number;
  maxConnectionsPerAddress?: number;
  maxLineLength?: number;
  quiet?: boolean;
}

interface GatewayFlags extends WebSocketFlags {
  listen: { host: string; port: number };
  upstream: string;
  upstreamCa?: string;
  upstreamInsecure?: boolean;
}

export function gatewayCommand(): Command {
  const command = new Command('gateway')
    .description('accept WebSocket connections from web pages and bridge each one to its own connection to a Clacks server')
    .requiredOption('--listen <host:port>', 'where to listen (plain ws:// only on loopback; wss:// with --cert/--key)', parseListen)
    .requiredOption('--upstream <url>', 'the Clacks server, without credentials: clacks+unix:///path.sock or clacks://host:port')
    .option('--upstream-ca <file>', 'PEM certificate to trust for a clacks:// upstream (self-signed servers)')
    .option('--upstream-insecure', 'accept any certificate from a clacks:// upstream');
  return addWebSocketOptions(command)
    .option('-q, --quiet', 'print only errors')
    .addHelpText(
      'after',
      `
Pages log in themselves (OVERHEAD A, the Clacks users of the server); the gateway adds no password of its own.
Off loopback, --allow-origin is required and plain ws:// needs --allow-insecure (e.g. behind a TLS proxy).
e.g. clacks gateway --listen 127.0.0.1:8080 --upstream clacks+unix:///run/clacks.sock`,
    )
    .action((flags: GatewayFlags) => runGateway(flags));
}

/**
 * Adds the flags of {@link WebSocketFlags}. For `serve`, `--cert`/`--key`
 * come from the caller's own command (`withTls` false), and so do
 * `--max-connections` and `--max-line-length` (`withCaps` false: the
 * server's limits, same names, apply to its gateway too).
 */
export function addWebSocketOptions(command: Command, withTls = true, withCaps = true): Command {
  if (withTls) {
    command.option('--cert <file>', 'PEM certificate: the gateway speaks wss://').option('--key <file>', 'PEM private key for --cert');
  }
  command
    .option('--allow-origin <origin>', 'a page origin allowed to connect, e.g. https://app.example.org, https://*.example.org, or * (repeatable)', collect)
    .option('--allow-insecure', 'accept plain ws:// on a non-loopback address (behind a TLS-terminating proxy)')
    .option('--path <path>', 'accept WebSockets on this path only (default: any)')
    .option('--max-connections-per-address <n>', 'most WebSocket connections from one address (default 100)', parseCount);
  if (withCaps) {
    command
      .option('--max-connections <n>', 'most WebSocket connections at once (default 1000)', parseCount)
      .option('--max-line-length <bytes>', 'longest line either way (default 16 MiB)', parseCount);
  }
  return command;
}

async function runGateway(flags: GatewayFlags): Promise<void> {
  const options: GatewayOptions = {
    ...gatewayOptionsFrom(flags, flags.listen),
    upstream: flags.upstream,
    ...(flags.upstreamCa || flags.upstreamInsecure
      ? { upstreamTls: { ...(flags.upstreamCa ? { ca: readFile(flags.upstreamCa, '--upstream-ca') } : {}), ...(flags.upstreamInsecure ? { rejectUnauthorized: false } : {}) } }
      : {}),
  };
  let gateway: ClacksGateway;
  try {
    gateway = await startGateway(options);
  } catch (error) {
    return fail(error instanceof Error ? error.message.replace(/^startGateway: /, '') : String(error), error instanceof TypeError ? 1 : 2);
  }
  if (!flags.quiet) console.log(`clacks: gateway listening on ${gateway.address?.url ?? '?'}, bridging to ${describeUpstream(flags.upstream)}`);
  stopOnSignals(gateway, flags.quiet);
}

/** The gateway options the flags give (without the upstream). */
export function gatewayOptionsFrom(flags: WebSocketFlags, listen: { host: string; port: number }): Omit<GatewayOptions, 'upstream'> {
  if ((flags.cert === undefined) !== (flags.key === undefined)) fail('wss:// needs --cert and --key together');
  return {
    host: listen.host,
    port: listen.port,
    ...(flags.cert !== undefined && flags.key !== undefined ? { tls: { cert: readFile(flags.cert, '--cert'), key: readFile(flags.key, '--key') } } : {}),
    ...(flags.allowOrigin ? { allowOrigins: flags.allowOrigin } : {}),
    ...(flags.allowInsecure ? { allowInsecure: true } : {}),
    ...(flags.path !== undefined ? { path: flags.path } : {}),
    ...(flags.maxConnections !== undefined ? { maxConnections: flags.maxConnections } : {}),
    ...(flags.maxConnectionsPerAddress !== undefined ? { maxConnectionsPerAddress: flags.maxConnectionsPerAddress } : {}),
    ...(flags.maxLineLength !== undefined ? { maxLineLength: flags.maxLineLength } : {}),
    logger: (level, message) => {
      if (level === 'error' || level === 'warn' || (level === 'info' && !flags.quiet)) console.error(`clacks: ${message}`);
    },
  };
}

/** Closes the gateway on SIGINT/SIGTERM and exits 0. */
function stopOnSignals(gateway: ClacksGateway, quiet: boolean | undefined): void {
  const stop = (signal: string): void => {
    if (!quiet) console.log(`clacks: ${signal}, shutting down`);
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`clacks: shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/** `host:port`, `[v6]:port` or a bare port (on 127.0.0.1). */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port > 65535) throw new InvalidArgumentError('expected HOST:PORT, e.g. 127.0.0.1:8080');
  return { host: match[1] || match[2] || '127.0.0.1', port };
}

function describeUpstream(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = parsed.password ? '***' : '';
    return parsed.toString();
  } catch {
    return url;
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function parseCount(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError('expected a positive whole number');
  return value;
}

function readFile(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    return fail(`cannot read ${flag} ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function fail(message: string, exitCode = 1): never {
  console.error(`clacks gateway: ${message}`);
  process.exit(exitCode);
}
