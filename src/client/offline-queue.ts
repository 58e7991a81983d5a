/**
 * Commands issued while the client is not connected wait here, bounded in
 * count and bytes, each for at most `timeout` ms, and are sent in order once
 * the connection is back.
 * @module
 */
import { platform } from '#platform';
import { OfflineTimeoutError, QueueFullError } from '../errors.js';
import type { OutboundEntry } from '../connection/connection.js';
import { Fifo } from '../util/fifo.js';

/** A command that can wait offline: it can be written later, or failed. */
export interface QueueableCommand extends OutboundEntry {
  fail(error: Error): void;
}

interface Waiting {
  command: QueueableCommand;
  bytes: number;
  deadline: number;
}

/** Bounds of an {@link OfflineQueue}. */
export interface OfflineQueueLimits {
  maxCommands: number;
  maxBytes: number;
  timeout: number;
}

export class OfflineQueue {
  private readonly waiting = new Fifo<Waiting>();
  private bytes = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly limits: OfflineQueueLimits) {}

  /** Commands waiting. */
  get length(): number {
    return this.waiting.length;
  }

  /** Bytes waiting. */
  get byteLength(): number {
    return this.bytes;
  }

  /**
   * Adds a new command at the back.
   * @throws {QueueFullError} when a bound would be exceeded; nothing is queued then.
   */
  add(command: QueueableCommand): void {
    const bytes = platform.byteLength(command.line);
    if (this.waiting.length >= this.limits.maxCommands) {
      throw new QueueFullError(`offline queue full: ${this.limits.maxCommands} commands are waiting for the connection to return`);
    }
    if (this.bytes + bytes > this.limits.maxBytes) {
      throw new QueueFullError(`offline queue full: ${this.bytes} of ${this.limits.maxBytes} bytes are waiting for the connection to return`);
    }
    this.push(command, bytes);
  }

  /**
   * Puts commands that were already accepted (in flight when the connection
   * dropped) back in the queue, in order. They are not refused by the bounds:
   * nothing accepted is dropped silently.
   */
  readmit(commands: QueueableCommand[]): void {
    for (const command of commands) this.push(command, platform.byteLength(command.line));
  }

  /** Removes a command that no longer needs sending (its caller gave up). */
  remove(command: QueueableCommand): boolean {
    let bytes = 0;
    const found = this.waiting.remove((waiting) => {
      if (waiting.command !== command) return false;
      bytes = waiting.bytes;
      return true;
    });
    if (found) this.bytes -= bytes;
    if (this.waiting.length === 0) this.stopTimer();
    return found;
  }

  /** Takes every waiting command, oldest first. */
  drain(): QueueableCommand[] {
    this.stopTimer();
    this.bytes = 0;
    return this.waiting.drain().map((waiting) => waiting.command);
  }

  /** Fails every waiting command with `error`. */
  failAll(error: Error): void {
    for (const command of this.drain()) command.fail(error);
  }

  private push(command: QueueableCommand, bytes: number): void {
    this.waiting.push({ command, bytes, deadline: Date.now() + this.limits.timeout });
    this.bytes += bytes;
    if (!this.timer) this.armTimer();
  }

  // Deadlines grow from head to tail (the queue is empty whenever the client
  // is connected), so one timer aimed at the head is enough.
  private armTimer(): void {
    const head = this.waiting.peek();
    if (!head || !Number.isFinite(this.limits.timeout)) return;
    this.timer = setTimeout(() => this.expire(), Math.max(0, head.deadline - Date.now()));
    platform.unref(this.timer);
  }

  private expire(): void {
    this.timer = undefined;
    const now = Date.now();
    let head = this.waiting.peek();
    while (head && head.deadline <= now) {
      this.waiting.shift();
      this.bytes -= head.bytes;
      head.command.fail(new OfflineTimeoutError(`waited ${this.limits.timeout} ms for the connection to return: ${head.command.line.trimEnd()}`));
      head = this.waiting.peek();
    }
    this.armTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
