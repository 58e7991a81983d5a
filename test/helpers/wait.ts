/**
 * Small waiting helpers for tests: bounded, never fixed sleeps. The bound is
 * only there to fail a test that waits for something that never comes, so it
 * is generous: a reconnect, a TLS handshake or a page on a loaded CI machine
 * takes several times longer than here.
 */

/** How long a wait lasts unless told: as long as the server helpers' DEADLINE_MS. */
const WAIT_MS = 15_000;

/** Resolves with the first event matching `match` from an async iterator, or rejects after `ms`. */
export async function nextMatching<T>(iterator: AsyncIterator<T>, match: (value: T) => boolean, ms = WAIT_MS): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`no matching event within ${ms} ms`);
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no matching event within ${ms} ms`)), remaining);
      }),
    ]).finally(() => clearTimeout(timer));
    if (result.done) throw new Error('the iterator ended before a matching event');
    if (match(result.value)) return result.value;
  }
}

/** Waits until `check` returns true, polling; rejects after `ms`. */
export async function waitFor(check: () => boolean, ms = WAIT_MS, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
