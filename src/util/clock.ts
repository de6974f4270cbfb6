/**
 * Time, passed in: the executor and modules read the time and wait only through a Clock, so a
 * test hands in a clock whose sleeps return at once and whose time moves by what was slept.
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with an AbortError as soon as `signal` is aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const done = (): void => {
        signal?.removeEventListener('abort', abort);
        resolve();
      };
      const t = setTimeout(done, Math.max(0, ms));
      function abort(): void {
        clearTimeout(t);
        reject(abortError());
      }
      signal?.addEventListener('abort', abort, { once: true });
    });
  },
};
