/**
 * pause: wait a number of seconds or minutes, as Ansible's pause action. It runs once for the
 * play's hosts (Ansible's BYPASS_HOST_LOOP: the result is registered on the first host only) and
 * waits on the run's clock. A run never reads the terminal mid-run, so a prompt behaves as
 * Ansible's pause without a terminal: with a time it waits that long, without one it returns at
 * once with an empty `user_input`.
 */
import type { ModuleContext } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

/** Python's str(datetime.now()): local time, microseconds. */
function pyNow(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
}

/** Python's repr of round(x, 2): 0.0, 1.01, 2.5. */
function pyRound2(x: number): string {
  const r = Math.round(x * 100) / 100;
  return Number.isInteger(r) ? `${r}.0` : String(r);
}

interface Paused {
  start: number;
  stop: number;
  unit: 'seconds' | 'minutes';
  echo: boolean;
}

async function wait(ctx: ModuleContext, ms: number): Promise<void> {
  if (ms <= 0) return;
  try {
    await ctx.clock.sleep(ms, ctx.signal);
  } catch {
    throw new ModuleFailure('pause: interrupted');
  }
}

export const pause = defineModule({
  name: 'pause',
  description: 'Wait a number of seconds or minutes, once for the play\'s hosts (a prompt without a time does not wait: runs do not read the terminal)',
  target: 'controller',
  checkMode: 'full',
  args: {
    seconds: { type: 'int', description: 'seconds to wait' },
    minutes: { type: 'int', description: 'minutes to wait' },
    prompt: { type: 'str', description: 'text shown while pausing' },
    echo: { type: 'bool', default: true, description: 'whether the answer would be echoed (registered as `echo`)' },
  },
  mutuallyExclusive: [['minutes', 'seconds']],
  async check(ctx, args): Promise<Paused> {
    let ms = 0;
    let unit: Paused['unit'] = 'minutes';
    if (args.minutes !== undefined) ms = args.minutes * 60_000;
    else if (args.seconds !== undefined) {
      ms = args.seconds * 1000;
      unit = 'seconds';
    }
    if (args.prompt) ctx.log(`[pause] ${args.prompt}`);
    const start = ctx.clock.now();
    await wait(ctx, ms);
    return { start, stop: ctx.clock.now(), unit, echo: args.echo };
  },
  plan(s) {
    const secs = (s.stop - s.start) / 1000;
    const stdout = `Paused for ${pyRound2(s.unit === 'minutes' ? secs / 60 : secs)} ${s.unit}`;
    return {
      ok: true,
      reason: stdout,
      data: { start: pyNow(s.start), stop: pyNow(s.stop), delta: Math.trunc(secs), user_input: '', stdout, stderr: '', rc: 0, echo: s.echo },
    };
  },
});
