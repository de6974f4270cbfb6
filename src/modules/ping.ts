/** ping: prove the host answers (a stat over the connection: no process spawned). */
import type { ModuleDef } from './types.js';
import { ModuleFailure } from './types.js';
import { legacyModule } from './legacy.js';

export type PingArgs = { data: string };

export const ping = legacyModule({
  name: 'ping',
  target: 'remote',
  checkMode: 'full',
  args: { data: { type: 'str', default: 'pong' } },
  async check(ctx, args) {
    if (args.data === 'crash') throw new ModuleFailure('boom (ping data=crash)');
    await ctx.connection.stat('/');
    return {};
  },
  plan: (_s, args) => ({ changed: false, reason: 'pong', data: { ping: args.data } }),
  apply: async () => ({}),
} satisfies ModuleDef<PingArgs, Record<string, never>>);
