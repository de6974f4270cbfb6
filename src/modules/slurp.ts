/** slurp: a remote file's content, base64-encoded. */
import type { ModuleDef } from './types.js';
import { ModuleFailure } from './types.js';
import { legacyModule } from './legacy.js';

export type SlurpArgs = { src: string };

export const slurp = legacyModule({
  name: 'slurp',
  target: 'remote',
  checkMode: 'full',
  args: { src: { type: 'path', required: true, aliases: ['path'] } },
  async check(ctx, args) {
    const info = await ctx.connection.stat(args.src);
    if (!info.exists) throw new ModuleFailure(`slurp(${args.src}): file not found: ${args.src}`);
    if (info.kind === 'directory') throw new ModuleFailure(`slurp(${args.src}): ${args.src} is a directory`);
    return ctx.connection.readFile(args.src);
  },
  plan: (content, args) => ({
    changed: false,
    reason: `read ${content.length} bytes`,
    data: { content: content.toString('base64'), encoding: 'base64', source: args.src },
  }),
  apply: async () => ({}),
} satisfies ModuleDef<SlurpArgs, Buffer>);
