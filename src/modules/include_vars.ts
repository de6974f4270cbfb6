/** include_vars: load variables from YAML/JSON files on the control machine (logic in src/vars/include.ts). */
import { searchBaseOf } from '../vars/loop.js';
import { includeVars, mergeHashes } from '../vars/include.js';
import { defineModule, ModuleFailure } from './types.js';

export const include_vars = defineModule({
  name: 'include_vars',
  target: 'controller',
  checkMode: 'full',
  freeForm: 'free_form',
  args: {
    free_form: { type: 'str' },
    file: { type: 'path' },
    dir: { type: 'path' },
    name: { type: 'str' },
    files_matching: { type: 'str' },
    ignore_files: { type: 'list', elements: 'str', default: [] },
    extensions: { type: 'list', elements: 'str', default: ['json', 'yaml', 'yml'] },
    depth: { type: 'int', default: 0 },
    ignore_unknown_extensions: { type: 'bool', default: false },
    hash_behaviour: { type: 'str', choices: ['replace', 'merge'] },
  },
  mutuallyExclusive: [['file', 'dir'], ['free_form', 'dir']],
  async check(ctx, args) {
    const base = searchBaseOf(ctx.vars);
    try {
      const res = await includeVars(args, base);
      if (args.hash_behaviour === 'merge') for (const [k, v] of Object.entries(res.vars)) res.vars[k] = mergeHashes(ctx.vars[k], v);
      return res;
    } catch (err) {
      throw new ModuleFailure(`include_vars(${args.dir ?? args.file ?? args.free_form ?? ''}): ${err instanceof Error ? err.message : String(err)}`);
    }
  },
  plan: (res: { vars: Record<string, unknown>; files: string[] }) => ({
    ok: true,
    reason: `included ${res.files.length} file${res.files.length === 1 ? '' : 's'}`,
    facts: res.vars,
    data: { ansible_included_var_files: res.files },
  }),
});
