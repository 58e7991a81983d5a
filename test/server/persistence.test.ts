/** `persistFile`: atomic saves on an interval and on shutdown, loading on start, surviving a corrupt file. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, stopTestServers, waitUntil } from '../helpers/server.js';

// UTF-8, invalid UTF-8 and a NUL byte, as latin1 (one char per byte) like the wire.
const VALUE = Buffer.from([...Buffer.from('Grüße € 🚀 '), 0xff, 0xfe, 0x00, 0x41]).toString('latin1');

describe('persistence', () => {
  afterEach(stopTestServers);

  it('saves on shutdown and loads on start, byte for byte', async () => {
    const first = await startTestServer({ persistInterval: 0 });
    const persistFile = join(first.directory, 'cache.json');
    await first.server.close();

    const writer = await startTestServer({ directory: first.directory, persistFile });
    const client = await writer.connectUnix();
    await client.login();
    client.write(`STORE text=${VALUE}\r\nSTORE gone=1\r\nREMOVE gone\r\nINCREMENT n=2.5\r\nFLUSH stored\r\n`);
    await client.waitFor('FLUSHED stored\r\n');
    await writer.server.close();
    // The file is UTF-8 JSON where the data is UTF-8; no temporary file is left behind.
    expect(readFileSync(persistFile, 'utf8')).toContain('Grüße € 🚀');
    expect(readdirSync(first.directory).filter((name) => name.includes('.tmp'))).toEqual([]);

    const reader = await startTestServer({ directory: first.directory, persistFile });
    const again = await reader.connectUnix();
    await again.login();
    again.write('RETRIEVE text\r\nRETRIEVE n\r\nKEYLIST\r\n');
    await again.waitFor('KEYLISTEND\r\n');
    expect(again.received).toContain(`RETRIEVED text=${VALUE}\r\nRETRIEVED n=2.5\r\nKEYLISTSTART\r\nKEY n\r\nKEY text\r\nKEYLISTEND\r\n`);
  });

  it('saves every persistInterval when the cache changed', async () => {
    const target = await startTestServer({ persistInterval: 100 });
    const persistFile = join(target.directory, 'cache.json');
    await target.server.close();
    const running = await startTestServer({ directory: target.directory, persistFile, persistInterval: 100 });
    const client = await running.connectUnix();
    await client.login();
    client.write('STORE k=v\r\n');
    await waitUntil(() => {
      try {
        return readFileSync(persistFile, 'utf8').includes('"k","v"');
      } catch {
        return false;
      }
    }, 'the cache file to be written');
  });

  it('reports a corrupt file and starts with an empty cache', async () => {
    const scratch = await startTestServer();
    await scratch.server.close();
    const persistFile = join(scratch.directory, 'cache.json');
    writeFileSync(persistFile, '{"format":"net-clacks-cache","entries":[["half');
    const logged: string[] = [];
    const target = await startTestServer({
      directory: scratch.directory,
      persistFile,
      logger: (level, message) => logged.push(`${level}: ${message}`),
    });
    expect(logged.some((line) => line.startsWith('error:') && line.includes('corrupt'))).toBe(true);
    const client = await target.connectUnix();
    await client.login();
    client.write('KEYLIST\r\n');
    await client.waitFor('KEYLISTSTART\r\nKEYLISTEND\r\n');
  });
});
