/** copy: put content (inline or from a file) at dest, atomically, with mode/owner/group. */
import type { WriteState } from './lib/dest.js';
import { applyWriteState, planWriteState, readLocalSource, resolveDest } from './lib/dest.js';
import type { ArgsOf, ModuleContext } from './types.js';
import { defineModule, missingInput, ModuleFailure } from './types.js';
import { readCurrent, writeTarget } from './lib/write.js';

const ARGS = {
  src: { type: 'path' },
  content: { type: 'str' },
  dest: { type: 'path', required: true },
  mode: { type: 'mode' },
  owner: { type: 'str' },
  group: { type: 'str' },
  backup: { type: 'bool', default: false },
  force: { type: 'bool', default: true, aliases: ['thirsty'] },
  directory_mode: { type: 'mode' },
  remote_src: { type: 'bool', default: false },
} as const;

export type CopyArgs = ArgsOf<typeof ARGS>;

async function source(ctx: ModuleContext, args: CopyArgs, label: string): Promise<{ content: Buffer; mode?: number }> {
  if (args.content !== undefined) return { content: Buffer.from(args.content) };
  const src = args.src!;
  if (!args.remote_src) return readLocalSource(ctx, 'files', src, label);
  const st = await ctx.connection.stat(src);
  if (!st.exists) missingInput(ctx, `${label}: source ${src} not found on the host`, `would copy ${src} to ${args.dest} (check mode: ${src} does not exist yet)`);
  if (st.kind === 'directory') throw new ModuleFailure(`${label}: source ${src} is a directory (not supported)`);
  return { content: await ctx.connection.readFile(src), ...(st.mode !== undefined ? { mode: st.mode } : {}) };
}

export const copy = defineModule({
  name: 'copy',
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  requiredOneOf: [['src', 'content']],
  mutuallyExclusive: [['src', 'content']],
  async check(ctx, args): Promise<WriteState> {
    const label = `copy(${args.dest})`;
    const src = await source(ctx, args, label);
    const dest = await resolveDest(ctx, label, args.dest, args.src, ctx.diffMode);
    const cur = dest.cur ?? (await readCurrent(ctx, dest.path, ctx.diffMode));
    return { label, dest, target: writeTarget(dest.path, src.content, args, src.mode), cur };
  },
  plan: (s, args, ctx) => planWriteState(s, args.force, ctx.diffMode, args.directory_mode),
  apply: (ctx, c) => applyWriteState(ctx, c),
});
