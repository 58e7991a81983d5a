/**
 * Issue 16: tracing and metrics through node:diagnostics_channel, as
 * node-redis and ioredis provide them (`net-clacks:command` and
 * `net-clacks:connect` TracingChannels, plain channels for status changes and
 * dropped events), `client.stats()`, and `NODE_DEBUG=net-clacks`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { CHANNELS, PermissionDeniedError, type CommandTraceContext, type ConnectTraceContext, type DroppedEventMessage, type StatusMessage } from '../../src/index.js';
import { startEnv, useTestEnv } from '../helpers/client-env.js';
import { CHILD_TIMEOUT, runNode } from '../cli/cli-process.js';

const env = useTestEnv({}, { build: true });

type Phase = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error';

/** Subscribes to every phase of a TracingChannel; `stop()` unsubscribes. */
function record<C extends object>(name: string): { events: Array<{ phase: Phase; context: C; snapshot: C }>; stop: () => void } {
  const channel = diagnostics.tracingChannel<unknown, C>(name);
  const events: Array<{ phase: Phase; context: C; snapshot: C }> = [];
  const on = (phase: Phase) => (context: C) => events.push({ phase, context, snapshot: { ...context } });
  const handlers = { start: on('start'), end: on('end'), asyncStart: on('asyncStart'), asyncEnd: on('asyncEnd'), error: on('error') };
  channel.subscribe(handlers);
  return { events, stop: () => channel.unsubscribe(handlers) };
}

describe('the net-clacks:command TracingChannel', () => {
  it('traces each command from the call to its settling, with name, key and server', async () => {
    const client = await env.connect('unix');
    const trace = record<CommandTraceContext>(CHANNELS.command);
    try {
      await client.store('traced::k', 'the value');
      expect(await client.retrieve('traced::k')).toBe('the value');
      await client.flush();
    } finally {
      trace.stop();
    }
    const starts = trace.events.filter((event) => event.phase === 'start').map((event) => event.snapshot);
    expect(starts.map((context) => [context.command, context.key])).toEqual([
      ['STORE', 'traced::k'],
      ['RETRIEVE', 'traced::k'],
      ['FLUSH', undefined],
    ]);
    for (const context of starts) {
      expect(context).toMatchObject({ server: `clacks+unix://exampleuser:***@localhost${env.socketPath}`, serverAddress: env.socketPath, serverPort: undefined });
    }
    const retrieve = trace.events.filter((event) => event.snapshot.command === 'RETRIEVE').map((event) => event.phase);
    expect(retrieve).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    expect(trace.events.find((event) => event.phase === 'asyncEnd' && event.snapshot.command === 'RETRIEVE')?.snapshot.result).toBe('the value');
    // The value of a STORE is never part of a trace.
    expect(trace.events.filter((event) => event.snapshot.command === 'STORE').every((event) => !JSON.stringify(event.snapshot).includes('the value'))).toBe(true);
  });

  it('publishes error before asyncEnd when a command fails, and TLS targets carry host and port', async () => {
    const reader = await env.connect('tls', { user: 'wouser' }); // may write, may not read
    const trace = record<CommandTraceContext>(CHANNELS.command);
    try {
      await expect(reader.retrieve('secret')).rejects.toBeInstanceOf(PermissionDeniedError);
    } finally {
      trace.stop();
    }
    const phases = trace.events.filter((event) => event.snapshot.command === 'RETRIEVE').map((event) => event.phase);
    expect(phases).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    const failed = trace.events.find((event) => event.phase === 'error')?.snapshot;
    expect(failed?.error).toBeInstanceOf(PermissionDeniedError);
    expect(failed).toMatchObject({ serverAddress: '127.0.0.1', serverPort: env.port, server: `clacks://wouser:***@127.0.0.1:${env.port}` });
  });

  it('runs start in the caller\'s async context, so an APM can parent its span', async () => {
    const client = await env.connect('unix');
    const storage = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    const start = (message: unknown) => void seen.push(`${(message as CommandTraceContext).command}:${storage.getStore()}`);
    const channel = diagnostics.tracingChannel<unknown, CommandTraceContext>(CHANNELS.command);
    channel.start.subscribe(start); // one phase alone is enough to be traced
    try {
      await storage.run('request-42', () => client.retrieve('anything'));
    } finally {
      channel.start.unsubscribe(start);
    }
    expect(seen).toEqual(['RETRIEVE:request-42']);
  });

  it('a write nobody awaits that fails does not become an unhandled rejection while traced', async () => {
    const client = await env.connect('unix', { offlineQueue: false, reconnect: false });
    const trace = record<CommandTraceContext>(CHANNELS.command);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      client.destroy();
      void client.store('k', 'v'); // rejects: the client is closed
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      trace.stop();
      process.off('unhandledRejection', onUnhandled);
    }
    expect(trace.events.map((event) => event.phase)).toContain('error');
    expect(unhandled).toEqual([]);
  });
});

describe('the net-clacks:connect TracingChannel', () => {
  it('traces the first connection and every reconnect attempt', async () => {
    const scratch = await startEnv();
    const trace = record<ConnectTraceContext>(CHANNELS.connect);
    try {
      const client = await scratch.connect('unix', { reconnectPolicy: () => 20 });
      const reconnected = (async () => {
        for await (const event of client.status()) if (event.type === 'reconnected') return;
      })();
      await scratch.restart();
      await reconnected;
    } finally {
      trace.stop();
      await scratch.dispose();
    }
    const starts = trace.events.filter((event) => event.phase === 'start').map((event) => event.snapshot);
    expect(starts[0]).toMatchObject({ attempt: 1, reconnect: false, serverAddress: scratch.socketPath, server: `clacks+unix://exampleuser:***@localhost${scratch.socketPath}` });
    expect(starts.slice(1).every((context) => context.reconnect)).toBe(true);
    expect(starts.length).toBeGreaterThanOrEqual(2);
    expect(trace.events.filter((event) => event.phase === 'asyncEnd').length).toBe(starts.length);
  });

  it('an attempt that fails publishes error', async () => {
    const trace = record<ConnectTraceContext>(CHANNELS.connect);
    try {
      await expect(env.connect('unix', { pass: 'wrong' })).rejects.toThrow(/authentication failed/);
    } finally {
      trace.stop();
    }
    expect(trace.events.map((event) => event.phase)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
  });
});

describe('plain channels', () => {
  it('net-clacks:status carries every status change with its client', async () => {
    const messages: StatusMessage[] = [];
    const listener = (message: unknown) => messages.push(message as StatusMessage);
    diagnostics.subscribe(CHANNELS.status, listener);
    let client;
    try {
      client = await env.connect('unix');
      await client.close();
    } finally {
      diagnostics.unsubscribe(CHANNELS.status, listener);
    }
    expect(messages.filter((message) => message.client === client).map((message) => message.event.type)).toEqual(['connecting', 'connected', 'closed']);
  });

  it('net-clacks:event-dropped reports each event an iterator had no room for', async () => {
    const messages: DroppedEventMessage[] = [];
    const listener = (message: unknown) => messages.push(message as DroppedEventMessage);
    diagnostics.subscribe(CHANNELS.eventDropped, listener);
    try {
      const client = await env.connect('unix');
      const producer = await env.connect('unix');
      const subscription = client.subscribe('dropping', { bufferSize: 2 });
      await subscription.ready;
      for (let i = 0; i < 5; i++) await producer.set('dropping', String(i));
      await producer.flush();
      await client.flush();
      expect(subscription.dropped).toBe(3);
      expect(messages).toEqual([0, 1, 2].map(() => ({ client, type: 'set', reason: 'count', overflow: 'drop-oldest' })));
    } finally {
      diagnostics.unsubscribe(CHANNELS.eventDropped, listener);
    }
  });
});

describe('client.stats()', () => {
  it('counts commands, replies, events, drops, reconnects and bytes, across reconnects', async () => {
    const scratch = await startEnv();
    try {
      const client = await scratch.connect('unix', { reconnectPolicy: () => 20, pingInterval: false });
      const producer = await scratch.connect('unix');
      const start = client.stats();
      expect(start).toMatchObject({ commandsSent: 0, repliesReceived: 0, eventsReceived: 0, eventsDropped: 0, reconnects: 0 });
      expect(start.bytesIn).toBeGreaterThan(0); // the greeting and the login reply
      expect(start.bytesOut).toBeGreaterThan(0);

      await client.store('stats::k', 'v');
      await client.retrieve('stats::k');
      await client.keylist();
      const subscription = client.subscribe('stats::signal', { bufferSize: 1 });
      await subscription.ready; // LISTEN + FLUSH
      await producer.set('stats::signal', 'a');
      await producer.set('stats::signal', 'b');
      await producer.flush();
      await client.flush();
      const before = client.stats();
      expect(before.commandsSent).toBe(6); // STORE, RETRIEVE, KEYLIST, LISTEN, FLUSH, FLUSH
      expect(before.repliesReceived).toBe(4); // RETRIEVED, KEYLIST block, FLUSHED twice
      expect(before.eventsReceived).toBe(2);
      expect(before.eventsDropped).toBe(1);
      expect(before.bufferedEvents).toBe(1);

      const reconnected = (async () => {
        for await (const event of client.status()) if (event.type === 'reconnected') return;
      })();
      await scratch.restart();
      await reconnected;
      await client.retrieve('stats::k');
      const after = client.stats();
      expect(after.reconnects).toBe(1);
      expect(after.bytesIn).toBeGreaterThan(before.bytesIn); // the old connection's bytes are kept
      expect(after.bytesOut).toBeGreaterThan(before.bytesOut);
      expect(after.commandsSent).toBeGreaterThan(before.commandsSent);
      expect(after.pendingRequests).toBe(0);
    } finally {
      await scratch.dispose();
    }
  });
});

describe('NODE_DEBUG=net-clacks', () => {
  it('prints the protocol lines in and out, never the password or the login token', { timeout: CHILD_TIMEOUT }, async () => {
    const url = `clacks+unix://exampleuser:unsafepassword@localhost${env.socketPath}`;
    const script = `
      const { createClient } = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).pathname)});
      const client = await createClient(${JSON.stringify(url)});
      await client.store('debug::k', 'v\\u001b[31m');
      console.log(await client.retrieve('debug::k'));
      await client.sendRaw('OVERHEAD A c29tZW9uZQ==:c2VjcmV0');
      await client.close();
    `;
    const result = await runNode(['--input-type=module', '-e', script], { env: { NODE_DEBUG: 'net-clacks' } });
    expect(result.code).toBe(0);
    const lines = result.stderr.split('\n');
    const prefix = /^NET-CLACKS \d+: /;
    expect(lines.filter((line) => prefix.test(line)).length).toBeGreaterThan(5);
    expect(result.stderr).toContain('> CLACKS net-clacks/');
    expect(result.stderr).toContain('> OVERHEAD A ***');
    expect(result.stderr).toContain('< OVERHEAD O Welcome!');
    expect(result.stderr).toContain('> STORE debug::k=v\\x1b[31m'); // control characters escaped
    expect(result.stderr).toContain('< RETRIEVED debug::k=v\\x1b[31m');
    expect(result.stderr).toContain(`clacks+unix://exampleuser:***@localhost${env.socketPath}`);
    expect(result.stderr).not.toContain('unsafepassword');
    expect(result.stderr).not.toContain('dW5zYWZlcGFzc3dvcmQ='); // base64 of the password
    expect(result.stderr).not.toContain('c2VjcmV0');
    expect(result.stderr).not.toContain('\u001b');

    // And nothing at all without NODE_DEBUG.
    const quiet = await runNode(['--input-type=module', '-e', script]);
    expect(quiet).toMatchObject({ code: 0, stderr: '' });
  });

});
