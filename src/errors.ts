/**
 * Typed errors. Every error the SDK raises is a {@link ClacksError} with a
 * stable `code` a program can switch on, and a `cause` when it wraps another.
 *
 * `instanceof` works across copies of this module: an application whose
 * parts `require('net-clacks')` (the CommonJS build) and `import` it (the
 * ESM build) has two copies of every class. Each error therefore carries a
 * brand (the names of its classes, under a `Symbol.for` key shared by every
 * copy) and each class checks that brand in `Symbol.hasInstance`.
 * @module
 */

/** Stable error codes, one per error class. */
export type ClacksErrorCode =
  | 'CONNECTION_ERROR'
  | 'CONNECTION_LOST'
  | 'AUTH_FAILED'
  | 'PROTOCOL_ERROR'
  | 'LINE_TOO_LONG'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'PERMISSION_DENIED'
  | 'INVALID_ARGUMENT'
  | 'CLOSED'
  | 'SLOW_CONSUMER'
  | 'QUEUE_FULL'
  | 'OFFLINE_TIMEOUT'
  | 'SERVER_ERROR'
  | 'CODEC_ERROR'
  | 'REPLY_TOO_LARGE'
  | 'CONFIG_ERROR';

/** Where an error keeps the names of its classes; one key for every copy of this module. */
const KINDS = Symbol.for('net-clacks.error-kinds');

/** The `kind` of a class and of each of our classes above it: `['ConnectionError', 'ClacksError']`. */
function kindsOf(target: object): string[] {
  const kinds: string[] = [];
  for (let current: object | null = target; current && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    if (Object.hasOwn(current, 'kind')) kinds.push((current as { kind: string }).kind);
  }
  return kinds;
}

/** Base class of every error raised by net-clacks. */
export class ClacksError extends Error {
  /** The class's name, the same in the CommonJS and the ESM build (what `instanceof` compares). */
  static readonly kind: string = 'ClacksError';

  /** A stable, machine-readable code. */
  readonly code: ClacksErrorCode;

  constructor(code: ClacksErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    // A bundler may rename a class; `kind` is what it was called. An application's own subclass keeps its name.
    this.name = Object.hasOwn(new.target, 'kind') ? (new.target as typeof ClacksError).kind : new.target.name;
    Object.defineProperty(this, KINDS, { value: kindsOf(new.target) });
  }

  /**
   * `error instanceof ConnectionError` holds for an error made by either
   * build of net-clacks (CommonJS or ESM), not only by this copy of the
   * class. Subclasses an application defines itself keep the ordinary check.
   */
  static override [Symbol.hasInstance]<C extends abstract new (...args: never[]) => unknown>(this: C, value: unknown): value is InstanceType<C> {
    if (!Object.hasOwn(this, 'kind')) return Function.prototype[Symbol.hasInstance].call(this, value);
    if (typeof value !== 'object' || value === null) return false;
    const kinds = (value as { [KINDS]?: unknown })[KINDS];
    return Array.isArray(kinds) && kinds.includes((this as unknown as { kind: string }).kind);
  }
}

/**
 * Whether `value` is an error raised by net-clacks (by either build), and,
 * given `code`, one with that code. The same as `instanceof ClacksError`,
 * usable where the class is not at hand.
 */
export function isClacksError(value: unknown, code?: ClacksErrorCode): value is ClacksError {
  return value instanceof ClacksError && (code === undefined || value.code === code);
}

/** The socket could not be opened, or failed (refused, reset, TLS verification…). */
export class ConnectionError extends ClacksError {
  static override readonly kind: string = 'ConnectionError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('CONNECTION_ERROR', message, options);
  }
}

/**
 * The connection dropped while this request was in flight and the request
 * cannot be safely repeated (a `flush()` barrier: earlier writes may or may
 * not have landed).
 */
export class ConnectionLostError extends ClacksError {
  static override readonly kind: string = 'ConnectionLostError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('CONNECTION_LOST', message, options);
  }
}

/** The server answered `OVERHEAD F Login failed!`. Never retried. */
export class AuthenticationError extends ClacksError {
  static override readonly kind: string = 'AuthenticationError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('AUTH_FAILED', message, options);
  }
}

/** The peer broke the protocol: no `CLACKS` greeting, a malformed line, … */
export class ProtocolError extends ClacksError {
  static override readonly kind: string = 'ProtocolError';

  constructor(message: string, options?: { cause?: unknown; code?: 'PROTOCOL_ERROR' | 'LINE_TOO_LONG' }) {
    super(options?.code ?? 'PROTOCOL_ERROR', message, options);
  }
}

/** A line grew past the configured maximum length before its line feed arrived. */
export class LineTooLongError extends ProtocolError {
  static override readonly kind: string = 'LineTooLongError';

  /** The limit that was exceeded, in bytes. */
  readonly limit: number;

  constructor(limit: number) {
    super(`line longer than the limit of ${limit} bytes`, { code: 'LINE_TOO_LONG' });
    this.limit = limit;
  }
}

/** A request did not complete within its deadline. */
export class TimeoutError extends ClacksError {
  static override readonly kind: string = 'TimeoutError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('TIMEOUT', message, options);
  }
}

/** A request was cancelled through its `AbortSignal`. */
export class AbortError extends ClacksError {
  static override readonly kind: string = 'AbortError';

  constructor(message = 'the request was aborted', options?: { cause?: unknown }) {
    super('ABORTED', message, options);
  }
}

/** The server refused the command (`OVERHEAD E permission_denied`). */
export class PermissionDeniedError extends ClacksError {
  static override readonly kind: string = 'PermissionDeniedError';

  /** The command that was refused, when known. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super('PERMISSION_DENIED', message);
    this.command = command;
  }
}

/** An argument was refused before anything was sent. */
export class ValidationError extends ClacksError {
  static override readonly kind: string = 'ValidationError';

  /** The name of the offending argument (`name`, `value`, `step`, …). */
  readonly argument: string;

  constructor(argument: string, message: string) {
    super('INVALID_ARGUMENT', `invalid ${argument}: ${message}`);
    this.argument = argument;
  }
}

/** The client was closed (or destroyed) before the request could complete. */
export class ClosedError extends ClacksError {
  static override readonly kind: string = 'ClosedError';

  constructor(message = 'the client is closed', options?: { cause?: unknown }) {
    super('CLOSED', message, options);
  }
}

/** An event iterator's buffer overflowed and its policy is `'error'`. */
export class SlowConsumerError extends ClacksError {
  static override readonly kind: string = 'SlowConsumerError';

  constructor(message: string) {
    super('SLOW_CONSUMER', message);
  }
}

/** The offline queue is full (count or bytes). */
export class QueueFullError extends ClacksError {
  static override readonly kind: string = 'QueueFullError';

  constructor(message: string) {
    super('QUEUE_FULL', message);
  }
}

/** A command waited in the offline queue longer than allowed. */
export class OfflineTimeoutError extends ClacksError {
  static override readonly kind: string = 'OfflineTimeoutError';

  constructor(message: string) {
    super('OFFLINE_TIMEOUT', message);
  }
}

/** The server reported an error about a command (`OVERHEAD E …`). */
export class ServerError extends ClacksError {
  static override readonly kind: string = 'ServerError';

  constructor(message: string) {
    super('SERVER_ERROR', message);
  }
}

/** A stored value could not be decoded (or encoded) by a codec. */
export class CodecError extends ClacksError {
  static override readonly kind: string = 'CodecError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('CODEC_ERROR', message, options);
  }
}

/**
 * A KEYLIST or CLIENTLIST reply grew past the client's bound
 * (`maxListEntries` or `maxListBytes`). The request rejects at once; the
 * rest of the reply is read and discarded, so later replies still match.
 */
export class ReplyTooLargeError extends ClacksError {
  static override readonly kind: string = 'ReplyTooLargeError';

  /** Which limit was passed: `'entries'` or `'bytes'`. */
  readonly limit: 'entries' | 'bytes';
  /** The bound that was passed. */
  readonly bound: number;

  constructor(message: string, limit: 'entries' | 'bytes', bound: number) {
    super('REPLY_TOO_LARGE', message);
    this.limit = limit;
    this.bound = bound;
  }
}

/**
 * A WebSocket gateway closed the connection with a reason (its close code
 * and text): an Origin it does not allow, a line over its limit, no room
 * for another connection, the Clacks server behind it unreachable. Still a
 * {@link ConnectionError} (code `CONNECTION_ERROR`); `permanent` refusals
 * (the page's Origin, the gateway's `authorize` hook) are not retried.
 */
export class GatewayError extends ConnectionError {
  static override readonly kind: string = 'GatewayError';

  /** The WebSocket close code (see the README's gateway section). */
  readonly closeCode: number;
  /** Whether retrying cannot help (the gateway refuses this page's Origin, or its `authorize` hook refuses the connection). */
  readonly permanent: boolean;

  constructor(message: string, closeCode: number, permanent = false) {
    super(message);
    this.closeCode = closeCode;
    this.permanent = permanent;
  }
}
