/**
 * The connection state machine, in one place.
 *
 *   connecting ──▶ ready ──▶ reconnecting ──▶ ready …
 *        │           │             │
 *        └───────────┴──▶ closing ─┴──▶ closed
 *
 * `connecting`: the first connection is being made (createClient has not
 * resolved). `ready`: authenticated, commands flow. `reconnecting`: the
 * connection was lost; waiting out the backoff delay or attempting again.
 * `closing`: close() was called; queued commands are flushed, QUIT sent.
 * `closed`: final; every request has settled.
 * @module
 */

/** Where a client's connection stands. */
export type ConnectionState = 'connecting' | 'ready' | 'reconnecting' | 'closing' | 'closed';

const ALLOWED: Record<ConnectionState, readonly ConnectionState[]> = {
  connecting: ['ready', 'closing', 'closed'],
  ready: ['reconnecting', 'closing', 'closed'],
  reconnecting: ['ready', 'closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

/** Holds the current state and refuses transitions the diagram above does not have. */
export class StateMachine {
  private current: ConnectionState = 'connecting';

  get state(): ConnectionState {
    return this.current;
  }

  /** Whether `to` is reachable from the current state. */
  can(to: ConnectionState): boolean {
    return ALLOWED[this.current].includes(to);
  }

  /** Moves to `to`; throws on a transition the machine does not have (a bug). */
  moveTo(to: ConnectionState): void {
    if (!this.can(to)) throw new Error(`illegal connection state transition ${this.current} -> ${to}`);
    this.current = to;
  }
}
