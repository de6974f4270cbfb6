/** setup: gather facts with one POSIX-shell script (src/facts); the executor stores them as the host's facts. */
import { gatherFacts, resolveSubset } from '../facts/index.js';
import type { ModuleDef } from './types.js';

export type SetupArgs = { gather_subset: string[]; filter: string[]; gather_timeout: number; fact_path?: string };

export const setup = {
  name: 'setup',
  aliases: ['gather_facts', 'ansible.builtin.gather_facts'],
  target: 'remote',
  checkMode: 'full',
  args: {
    gather_subset: { type: 'list', elements: 'str', default: ['all'] },
    filter: { type: 'list', elements: 'str', default: [] },
    gather_timeout: { type: 'int', default: 10 },
    fact_path: { type: 'path' },
  },
  validate(args) {
    try {
      resolveSubset(args.gather_subset);
      return [];
    } catch (err) {
      return [err instanceof Error ? err.message : String(err)];
    }
  },
  check: async (ctx, args) => gatherFacts(ctx.connection, { subset: args.gather_subset, filter: args.filter, ...(args.fact_path ? { factPath: args.fact_path } : {}) }),
  plan: (facts) => ({ changed: false, reason: `${Object.keys(facts).length} facts gathered`, data: { ansible_facts: facts } }),
  apply: async () => ({}),
} satisfies ModuleDef<SetupArgs, Record<string, unknown>>;
