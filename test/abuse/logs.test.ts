/**
 * Issue 10, finding 7 (the server's half): a user without permissions could
 * write 200 MiB into the server's log with 1 MiB `OVERHEAD E` lines, escape
 * sequences passed raw. Now: control characters escaped, lines capped,
 * reports rate-limited per client with a count of what was left out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, stopTestServers, waitUntil } from '../helpers/server.js';
import { ABUSE_USERS, NOBODY } from './helpers.js';

describe('abuse: the server log (finding 7)', () => {
  afterEach(stopTestServers);

  async function logged(limits = {}) {
    const lines: string[] = [];
    const server = await startTestServer({ users: ABUSE_USERS, limits, logger: (_level, message) => lines.push(message) });
    const client = await server.connectUnix();
    await client.login(NOBODY);
    return { ...server, client, lines };
  }

  it('escapes control characters a peer sends (ESC, BEL, CR, DEL, C1) and keeps UTF-8 text', async () => {
    const { client, lines } = await logged();
    // \x1b]0;owned\x07 would retitle the operator's terminal; \x9b is a C1 CSI.
    client.write(Buffer.from(`OVERHEAD E \x1b[31mred\x1b]0;owned\x07 \r tab\there del\x7f csi\x9b2J Grüße\r\nFLUSH f\r\n`, 'utf8'));
    await client.waitFor('FLUSHED f\r\n');
    const line = lines.find((entry) => entry.includes('reports an error'));
    expect(line).toBeDefined();
    // eslint-disable-next-line no-control-regex
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(line).toContain('\\x1b[31mred\\x1b]0;owned\\x07');
    expect(line).toContain('tab\\x09here del\\x7f');
    expect(line).toContain('Grüße');
  });

  it('cuts a long report to maxLogLineLength', async () => {
    const { client, lines } = await logged({ maxLogLineLength: 300 });
    client.write(`OVERHEAD E ${'e'.repeat(1024 * 1024)}\r\nFLUSH f\r\n`);
    await client.waitFor('FLUSHED f\r\n');
    const line = lines.find((entry) => entry.includes('reports an error')) as string;
    expect(line.length).toBeLessThan(360);
    expect(line).toMatch(/… \(\d+ characters\)$/);
  });

  it('logs at most errorLogsPerMinute reports per client, and says how many it left out', async () => {
    const { client, lines, server } = await logged({ errorLogsPerMinute: 5 });
    client.write(`${'OVERHEAD E again and again\r\n'.repeat(200)}FLUSH f\r\n`);
    await client.waitFor('FLUSHED f\r\n');
    expect(lines.filter((entry) => entry.includes('reports an error'))).toHaveLength(5);
    expect(server.stats.errorReportsSuppressed).toBe(195);
    client.destroy();
    await waitUntil(() => lines.some((entry) => entry.includes('195 more error reports that were not logged')), 'the summary line');
  });
});
