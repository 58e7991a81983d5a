/**
 * Issue 16 with issue 12: the link gauges of a real network's metrics, on
 * the master and on a slave, while the links are up and after the master
 * has gone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseExposition } from '../helpers/prometheus.js';
import { startNetwork, stopProxies } from '../helpers/network.js';
import { stopTestServers, waitUntil } from '../helpers/server.js';

afterEach(async () => {
  await stopTestServers();
  await stopProxies();
});

describe('interclacks links in the metrics', () => {
  it('the master counts its slaves, a slave its master; a lost master shows as down', async () => {
    const { master, slaveA, slaveB } = await startNetwork();
    const onMaster = parseExposition(master.server.metrics());
    expect(onMaster.value('clacks_links', { role: 'slave', state: 'up' })).toBe(2);
    const slavePeers = master.server.links().map((link) => link.peer);
    for (const peer of slavePeers) {
      expect(onMaster.value('clacks_link_up', { role: 'slave', peer })).toBe(1);
      expect(onMaster.value('clacks_link_output_bytes', { role: 'slave', peer })).toBeGreaterThanOrEqual(0);
    }

    const [link] = slaveA.server.links();
    if (link === undefined) throw new Error('slaveA has no link');
    const onSlave = parseExposition(slaveA.server.metrics());
    expect(onSlave.value('clacks_links', { role: 'master', state: 'up' })).toBe(1);
    expect(onSlave.value('clacks_link_up', { role: 'master', peer: link.peer })).toBe(1);
    expect(onSlave.families.has('clacks_link_up')).toBe(true);
    expect(master.server.metrics()).not.toMatch(/password|secret/i);

    await master.server.close();
    await waitUntil(() => slaveB.server.links()[0]?.state !== 'up', 'slaveB to see its master go');
    const afterLoss = parseExposition(slaveB.server.metrics());
    const [lost] = slaveB.server.links();
    if (lost === undefined) throw new Error('slaveB has no link');
    expect(afterLoss.value('clacks_link_up', { role: 'master', peer: lost.peer })).toBe(0);
    expect(() => afterLoss.value('clacks_links', { role: 'master', state: 'up' })).toThrow(/no series/);
    expect(afterLoss.value('clacks_links', { role: 'master', state: lost.state })).toBe(1);
  });
});
