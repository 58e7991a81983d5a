/**
 * A chat, after the chat example of the Perl distribution: every line you
 * type is sent with SET to the room's channel; what others type is printed
 * as it arrives. (A client never gets its own SET back.)
 *
 *   npx tsx examples/chat.ts --demo              # chat with a bot on an embedded server
 *   CLACKS_URL=... npx tsx examples/chat.ts --name alice --room Lobby
 *
 * Without CLACKS_URL the chat starts its own server, and the bot joins (no
 * one else could). Reading from a pipe, it sends each line, waits for the
 * bot's answers, and leaves at the end of the input:
 *
 *   printf 'hello\nhow are you?\n' | npx tsx examples/chat.ts --demo
 */
import { clearLine, createInterface, cursorTo } from 'node:readline';
import { parseArgs } from 'node:util';
import { createClient, type ClacksClient } from '../src/index.js';
import { exampleServer, exitIfStuck } from './support/example-server.js';

const { values: args } = parseArgs({
  options: {
    name: { type: 'string', default: process.env.USER ?? 'someone' },
    room: { type: 'string', default: 'Lobby' },
    demo: { type: 'boolean', default: false },
  },
});
const nick = args.name.replace(/[^\w.-]/g, '_');
const channel = `Chat::${args.room}`;
const interactive = process.stdin.isTTY === true;

const target = await exampleServer();
const client = await createClient(target.url, { name: `example-chat ${nick}` });
const room = client.subscribe(channel);
await room.ready;
await client.flush();

const bot = args.demo || target.embedded ? await startBot(target.url) : undefined;

const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive, prompt: `${nick}> ` });
/** Prints a line without trampling what is being typed. */
const show = (text: string) => {
  if (interactive) {
    clearLine(process.stdout, 0);
    cursorTo(process.stdout, 0);
    console.log(text);
    rl.prompt(true);
  } else {
    console.log(text);
  }
};

let botAnswers = 0;
const printing = (async () => {
  for await (const event of room) {
    if (event.type === 'set') {
      show(event.value);
      if (event.value.startsWith('bot: ')) botAnswers++;
    } else if (event.type === 'reconnected') {
      show('*** reconnected; messages sent meanwhile were missed');
    }
  }
})();

show(`*** you are ${nick} in ${channel}${bot ? ', with a bot' : ''}; Ctrl-D leaves`);
await client.set(channel, `*** ${nick} joined`);

let sent = 0;
rl.on('line', (line) => {
  const text = line.trim();
  if (text !== '') {
    // One line per message: the value of a SET cannot hold a line break.
    void client.set(channel, `${nick}: ${text}`);
    sent++;
    if (!interactive) console.log(`${nick}: ${text}`);
  }
  if (interactive) rl.prompt();
});
rl.on('SIGINT', () => rl.close());
if (interactive) rl.prompt();
await new Promise<void>((resolve) => rl.once('close', resolve));

if (bot && !interactive) {
  // Reading from a pipe: wait for the bot to answer everything before leaving.
  exitIfStuck(15_000, 'Waiting for the bot');
  while (botAnswers < sent) await new Promise((resolve) => setTimeout(resolve, 20));
}
await client.set(channel, `*** ${nick} left`);
room.unsubscribe();
await printing;
await client.close();
await bot?.close();
await target.close();

/** A bot in the room: answers every message that is not its own or a join/leave notice. */
async function startBot(url: string): Promise<ClacksClient> {
  const botClient = await createClient(url, { name: 'example-chat bot' });
  const messages = botClient.subscribe(channel);
  await messages.ready;
  await botClient.flush();
  void (async () => {
    for await (const event of messages) {
      if (event.type !== 'set' || event.value.startsWith('***')) continue;
      const colon = event.value.indexOf(': ');
      const who = event.value.slice(0, colon);
      const said = event.value.slice(colon + 2);
      await botClient.set(channel, `bot: ${who}, you said "${said}" (${said.length} characters)`);
    }
  })();
  return botClient;
}
