/** fail: fail the task with a message. */
import { defineModule, ModuleFailure } from './types.js';

export const fail = defineModule({
  name: 'fail',
  target: 'controller',
  checkMode: 'full',
  args: { msg: { type: 'str', default: 'Failed as requested from task' } },
  check: async (_ctx, args): Promise<never> => {
    throw new ModuleFailure(args.msg);
  },
  plan: () => ({ ok: true, reason: 'unreachable' }),
});
