/** meta: executor control actions (data.__meta = action); the executor acts on them. */
import type { ModuleDef } from './types.js';
import { legacyModule } from './legacy.js';

export const META_ACTIONS = ['flush_handlers', 'noop', 'end_play', 'end_host', 'end_batch', 'clear_host_errors', 'clear_facts', 'refresh_inventory', 'reset_connection'] as const;
export type MetaAction = (typeof META_ACTIONS)[number];
export type MetaArgs = { action: MetaAction };

export const meta = legacyModule({
  name: 'meta',
  target: 'controller',
  checkMode: 'full',
  freeForm: 'action',
  args: { action: { type: 'str', required: true, choices: META_ACTIONS } },
  check: async () => ({}),
  plan: (_s, args) => ({ changed: false, reason: `meta: ${args.action}`, data: { __meta: args.action } }),
  apply: async () => ({}),
} satisfies ModuleDef<MetaArgs, Record<string, never>>);
