/**
 * wait_for_connection: wait until the host answers over its connection, as Ansible's action
 * (delay, then a test command every `sleep` seconds until `timeout`; each attempt bounded by
 * `connect_timeout`). Waits on the run's clock. Skipped in --check, as Ansible's.
 */
import type { ModuleContext } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

async function sleep(ctx: ModuleContext, ms: number): Promise<void> {
  if (ms <= 0) return;
  try {
    await ctx.clock.sleep(ms, ctx.signal);
  } catch {
    throw new ModuleFailure('wait_for_connection: aborted');
  }
}

/** One attempt: connect and run `true`; the error when it fails. */
async function attempt(ctx: ModuleContext, connectTimeout: number): Promise<string | undefined> {
  try {
    await ctx.connection.connect();
    const r = await ctx.connection.exec('true', { timeoutMs: connectTimeout * 1000 });
    return r.rc === 0 ? undefined : `rc ${r.rc}${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''}`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export const wait_for_connection = defineModule({
  name: 'wait_for_connection',
  description: 'Wait until the host can be reached over its connection and runs a command',
  target: 'remote',
  checkMode: 'none',
  args: {
    delay: { type: 'int', default: 0, description: 'seconds to wait before the first attempt' },
    sleep: { type: 'int', default: 1, description: 'seconds between attempts' },
    timeout: { type: 'int', default: 600, description: 'seconds to wait in all' },
    connect_timeout: { type: 'int', default: 5, description: 'seconds one attempt may take' },
  },
  async check(ctx, args): Promise<{ elapsed: number }> {
    const start = ctx.clock.now();
    await sleep(ctx, args.delay * 1000);
    // as the action plugin: the timeout counts from after the delay; an attempt, then a sleep, while time is left
    const deadline = ctx.clock.now() + args.timeout * 1000;
    const elapsed = (): number => Math.trunc((ctx.clock.now() - start) / 1000);
    let error = 'timeout is 0';
    while (ctx.clock.now() < deadline) {
      const e = await attempt(ctx, args.connect_timeout);
      if (e === undefined) return { elapsed: elapsed() };
      error = e;
      await sleep(ctx, args.sleep * 1000);
    }
    throw new ModuleFailure(`timed out waiting for ping module test: ${error}`, { elapsed: elapsed() });
  },
  plan(s) {
    return { ok: true, reason: `the host answers${s.elapsed ? ` after ${s.elapsed}s` : ''}`, data: { elapsed: s.elapsed } };
  },
});
