/** ping: prove the host answers (a stat over the connection: no process spawned). */
import { defineModule, ModuleFailure } from './types.js';

export const ping = defineModule({
  name: 'ping',
  target: 'remote',
  checkMode: 'full',
  args: { data: { type: 'str', default: 'pong' } },
  async check(ctx, args) {
    if (args.data === 'crash') throw new ModuleFailure('boom (ping data=crash)');
    await ctx.connection.stat('/');
    return {};
  },
  plan: (_s, args) => ({ ok: true, reason: 'pong', data: { ping: args.data } }),
});
