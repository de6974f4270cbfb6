/** meta: executor control actions (the `control` channel); the executor acts on them. */
import { defineModule } from './types.js';

export const META_ACTIONS = ['flush_handlers', 'noop', 'end_play', 'end_host', 'end_batch', 'clear_host_errors', 'clear_facts', 'refresh_inventory', 'reset_connection'] as const;
export type MetaAction = (typeof META_ACTIONS)[number];

export const meta = defineModule({
  name: 'meta',
  target: 'controller',
  checkMode: 'full',
  freeForm: 'action',
  args: { action: { type: 'str', required: true, choices: META_ACTIONS } },
  check: async () => ({}),
  plan: (_s, args) => ({ ok: true, reason: `meta: ${args.action}`, control: args.action }),
});
