/** async_status: the state of a background job started with `async` (mode status), or its files removed (mode cleanup). */
import { jobCleanup, jobStatus } from './lib/async-job.js';
import { defineModule, ModuleFailure } from './types.js';

export const async_status = defineModule({
  name: 'async_status',
  target: 'remote',
  checkMode: 'full',
  args: {
    jid: { type: 'str', required: true },
    mode: { type: 'str', default: 'status', choices: ['status', 'cleanup'] },
  },
  async check(ctx, args) {
    if (args.mode === 'cleanup') return undefined;
    return jobStatus(ctx.connection, args.jid, ctx.become ? { become: ctx.become } : {});
  },
  plan(status, args) {
    if (args.mode === 'cleanup') return { change: args.jid, summary: `remove the files of job ${args.jid}`, unchanged: true };
    const st = status ?? {};
    if (st['failed'] === true) {
      const { msg, ...rest } = st;
      throw new ModuleFailure(typeof msg === 'string' ? msg : `job ${args.jid} failed`, rest);
    }
    const finished = st['finished'] === 1;
    return { ok: true, reason: finished ? `job ${args.jid} finished` : `job ${args.jid} still running`, data: st, ...(st['changed'] === true ? { changed: true as const } : {}) };
  },
  apply: (ctx, jid) => jobCleanup(ctx.connection, jid, ctx.become ? { become: ctx.become } : {}),
});
