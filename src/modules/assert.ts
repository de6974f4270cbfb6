/** assert: every condition in `that` must hold (evaluated like `when:`), else the task fails. */
import { evalCondition } from '../template/index.js';
import { defineModule, ModuleFailure } from './types.js';

export const assert = defineModule({
  name: 'assert',
  target: 'controller',
  checkMode: 'full',
  args: {
    that: { type: 'list', required: true },
    fail_msg: { type: 'raw', aliases: ['msg'] },
    success_msg: { type: 'raw', default: 'All assertions passed' },
    quiet: { type: 'bool', default: false },
  },
  async check(ctx, args) {
    for (const cond of args.that) {
      let ok: boolean;
      try {
        ok = evalCondition(cond, { ...ctx.vars });
      } catch (e) {
        throw new ModuleFailure(`assert: the conditional check '${String(cond)}' failed: ${(e as Error).message}`, { assertion: cond });
      }
      if (!ok) throw new ModuleFailure(typeof args.fail_msg === 'string' ? args.fail_msg : `Assertion failed: ${String(cond)}`, { assertion: cond, evaluated_to: false, ...(args.fail_msg !== undefined && typeof args.fail_msg !== 'string' ? { msg: args.fail_msg } : {}) });
    }
    return {};
  },
  plan: (_s, args) => ({ ok: true, reason: 'all assertions passed', data: args.quiet ? {} : { msg: args.success_msg } }),
});
