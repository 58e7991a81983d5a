/**
 * Fans incoming events out to every open iterator, each with its own filter,
 * buffer and overflow policy.
 * @module
 */
import { EventQueue, type EventQueueOptions, type EventStream, type OverflowPolicy } from './event-queue.js';
import type { ClacksEvent, ClacksEventType } from './types.js';
import { encodeServerLine } from '../wire/server-lines.js';
import { PendingSetEvent, takeEvent } from './pending-set.js';

/** Decodes SET values for an iterator (a value codec, such as the Perl codec). */
export interface ValueDecoder<V> {
  /** The value carried by `wire` (the text after `=` of a SET line). */
  decode(wire: string): V;
}

/** Options of `client.events()`. */
export interface EventOptions<V = string> {
  /** Only these event types. `unsolicited` events are delivered only when listed here. */
  types?: ClacksEventType[];
  /** Only SET/NOTIFY events for these names (other event types are not affected). */
  names?: string[];
  /** Most events buffered while the consumer is busy. Default: the client's `eventBufferSize`. */
  bufferSize?: number;
  /** Most bytes buffered while the consumer is busy (the events' line lengths). Default: the client's `eventBufferBytes`. */
  bufferBytes?: number;
  /** What happens when the buffer is full. Default: the client's `eventOverflow`. */
  overflow?: OverflowPolicy;
  /** Decode SET values with this codec (for example `perlCodec`); raw strings otherwise. */
  codec?: ValueDecoder<V>;
}

interface Consumer {
  queue: EventQueue<ClacksEvent<unknown>>;
  types: Set<ClacksEventType> | undefined;
  names: Set<string> | undefined;
  decoder: ValueDecoder<unknown> | undefined;
  unsolicited: boolean;
}

/** Default iterator settings of a hub. */
export interface EventHubDefaults {
  bufferSize: number;
  bufferBytes: number;
  overflow: OverflowPolicy;
  /** Told of every event an iterator's bound kept out. */
  onDrop?: (event: ClacksEvent<unknown>, reason: 'count' | 'bytes', overflow: OverflowPolicy) => void;
}

export class EventHub {
  // An array, not a Set: dispatch runs once per incoming event and an indexed
  // loop is the cheapest way through a handful of consumers.
  private consumers: Consumer[] = [];

  constructor(private readonly defaults: EventHubDefaults) {}

  /** Number of open iterators. */
  get size(): number {
    return this.consumers.length;
  }

  /** Events buffered across every iterator, and their bytes. */
  get buffered(): { events: number; bytes: number } {
    let events = 0;
    let bytes = 0;
    for (const consumer of this.consumers) {
      events += consumer.queue.buffered;
      bytes += consumer.queue.bufferedBytes;
    }
    return { events, bytes };
  }

  /** Opens an iterator, an instance of `Queue`; `onClose` runs when it ends. */
  open<V>(
    options: EventOptions<V> = {},
    onClose?: () => void,
    Queue: new (options: EventQueueOptions<ClacksEvent<unknown>>) => EventQueue<ClacksEvent<unknown>> = EventQueue,
  ): EventQueue<ClacksEvent<V>> & EventStream<ClacksEvent<V>> {
    const consumer: Consumer = {
      queue: undefined as unknown as EventQueue<ClacksEvent<unknown>>,
      types: options.types ? new Set(options.types) : undefined,
      names: options.names ? new Set(options.names) : undefined,
      decoder: options.codec as ValueDecoder<unknown> | undefined,
      unsolicited: options.types?.includes('unsolicited') ?? false,
    };
    const overflow = options.overflow ?? this.defaults.overflow;
    const onDrop = this.defaults.onDrop;
    consumer.queue = new Queue({
      bufferSize: options.bufferSize ?? this.defaults.bufferSize,
      bufferBytes: options.bufferBytes ?? this.defaults.bufferBytes,
      overflow,
      take: takeEvent,
      ...(onDrop ? { onDrop: (event: ClacksEvent<unknown>, reason: 'count' | 'bytes') => onDrop(event, reason, overflow) } : {}),
      onClose: () => {
        this.consumers = this.consumers.filter((other) => other !== consumer);
        onClose?.();
      },
    });
    this.consumers.push(consumer);
    return consumer.queue as EventQueue<ClacksEvent<V>>;
  }

  /** Delivers an event to every iterator whose filter accepts it. */
  dispatch(event: ClacksEvent): void {
    const consumers = this.consumers;
    if (consumers.length === 0) return;
    const size = weigh(event);
    for (let i = 0; i < consumers.length; i++) {
      const consumer = consumers[i] as Consumer;
      if (!accepts(consumer, event)) continue;
      if (event.type === 'set' && consumer.decoder) consumer.queue.push(decodeSet(event.name, event.value, consumer.decoder), size);
      else consumer.queue.push(event, size);
    }
  }

  /**
   * Delivers a large SET whose value is still bytes: decoded at once for an
   * iterator with a codec, by the others when their consumer takes it. (A
   * loop of its own: the small events' dispatch stays as it was.)
   */
  dispatchPending(event: PendingSetEvent): void {
    const consumers = this.consumers;
    const size = event.weight;
    for (let i = 0; i < consumers.length; i++) {
      const consumer = consumers[i] as Consumer;
      if (!accepts(consumer, event)) continue;
      if (consumer.decoder) consumer.queue.push(decodeSet(event.name, event.value, consumer.decoder), size);
      else consumer.queue.pushDeferred(event, size);
    }
  }

  /** Ends every iterator (with `error`, when given). */
  endAll(error?: Error): void {
    for (const consumer of [...this.consumers]) consumer.queue.end(error);
    this.consumers = [];
  }
}

/** Whether an iterator's filter lets `event` through. */
function accepts(consumer: Consumer, event: ClacksEvent): boolean {
  if (consumer.types && !consumer.types.has(event.type)) return false;
  if (event.type === 'unsolicited' && !consumer.unsolicited) return false;
  return !((event.type === 'set' || event.type === 'notify') && consumer.names && !consumer.names.has(event.name));
}

/**
 * What an event weighs in an iterator's byte bound: the length of its line
 * on the wire (a decoded value is weighed by its wire form). The strings
 * take about that in memory, plus the event object.
 */
function weigh(event: ClacksEvent): number {
  switch (event.type) {
    case 'set':
      return event.name.length + event.value.length + 6;
    case 'notify':
      return event.name.length + 9;
    case 'debug':
      return event.sender.length + event.text.length + 9;
    case 'error':
      return event.message.length + 13;
    case 'message':
      return event.flags.length + event.text.length + 11;
    case 'unsolicited':
      return encodeServerLine(event.line).length;
    default:
      return 16;
  }
}

function decodeSet(name: string, value: string, decoder: ValueDecoder<unknown>): ClacksEvent<unknown> {
  try {
    return { type: 'set', name, value: decoder.decode(value) };
  } catch (error) {
    return { type: 'error', message: `cannot decode the value of SET ${name}: ${error instanceof Error ? error.message : String(error)}` };
  }
}
