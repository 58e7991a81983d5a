/**
 * The command counts of servers on a link: the KEYSYNC lines of a sync are
 * interclacks commands the server understands and runs, not `unknown`
 * lines (what the metric's help calls lines the server does not understand).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseExposition } from '../helpers/prometheus.js';
import { eventually, flushed, startNetServer, stopProxies } from '../helpers/network.js';
import { stopTestServers } from '../helpers/server.js';

afterEach(async () => {
  await stopTestServers();
  await stopProxies();
});

describe('interclacks lines in clacks_commands_total', () => {
  it('counts the KEYSYNC lines of a sync as KEYSYNC, not as unknown', async () => {
    const master = await startNetServer('master', { unix: true });
    const writer = await master.client();
    writer.write('STORE synced::a=1\r\nSTORE synced::b=2\r\nSTORE synced::c=3\r\n');
    await flushed(writer);
    const slave = await startNetServer('slave', { master: `clacks+unix://${master.socketPath}` });
    await slave.linksUp();
    await master.linksUp();
    await eventually(slave, 'synced::c', '3');

    const onSlave = parseExposition(slave.server.metrics());
    expect(onSlave.value('clacks_commands_total', { command: 'KEYSYNC' })).toBeGreaterThanOrEqual(3);
    expect(onSlave.value('clacks_commands_total', { command: 'unknown' })).toBe(0);
    const onMaster = parseExposition(master.server.metrics());
    expect(onMaster.value('clacks_commands_total', { command: 'unknown' })).toBe(0);
  });
});
