/**
 * vault_write: `vault write PATH k=v ...`. Changed on every run unless `compare: true`, which
 * reads the path first and writes only when a given value differs (normalised: "24h" = 86400).
 */
import type { ModuleDef } from './types.js';
import { dataOf } from '../vault/client.js';
import { call, CONNECTION_ARGS, differences, openVault, readOptional } from '../vault/module-kit.js';
import { registerSecrets } from '../vault/secret-fields.js';
import type { VaultArgs } from '../vault/session.js';

export type VaultWriteArgs = VaultArgs & { path: string; data: Record<string, unknown>; compare: boolean; wrap_ttl?: string; secret: boolean };
type State = Record<string, unknown> | undefined;

export const vault_write = {
  name: 'vault_write',
  target: 'local',
  checkMode: 'full',
  args: {
    ...CONNECTION_ARGS,
    path: { type: 'str', required: true },
    data: { type: 'dict', default: {} },
    compare: { type: 'bool', default: false },
    wrap_ttl: { type: 'str' },
    secret: { type: 'bool', default: false },
  },
  async check(ctx, args) {
    if (!args.compare) return undefined;
    const t = openVault(ctx, args, `vault_write(${args.path})`);
    const r = await call(t, (c) => readOptional(c, args.path.replace(/^\/+/, '')));
    if (r) registerSecrets(ctx.secrets, r, args.secret);
    return r ? dataOf(r) : undefined;
  },
  plan(cur, args) {
    if (args.compare && cur) {
      const diff = differences(args.data, cur);
      if (diff.length === 0) return { changed: false, reason: `${args.path} already has these ${Object.keys(args.data).length} values` };
      return { changed: true, summary: `write ${args.path}: ${diff.join(', ')} differ` };
    }
    return { changed: true, summary: `write ${args.path}` };
  },
  async apply(ctx, args) {
    const t = openVault(ctx, args, `vault_write(${args.path})`);
    const res = await call(t, (c) => c.write(args.path.replace(/^\/+/, ''), args.data, args.wrap_ttl ? { wrapTtl: args.wrap_ttl } : {}));
    registerSecrets(ctx.secrets, res, args.secret);
    return { data: res['data'] ?? null, auth: res['auth'] ?? null, wrap_info: res['wrap_info'] ?? null, lease_id: res['lease_id'] ?? '', warnings: res['warnings'] ?? null };
  },
} satisfies ModuleDef<VaultWriteArgs, State>;
