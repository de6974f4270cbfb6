/** fail: fail the task with a message. */
import type { ModuleDef } from './types.js';
import { ModuleFailure } from './types.js';
import { legacyModule } from './legacy.js';

export type FailArgs = { msg: string };

export const fail = legacyModule({
  name: 'fail',
  target: 'controller',
  checkMode: 'full',
  args: { msg: { type: 'str', default: 'Failed as requested from task' } },
  check: async (_ctx, args) => {
    throw new ModuleFailure(args.msg);
  },
  plan: () => ({ changed: false, reason: 'unreachable' }),
  apply: async () => ({}),
} satisfies ModuleDef<FailArgs, never>);
