/** setup: gather facts with one POSIX-shell script (src/facts); the executor stores them as the host's facts. */
import { gatherFacts, resolveSubset } from '../facts/index.js';
import { defineModule } from './types.js';

export const setup = defineModule({
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
  plan: (facts: Record<string, unknown>) => ({ ok: true, reason: `${Object.keys(facts).length} facts gathered`, facts }),
});
