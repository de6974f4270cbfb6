/**
 * vault_write: `vault write PATH k=v ...`. Changed on every run unless `compare: true`, which
 * reads the path first and writes only when a given value differs (normalised: "24h" = 86400).
 */
import { defineModule } from './types.js';
import { dataOf } from '../vault/client.js';
import { call, connect, CONNECTION_ARGS, differences, openVault, readOptional, targetOf, vaultTarget, type VaultTarget } from './lib/vault.js';
import { registerSecrets } from '../vault/secret-fields.js';

interface State {
  /** What is at the path (with compare: true), undefined when nothing is or it was not read. */
  current: Record<string, unknown> | undefined;
  vault: VaultTarget;
}
/** `vault write <path>` with this data; `secret`: every value of the answer is a secret. */
interface WriteChange {
  vault: VaultTarget;
  path: string;
  data: Record<string, unknown>;
  wrapTtl?: string;
  secret: boolean;
}

const label = (a: { path: string }): string => `vault_write(${a.path})`;

export const vault_write = defineModule({
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
  async check(ctx, args): Promise<State> {
    // Without compare nothing is read: the client is made (and can fail) only in apply.
    if (!args.compare) return { current: undefined, vault: vaultTarget(ctx, args, label(args)) };
    const t = openVault(ctx, args, label(args));
    const r = await call(t, (c) => readOptional(c, args.path.replace(/^\/+/, '')));
    if (r) registerSecrets(ctx.secrets, r, args.secret);
    return { current: r ? dataOf(r) : undefined, vault: targetOf(t) };
  },
  plan({ current: cur, vault }, args) {
    const change: WriteChange = { vault, path: args.path.replace(/^\/+/, ''), data: args.data, secret: args.secret, ...(args.wrap_ttl ? { wrapTtl: args.wrap_ttl } : {}) };
    if (args.compare && cur) {
      const diff = differences(args.data, cur);
      if (diff.length === 0) return { ok: true, reason: `${args.path} already has these ${Object.keys(args.data).length} values` };
      return { change, summary: `write ${args.path}: ${diff.join(', ')} differ` };
    }
    return { change, summary: `write ${args.path}` };
  },
  async apply(ctx, c) {
    const t = connect(ctx, c.vault);
    const res = await call(t, (v) => v.write(c.path, c.data, c.wrapTtl ? { wrapTtl: c.wrapTtl } : {}));
    registerSecrets(ctx.secrets, res, c.secret);
    return { data: res['data'] ?? null, auth: res['auth'] ?? null, wrap_info: res['wrap_info'] ?? null, lease_id: res['lease_id'] ?? '', warnings: res['warnings'] ?? null };
  },
});
