/** vault_read: `vault read PATH` (or LIST with list: true). Never changes anything. */
import type { ModuleDef } from './types.js';
import { dataOf } from '../vault/client.js';
import { call, CONNECTION_ARGS, openVault } from '../vault/module-kit.js';
import { registerSecrets } from '../vault/secret-fields.js';
import type { VaultArgs } from '../vault/session.js';

export type VaultReadArgs = VaultArgs & { path: string; list: boolean; secret: boolean };

export const vault_read = {
  name: 'vault_read',
  target: 'local',
  checkMode: 'full',
  args: { ...CONNECTION_ARGS, path: { type: 'str', required: true }, list: { type: 'bool', default: false }, secret: { type: 'bool', default: false } },
  async check(ctx, args) {
    const t = openVault(ctx, args, `vault_read(${args.path})`);
    const path = args.path.replace(/^\/+/, '');
    if (args.list) return { data: { keys: await call(t, (c) => c.list(path)) } };
    const body = await call(t, (c) => c.read(path));
    registerSecrets(ctx.secrets, body, args.secret);
    return body;
  },
  plan(body, args) {
    return { changed: false, reason: `read ${args.path}`, data: { data: dataOf(body), lease_id: body['lease_id'] ?? '', lease_duration: body['lease_duration'] ?? 0, warnings: body['warnings'] ?? null } };
  },
  apply: async () => ({}),
} satisfies ModuleDef<VaultReadArgs, Record<string, unknown>>;
