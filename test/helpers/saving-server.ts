/**
 * A child process for the crash test: a server persisting to argv[2] every
 * 10 ms while a client keeps changing its cache, so that a save is nearly
 * always in progress. Prints "saving" once the file holds its 10,000 keys;
 * runs until killed.
 */
import { connect } from 'node:net';
import { join, dirname } from 'node:path';
import { startServer } from '../../src/server/index.js';

const file = process.argv[2] as string;
const socketPath = join(dirname(file), 'crash.sock');
const server = await startServer({
  socketPath,
  users: [{ username: 'u', password: 'p' }],
  persistFile: file,
  persistInterval: 10,
  cacheCleanInterval: 0,
  pingTimeout: 0,
  logger: (level, message) => {
    if (level !== 'debug') process.stderr.write(`${level}: ${message}\n`);
  },
});

const client = connect(socketPath);
await new Promise((resolve) => client.once('connect', resolve));
let received = '';
client.on('data', (chunk: Buffer) => {
  if (received.length < 1000) received += chunk.toString('latin1');
});
client.write(`OVERHEAD A ${Buffer.from('u').toString('base64')}:${Buffer.from('p').toString('base64')}\r\n`);
let lines = '';
for (let i = 0; i < 10_000; i++) lines += `STORE key${i}=${'v'.repeat(i % 200)} ${i}\r\n`;
client.write(`${lines}FLUSH all-stored\r\n`);
let round = 0;
const change = (): void => {
  round++;
  let batch = '';
  for (let i = 0; i < 500; i++) batch += `STORE key${(round * 500 + i) % 10_000}=round ${round}\r\nREMOVE gone${round}\r\n`;
  client.write(batch, () => setTimeout(change, 1));
};
// Two saves after every key is in: the second began after the FLUSH came back, so the file holds them all.
let savesAtFlush: number | undefined;
const waitForSave = setInterval(() => {
  if (savesAtFlush === undefined && received.includes('FLUSHED all-stored')) {
    savesAtFlush = server.stats.cacheSaves;
    // Changes from now on, so that saves keep coming.
    change();
  }
  if (savesAtFlush !== undefined && server.stats.cacheSaves >= savesAtFlush + 2) {
    clearInterval(waitForSave);
    process.stdout.write('saving\n');
  }
}, 5);
