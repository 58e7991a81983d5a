/**
 * Issue 10, finding 5: no brute-force throttling (5,100 guesses a second on
 * the Unix socket), and a wrong password for an existing user took longer
 * than one for an unknown user. Scaled down: two free failures, then waits
 * of 300-600 ms per source, proved through the server's counters.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH, GREETING_TAIL, startTestServer, stopTestServers, waitUntil, type RawConnection } from '../helpers/server.js';
import { connectTlsFrom, token } from './helpers.js';

const THROTTLE = { freeLoginFailures: 2, loginFailureDelay: 300, maxLoginFailureDelay: 600 };
const FAILED = 'OVERHEAD F Login failed!\r\n';

async function guess(connect: () => Promise<RawConnection>, line: string): Promise<RawConnection> {
  const peer = await connect();
  peer.write(`CLACKS guesser\r\n${line}`);
  return peer;
}

describe('abuse: login throttling (finding 5)', () => {
  afterEach(stopTestServers);

  it('checks a source\'s logins one at a time, with a growing wait, once its free failures are used', async () => {
    const { connectUnix, server } = await startTestServer({ limits: THROTTLE });
    // Eight guesses at once, each on its own connection: more connections buy no more guesses.
    const guesses = await Promise.all(Array.from({ length: 8 }, (_, i) => guess(connectUnix, token('exampleuser', `wrong${i}`))));
    await waitUntil(() => server.usage().loginThrottle.waiting >= 1, 'a login to wait for the throttle');
    for (const peer of guesses) await peer.waitForClose();
    for (const peer of guesses) expect(peer.received.endsWith(FAILED)).toBe(true);
    expect(server.stats.authFailures).toBe(8);
    expect(server.stats.loginsThrottled).toBeGreaterThanOrEqual(5);
    expect(server.usage().loginThrottle).toEqual({ sources: 1, waiting: 0 });
  });

  it('makes a good password wait its turn too, then answers pipelined commands in the reference order', async () => {
    const { connectUnix, server } = await startTestServer({ limits: THROTTLE });
    for (let i = 0; i < 3; i++) await (await guess(connectUnix, token('exampleuser', 'wrong'))).waitForClose();
    const throttledBefore = server.stats.loginsThrottled;
    const good = await connectUnix();
    good.write(`CLACKS good\r\n${AUTH.main}STORE k=v\r\nRETRIEVE k\r\nFLUSH f\r\n`);
    await good.waitFor('Welcome!\r\n');
    expect(server.stats.loginsThrottled).toBe(throttledBefore + 1);
    // Direct replies of the pipelined lines first, the end-of-turn Welcome last (PROTOCOL.md, ordering caveat).
    expect(good.received).toMatch(new RegExp(`${GREETING_TAIL}RETRIEVED k=v\\r\\nFLUSHED f\\r\\nOVERHEAD O Welcome!\\r\\n$`));
    // A success does not clear the failures: one more wrong guess, and the next one waits again (longer).
    await (await guess(connectUnix, token('exampleuser', 'wrong'))).waitForClose();
    await (await guess(connectUnix, token('exampleuser', 'wrong'))).waitForClose();
    expect(server.stats.loginsThrottled).toBe(throttledBefore + 2);
  });

  it('counts unknown users like wrong passwords', async () => {
    const { connectUnix, server } = await startTestServer({ limits: THROTTLE });
    for (let i = 0; i < 3; i++) await (await guess(connectUnix, token(`nosuchuser${i}`, 'x'))).waitForClose();
    const known = await guess(connectUnix, token('rouser', 'wrong'));
    await known.waitForClose();
    expect(server.stats.loginsThrottled).toBe(1);
    expect(server.stats.authFailures).toBe(4);
  });

  it('throttles each source on its own, and remembers at most maxLoginThrottleSources of them', async () => {
    const testServer = await startTestServer({ unix: false, tls: true, limits: { ...THROTTLE, maxLoginThrottleSources: 2 } });
    const { server } = testServer;
    const from = (address: string) => () => connectTlsFrom(testServer, address);
    for (let i = 0; i < 3; i++) await (await guess(from('127.0.0.2'), token('exampleuser', 'wrong'))).waitForClose();
    // Another address has its free failures still.
    await (await guess(from('127.0.0.3'), token('exampleuser', 'wrong'))).waitForClose();
    expect(server.stats.loginsThrottled).toBe(0);
    const throttled = await guess(from('127.0.0.2'), token('exampleuser', 'wrong'));
    await throttled.waitForClose();
    expect(server.stats.loginsThrottled).toBe(1);
    await (await guess(from('127.0.0.4'), token('exampleuser', 'wrong'))).waitForClose();
    expect(server.usage().loginThrottle.sources).toBe(2);
  });
});
