/** A clock for tests: sleeps return at once and move its time on. */
import { abortError, type Clock } from '../../src/util/clock.js';

/**
 * A clock that does not wait: a sleep moves its time forward by `ms` and resolves on the next
 * microtask. `slept` lists every sleep, in order (what the executor and modules waited for).
 */
export class ManualClock implements Clock {
  readonly slept: number[] = [];
  constructor(private time = 0) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortError();
    this.slept.push(ms);
    this.time += Math.max(0, ms);
  }
  /** Moves time on without a sleep (a probe that took this long). */
  advance(ms: number): void {
    this.time += ms;
  }
}
