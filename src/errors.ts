/**
 * Typed errors. Every error the SDK raises is a {@link ClacksError} with a
 * stable `code` a program can switch on, and a `cause` when it wraps another.
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
  | 'CODEC_ERROR';

/** Base class of every error raised by net-clacks. */
export class ClacksError extends Error {
  /** A stable, machine-readable code. */
  readonly code: ClacksErrorCode;

  constructor(code: ClacksErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The socket could not be opened, or failed (refused, reset, TLS verification…). */
export class ConnectionError extends ClacksError {
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
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONNECTION_LOST', message, options);
  }
}

/** The server answered `OVERHEAD F Login failed!`. Never retried. */
export class AuthenticationError extends ClacksError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('AUTH_FAILED', message, options);
  }
}

/** The peer broke the protocol: no `CLACKS` greeting, a malformed line, … */
export class ProtocolError extends ClacksError {
  constructor(message: string, options?: { cause?: unknown; code?: 'PROTOCOL_ERROR' | 'LINE_TOO_LONG' }) {
    super(options?.code ?? 'PROTOCOL_ERROR', message, options);
  }
}

/** A line grew past the configured maximum length before its line feed arrived. */
export class LineTooLongError extends ProtocolError {
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;

  constructor(limit: number) {
    super(`line longer than the limit of ${limit} bytes`, { code: 'LINE_TOO_LONG' });
    this.limit = limit;
  }
}

/** A request did not complete within its deadline. */
export class TimeoutError extends ClacksError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TIMEOUT', message, options);
  }
}

/** A request was cancelled through its `AbortSignal`. */
export class AbortError extends ClacksError {
  constructor(message = 'the request was aborted', options?: { cause?: unknown }) {
    super('ABORTED', message, options);
  }
}

/** The server refused the command (`OVERHEAD E permission_denied`). */
export class PermissionDeniedError extends ClacksError {
  /** The command that was refused, when known. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super('PERMISSION_DENIED', message);
    this.command = command;
  }
}

/** An argument was refused before anything was sent. */
export class ValidationError extends ClacksError {
  /** The name of the offending argument (`name`, `value`, `step`, …). */
  readonly argument: string;

  constructor(argument: string, message: string) {
    super('INVALID_ARGUMENT', `invalid ${argument}: ${message}`);
    this.argument = argument;
  }
}

/** The client was closed (or destroyed) before the request could complete. */
export class ClosedError extends ClacksError {
  constructor(message = 'the client is closed', options?: { cause?: unknown }) {
    super('CLOSED', message, options);
  }
}

/** An event iterator's buffer overflowed and its policy is `'error'`. */
export class SlowConsumerError extends ClacksError {
  constructor(message: string) {
    super('SLOW_CONSUMER', message);
  }
}

/** The offline queue is full (count or bytes). */
export class QueueFullError extends ClacksError {
  constructor(message: string) {
    super('QUEUE_FULL', message);
  }
}

/** A command waited in the offline queue longer than allowed. */
export class OfflineTimeoutError extends ClacksError {
  constructor(message: string) {
    super('OFFLINE_TIMEOUT', message);
  }
}

/** The server reported an error about a command (`OVERHEAD E …`). */
export class ServerError extends ClacksError {
  constructor(message: string) {
    super('SERVER_ERROR', message);
  }
}

/** A stored value could not be decoded (or encoded) by a codec. */
export class CodecError extends ClacksError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CODEC_ERROR', message, options);
  }
}

/**
 * A WebSocket gateway closed the connection with a reason (its close code
 * and text): an Origin it does not allow, a line over its limit, no room
 * for another connection, the Clacks server behind it unreachable. Still a
 * {@link ConnectionError} (code `CONNECTION_ERROR`); `permanent` refusals
 * (the page's Origin) are not retried.
 */
export class GatewayError extends ConnectionError {
  /** The WebSocket close code (see the README's gateway section). */
  readonly closeCode: number;
  /** Whether retrying cannot help (the gateway refuses this page's Origin). */
  readonly permanent: boolean;

  constructor(message: string, closeCode: number, permanent = false) {
    super(message);
    this.closeCode = closeCode;
    this.permanent = permanent;
  }
}
