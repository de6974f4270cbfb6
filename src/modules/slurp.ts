/** slurp: a remote file's content, base64-encoded. */
import { defineModule, ModuleFailure } from './types.js';

export const slurp = defineModule({
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
    ok: true,
    reason: `read ${content.length} bytes`,
    data: { content: content.toString('base64'), encoding: 'base64', source: args.src },
  }),
});
