/** Review: OVERHEAD S with a delay beyond what one Node timer can hold. */
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, startTestServer, stopTestServers } from '../helpers/server.js';

describe('review: OVERHEAD S', () => {
  afterEach(stopTestServers);

  it('a shutdown weeks away (or never) does not happen at once', async () => {
    const { connectUnix } = await startTestServer();
    const main = await connectUnix();
    await main.login();
    // 30 days, and Infinity: past setTimeout's 2^31-1 ms, which Node turns into 1 ms.
    main.write('OVERHEAD S 2592000\r\nFLUSH one\r\n');
    await main.waitFor('FLUSHED one\r\n');
    main.write('OVERHEAD S Infinity\r\nFLUSH two\r\n');
    await main.waitFor('FLUSHED two\r\n');
    await sleep(300);
    main.write('FLUSH three\r\n');
    await main.waitFor('FLUSHED three\r\n');
    expect(main.received).not.toContain('QUIT');
    expect(main.closed).toBe(false);
  });
});
