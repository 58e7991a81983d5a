/**
 * A scripted peer for the edge cases a real server will not produce (silent
 * servers, late or malformed replies). It greets and authenticates like the
 * reference, then hands every other line to the test's script.
 */
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { ClacksClient } from '../../src/index.js';

export interface ScriptedServer {
  path: string;
  sockets: net.Socket[];
  /** Lines received after authentication, per connection. */
  received: string[];
  /** Everything received, as text, across connections. */
  raw: string;
  connections: number;
  close(): Promise<void>;
}

export interface Script {
  /** Greeting to send; default the reference's. `null` sends nothing. */
  greeting?: string | null;
  /** Answer to OVERHEAD A; default Welcome. `null` answers nothing. */
  auth?: string | null;
  /** Called for each line after authentication. */
  onLine?: (line: string, socket: net.Socket) => void;
  /** Called once the authentication answer has been written (a server that drops clients right after the login). */
  afterAuth?: (socket: net.Socket) => void;
}

export async function startScriptedServer(script: Script = {}): Promise<ScriptedServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'net-clacks-scripted-'));
  const socketPath = path.join(dir, 's.sock');
  const state: ScriptedServer = {
    path: socketPath,
    sockets: [],
    received: [],
    raw: '',
    connections: 0,
    close: async () => {
      for (const socket of state.sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const server = net.createServer((socket) => {
    state.connections++;
    state.sockets.push(socket);
    socket.on('error', () => {});
    const greeting = script.greeting === undefined ? 'CLACKS PageCamel 36\r\nOVERHEAD M Authentication required\r\n' : script.greeting;
    if (greeting !== null) socket.write(greeting);
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      state.raw += chunk.toString('utf8');
      let newline = buffer.indexOf('\n');
      while (newline !== -1) {
        const line = buffer.slice(0, newline).replace(/\r/g, '');
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
        if (line === '' || line.startsWith('CLACKS ')) continue;
        if (line.startsWith('OVERHEAD A ')) {
          const auth = script.auth === undefined ? 'OVERHEAD O Welcome!\r\n' : script.auth;
          if (auth !== null) socket.write(auth);
          script.afterAuth?.(socket);
          continue;
        }
        state.received.push(line);
        script.onLine?.(line, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return state;
}

/** A test's scripted server and the client talking to it, both released after each test. */
export interface ScriptedScene {
  scripted: ScriptedServer | undefined;
  client: ClacksClient | undefined;
}

/** A scene released after each test: the client destroyed, the scripted server closed. */
export function useScriptedScene(): ScriptedScene {
  const scene: ScriptedScene = { scripted: undefined, client: undefined };
  afterEach(async () => {
    scene.client?.destroy();
    scene.client = undefined;
    await scene.scripted?.close();
    scene.scripted = undefined;
  });
  return scene;
}
