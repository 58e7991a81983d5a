/**
 * What the abuse tests share: a user without permissions (the cheapest
 * account an attacker can get), connections from other loopback addresses
 * (every 127.x.y.z is this machine on Linux, so each is its own source),
 * a GC for measuring retained heap, and the server's per-client usage.
 */
import { connect as connectNet } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ClacksServer, UserOptions } from '../../src/server/index.js';
import { RawConnection, TLS_CERT, TRANSCRIPT_USERS, type TestServer } from '../helpers/server.js';

/** The transcripts' users plus `nobody`, who may log in and nothing else. */
export const ABUSE_USERS: readonly UserOptions[] = [...TRANSCRIPT_USERS, { username: 'nobody', password: 'nothing', permissions: [] }];

export const NOBODY = `OVERHEAD A ${Buffer.from('nobody').toString('base64')}:${Buffer.from('nothing').toString('base64')}\r\n`;

/** An `OVERHEAD A` line for any name and password. */
export function token(username: string, password: string): string {
  return `OVERHEAD A ${Buffer.from(username).toString('base64')}:${Buffer.from(password).toString('base64')}\r\n`;
}

/** A TLS connection from another loopback address, which the server counts as another source. */
export function connectTlsFrom(server: TestServer, localAddress: string): Promise<RawConnection> {
  return RawConnection.open(
    () => connectTls({ host: '127.0.0.1', socket: connectNet({ host: '127.0.0.1', port: server.port as number, localAddress }), ca: TLS_CERT }),
    'secureConnect',
  );
}

/** A plain TCP connection to the TLS port (a TLS handshake that never starts) from `localAddress`. */
export function connectPlainFrom(server: TestServer, localAddress: string): Promise<RawConnection> {
  return RawConnection.open(() => connectNet({ host: '127.0.0.1', port: server.port as number, localAddress }), 'connect');
}

/** The usage entry of the connection whose cid contains `fragment` (a port, say). */
export function clientUsage(server: ClacksServer, predicate: (cid: string) => boolean) {
  return server.usage().clients.find((client) => predicate(client.cid));
}

let gcFunction: (() => void) | undefined;

/** A full garbage collection (V8's gc, exposed at run time). */
export function collectGarbage(): void {
  if (gcFunction === undefined) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  gcFunction();
  gcFunction();
}

/** Heap plus Buffer memory of this process after a full GC: what is retained. */
export function retainedBytes(): number {
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
