import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortError,
  AuthenticationError,
  createClient,
  ProtocolError,
  TimeoutError,
} from '../../src/index.js';
import { startScriptedServer, type ScriptedServer } from '../helpers/scripted-server.js';
import { waitFor } from '../helpers/wait.js';

let scripted: ScriptedServer | undefined;
afterEach(async () => {
  await scripted?.close();
  scripted = undefined;
});

const target = (server: ScriptedServer) => ({ path: server.path, username: 'u', password: 'p', reconnect: false });

describe('timeouts, aborts and a server that breaks the protocol', () => {
  it('times out a request with TimeoutError and still consumes its late reply', async () => {
    const held: Array<() => void> = [];
    scripted = await startScriptedServer({
      onLine: (line, socket) => {
        const name = line.slice('RETRIEVE '.length);
        const reply = (n: number) => socket.write(`RETRIEVED ${name}=${name === 'slow' ? `late-${n}` : 'fresh'}\r\n`);
        if (name === 'slow') {
          const n = held.length + 1;
          held.push(() => reply(n));
        } else reply(0);
      },
    });
    const client = await createClient(target(scripted));
    await expect(client.retrieve('slow', { timeout: 100 })).rejects.toBeInstanceOf(TimeoutError);
    const second = client.retrieve('slow');
    await waitFor(() => held.length === 2, 15_000, 'both RETRIEVE lines');
    // The late reply belongs to the timed-out request, not the second one.
    for (const reply of held) reply();
    expect(await second).toBe('late-2');
    expect(await client.retrieve('other')).toBe('fresh');
    client.destroy();
  });

  it('applies the default request timeout to every read, and keeps matching right after it', async () => {
    // Replies are held, in order, until the test releases them.
    const held: Array<() => void> = [];
    let retrieves = 0;
    scripted = await startScriptedServer({
      onLine: (line, socket) => {
        if (line.startsWith('FLUSH ')) {
          // The probe the client sends after a timeout, to sweep the unanswered request.
          held.push(() => socket.write(`FLUSHED ${line.slice(6)}\r\n`));
          return;
        }
        const name = line.slice('RETRIEVE '.length);
        const n = ++retrieves;
        held.push(() => socket.write(`RETRIEVED ${name}=v-${n}\r\n`));
      },
    });
    const client = await createClient({ ...target(scripted), timeouts: { request: 150 } });
    const started = Date.now();
    const first = client.retrieve('k');
    const second = client.retrieve('k');
    await expect(first).rejects.toBeInstanceOf(TimeoutError);
    await expect(second).rejects.toThrow(/RETRIEVE k got no reply within 150 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
    const third = client.retrieve('k', { timeout: 10_000 });
    await waitFor(() => retrieves === 3, 15_000, 'three RETRIEVE lines');
    expect(scripted.received.some((line) => line.startsWith('FLUSH net-clacks-probe-'))).toBe(true);
    for (const reply of held) reply();
    // The two late replies were consumed by the timed-out requests.
    expect(await third).toBe('v-3');
    client.destroy();
  });

  it('rejects an aborted request with AbortError; an already-aborted signal sends nothing', async () => {
    const held: Array<() => void> = [];
    scripted = await startScriptedServer({
      onLine: (line, socket) => {
        const name = line.slice('RETRIEVE '.length);
        const n = held.length + 1;
        held.push(() => socket.write(`RETRIEVED ${name}=v-${n}\r\n`));
      },
    });
    const client = await createClient(target(scripted));
    const controller = new AbortController();
    const aborted = client.retrieve('k', { signal: controller.signal });
    const next = client.retrieve('k');
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    await waitFor(() => held.length === 2, 15_000, 'both RETRIEVE lines');
    for (const reply of held) reply();
    expect(await next).toBe('v-2');
    await expect(client.retrieve('k', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    await client.flush({ timeout: 50 }).catch(() => {});
    expect(scripted.received.filter((line) => line === 'RETRIEVE k')).toHaveLength(2);
    client.destroy();
  });

  it('rejects createClient with ProtocolError when the server does not greet with CLACKS', async () => {
    scripted = await startScriptedServer({ greeting: 'HELLO there\r\n' });
    await expect(createClient(target(scripted))).rejects.toBeInstanceOf(ProtocolError);
  });

  it('rejects createClient with ProtocolError when no greeting comes within the header timeout', async () => {
    scripted = await startScriptedServer({ greeting: null, auth: null });
    const started = Date.now();
    await expect(createClient({ ...target(scripted), timeouts: { header: 300 } })).rejects.toThrow(/no CLACKS greeting within 300 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('rejects createClient with AuthenticationError on OVERHEAD F', async () => {
    scripted = await startScriptedServer({ auth: 'OVERHEAD F Login failed!\r\n' });
    await expect(createClient(target(scripted))).rejects.toBeInstanceOf(AuthenticationError);
    expect(scripted.connections).toBe(1);
  });

  it('sends the handshake pipelined: CLACKS and OVERHEAD A before any greeting', async () => {
    scripted = await startScriptedServer({ greeting: null, auth: null });
    const connecting = createClient({ ...target(scripted), name: 'pipelined-client', timeouts: { header: 5000 } });
    const deadline = Date.now() + 5000;
    while (!scripted.raw.includes('OVERHEAD A') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    // The server has said nothing yet, but both handshake lines arrived.
    expect(scripted.raw).toBe('CLACKS pipelined-client\r\nOVERHEAD A dQ==:cA==\r\n');
    scripted.sockets[0]?.write('CLACKS PageCamel 36\r\nOVERHEAD M Authentication required\r\nOVERHEAD O Welcome!\r\n');
    const client = await connecting;
    expect(client.serverInfo).toBe('PageCamel 36');
    client.destroy();
  });
});
