/** `clacks clients` marks interclacks links: this server's master, and its slaves. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHILD_TIMEOUT, ensureBuilt, runCli } from '../cli/cli-process.js';
import { startNetServer } from '../helpers/network.js';
import { stopTestServers } from '../helpers/server.js';

beforeAll(ensureBuilt, 300_000);
afterAll(stopTestServers);

it('clients: a LINK column says master or slave, and the footer counts the links', { timeout: CHILD_TIMEOUT }, async () => {
  const master = await startNetServer('master');
  const slave = await startNetServer('slave', { master: `clacks+unix://${master.socketPath}` });
  await slave.linksUp();
  const url = (server: typeof master) => `clacks+unix://exampleuser:unsafepassword@localhost${server.socketPath}`;
  const onSlave = await runCli(['clients', '--url', url(slave)]);
  expect(onSlave.code).toBe(0);
  expect(onSlave.stdout).toMatch(/^CID\s+CLIENT\s+MONITOR\s+LINK\s/m);
  expect(onSlave.stdout).toMatch(/^unixdomainsocket:interclacksmaster\s+net-clacks \S+ in interclacks master mode\s+no\s+master\s/m);
  expect(onSlave.stdout).toMatch(/2 clients, 1 of them interclacks link$/m);
  const onMaster = await runCli(['clients', '--url', url(master)]);
  expect(onMaster.stdout).toMatch(/in interclacks client mode \(server-id [0-9a-f]+\)\s+no\s+slave\s/);
  expect(onMaster.stdout).toMatch(/^\S+\s+clacks-cli\/\S+ clients\s+no\s+-\s/m);
});
