/**
 * Who may connect: caps on all connections, on connections that have not
 * logged in yet, and on those per source. A socket gets a {@link Ticket} on
 * accept (or is refused); the ticket follows it through the TLS handshake
 * and login until it closes, so the counts by state are always exact.
 *
 * A source is an IPv4 address, an IPv6 /64 network (one host can own a
 * whole /64), or `unix` for every peer of a Unix socket: Node cannot read a
 * Unix peer's credentials, so local peers share one allowance (the socket
 * file's permissions are what keeps strangers out).
 * @module
 */
import { isIPv6, type Socket } from 'node:net';
import type { ResolvedLimits } from './limits.js';

/** Where a connection is in its life, as the usage figures count it. */
export type ServerConnectionState = 'handshaking' | 'unauthenticated' | 'authenticated';

/** Why a connection was refused. */
export type RefusalReason = 'maxConnections' | 'maxUnauthenticated' | 'maxUnauthenticatedPerSource';

/** One admitted connection's place in the counts. */
export interface Ticket {
  readonly source: string;
  readonly state: ServerConnectionState | 'closed';
  /** The TLS handshake is done (a Unix socket starts here). */
  handshaken(): void;
  /** The client logged in: it no longer counts against the unauthenticated caps. */
  authenticated(): void;
  /** The socket closed. Idempotent. */
  release(): void;
}

/** The source of a socket's peer, as the per-source caps and the login throttle count it. */
export function sourceOf(kind: 'unix' | 'tls', remoteAddress: string | undefined): string {
  if (kind === 'unix') return 'unix';
  if (remoteAddress === undefined) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
  if (mapped) return mapped[1] as string;
  if (!isIPv6(remoteAddress)) return remoteAddress;
  return `${expandIPv6(remoteAddress).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, without leading zeros (a zone id is dropped). */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((group) => (group.includes('.') ? group : Number.parseInt(group, 16).toString(16)));
}

export class Admission {
  private readonly limits: ResolvedLimits;
  private readonly unauthenticatedBySource = new Map<string, number>();
  readonly counts: Record<ServerConnectionState, number> = { handshaking: 0, unauthenticated: 0, authenticated: 0 };

  constructor(limits: ResolvedLimits) {
    this.limits = limits;
  }

  get total(): number {
    return this.counts.handshaking + this.counts.unauthenticated + this.counts.authenticated;
  }

  /** Admits a new socket, or says why not (the caller closes it). */
  admit(kind: 'unix' | 'tls', socket: Socket): Ticket | RefusalReason {
    const source = sourceOf(kind, socket.remoteAddress);
    const { maxConnections, maxUnauthenticated, maxUnauthenticatedPerSource } = this.limits;
    if (this.total >= maxConnections) return 'maxConnections';
    if (this.counts.handshaking + this.counts.unauthenticated >= maxUnauthenticated) return 'maxUnauthenticated';
    const fromSource = this.unauthenticatedBySource.get(source) ?? 0;
    if (fromSource >= maxUnauthenticatedPerSource) return 'maxUnauthenticatedPerSource';
    this.unauthenticatedBySource.set(source, fromSource + 1);
    return this.ticket(source, kind === 'tls' ? 'handshaking' : 'unauthenticated');
  }

  private ticket(source: string, initial: ServerConnectionState): Ticket {
    this.counts[initial]++;
    let state: ServerConnectionState | 'closed' = initial;
    const move = (to: ServerConnectionState | 'closed'): void => {
      if (state === 'closed') return;
      this.counts[state]--;
      if (to !== 'closed') this.counts[to]++;
      if (state !== 'authenticated' && (to === 'authenticated' || to === 'closed')) this.leaveSource(source);
      state = to;
    };
    return {
      source,
      get state() {
        return state;
      },
      handshaken: () => {
        if (state === 'handshaking') move('unauthenticated');
      },
      authenticated: () => {
        if (state === 'handshaking' || state === 'unauthenticated') move('authenticated');
      },
      release: () => move('closed'),
    };
  }

  private leaveSource(source: string): void {
    const left = (this.unauthenticatedBySource.get(source) ?? 1) - 1;
    if (left > 0) this.unauthenticatedBySource.set(source, left);
    else this.unauthenticatedBySource.delete(source);
  }
}
