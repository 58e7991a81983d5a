/**
 * The server's fast path (commands.ts, handleText: RETRIEVE and SET read on
 * the chunk's text) answers exactly as the general path does. The same
 * input runs twice on fresh servers: once as it is (the fast path takes
 * the lines it can), once with a monitor connected (every line takes the
 * general path then). Replies, fanned-out lines, their order and the
 * counters must come out byte for byte the same.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH, startTestServer, stopTestServers } from '../helpers/server.js';

const INPUT = [
  'STORE k=v\r\n',
  'STORE long name with spaces =value=with=equals\r\n',
  'STORE \xe4\xf6=\xff\x80 latin1\r\n',
  'STORE gone=soon\r\nREMOVE gone\r\n',
  'RETRIEVE k\r\n',
  'RETRIEVE k\n', // a bare LF
  'RETRIEVE missing\r\n',
  'RETRIEVE gone\r\n', // a tombstone
  'RETRIEVE long name with spaces \r\n',
  'RETRIEVE \xe4\xf6\r\n',
  'RETRIEVE \r\n', // no name: an unknown command
  'RETRIEVEk\r\n',
  'RETRIEVE  k\r\n', // the name is " k"
  'RETRIEVE k\r\r\n', // a stray CR before the CRLF
  'RETR\rIEVE k\r\n', // a stray CR inside
  '\r\n',
  '\n',
  'SET chan=hello\r\n',
  'SET chan=\r\n', // an empty value
  'SET chan==x\r\n',
  'SET chan\r\n', // no "=": unknown
  'SET =x\r\n', // no name: unknown
  'SET chan=a\rb\r\n',
  'SET chan=bare\n',
  'SET chan=\xe4\xff\r\n',
  'SET other=nobody listens\r\n',
  `SET ${'n'.repeat(300)}=a name past the fast path's 256 characters\r\n`,
  'SETX chan=y\r\n',
  'SETANDSTORE chan=both\r\n',
  'NOTIFY chan\r\n',
  'RETRIEVE chan\r\n',
  'FLUSH end\r\n',
].join('');

interface Outcome {
  client: string;
  listener: string;
  readOnly: string;
  counts: string;
  lines: number;
}

async function run(withMonitor: boolean): Promise<Outcome> {
  const { connectUnix, server } = await startTestServer();
  if (withMonitor) {
    const monitor = await connectUnix();
    await monitor.login();
    monitor.write('MONITOR\r\n');
    await monitor.waitFor('=MONITOR\r\n');
  }
  const listener = await connectUnix();
  await listener.login(AUTH.readWrite);
  listener.write('LISTEN chan\r\nFLUSH listening\r\n');
  await listener.waitFor('FLUSHED listening\r\n');
  const client = await connectUnix();
  await client.login(AUTH.readWrite);
  const readOnly = await connectUnix();
  await readOnly.login(AUTH.readOnly);
  const countsBefore = commandCounts(server.metrics());
  const linesBefore = server.stats.linesReceived;

  client.write(INPUT);
  await client.waitFor('FLUSHED end\r\n');
  // Refused SET (permission_denied at the end of the turn), then what a reader may do.
  readOnly.write('SET chan=denied\r\nRETRIEVE k\r\nRETRIEVE nothing\r\nFLUSH ro\r\n');
  await readOnly.waitFor('permission_denied\r\n');
  listener.write('FLUSH done\r\n');
  await listener.waitFor('FLUSHED done\r\n');

  const counts = commandCounts(server.metrics());
  return {
    client: client.received,
    listener: listener.received,
    readOnly: readOnly.received,
    counts: counts.map(([word, count], index) => `${word} ${count - (countsBefore[index]?.[1] ?? 0)}`).join(', '),
    lines: server.stats.linesReceived - linesBefore,
  };
}

function commandCounts(metrics: string): Array<[string, number]> {
  return [...metrics.matchAll(/^clacks_commands_total\{command="([^"]+)"\} (\d+)$/gm)].map((match) => [match[1] as string, Number(match[2])]);
}

describe("the server's fast path", () => {
  afterEach(stopTestServers);

  it('answers RETRIEVE and SET lines byte for byte as the general path does, and counts them the same', async () => {
    const fast = await run(false);
    await stopTestServers();
    const general = await run(true);
    expect(fast).toEqual(general);
    // What the lines above come to, as a check on the comparison itself.
    expect(fast.client).toContain('RETRIEVED k=v\r\nRETRIEVED k=v\r\nNOTRETRIEVED missing\r\nNOTRETRIEVED gone\r\n');
    expect(fast.client).toContain('RETRIEVED long name with spaces =value=with=equals\r\nRETRIEVED \xe4\xf6=\xff\x80 latin1\r\n');
    expect(fast.client).toContain('OVERHEAD E unknown_command RETRIEVE \r\nOVERHEAD E unknown_command RETRIEVEk\r\nNOTRETRIEVED  k\r\nRETRIEVED k=v\r\nRETRIEVED k=v\r\n');
    expect(fast.client).toContain('OVERHEAD E unknown_command SET chan\r\nOVERHEAD E unknown_command SET =x\r\n');
    expect(fast.client).toContain('RETRIEVED chan=both\r\nFLUSHED end\r\n');
    expect(fast.listener).toContain(
      'FLUSHED listening\r\nSET chan=hello\r\nSET chan=\r\nSET chan==x\r\nSET chan=ab\r\nSET chan=bare\r\nSET chan=\xe4\xff\r\nSET chan=both\r\nNOTIFY chan\r\nFLUSHED done\r\n',
    );
    expect(fast.readOnly).toMatch(/RETRIEVED k=v\r\nNOTRETRIEVED nothing\r\nFLUSHED ro\r\nOVERHEAD E permission_denied\r\n$/);
    expect(fast.counts).toContain('RETRIEVE 12');
    expect(fast.counts).toContain('SET 9');
  });
});
