/** vault_read: `vault read PATH` (or LIST with list: true). Never changes anything. */
import { defineModule } from './types.js';
import { dataOf, type VaultBody } from '../vault/client.js';
import { call, CONNECTION_ARGS, openVault } from './lib/vault.js';
import { registerSecrets } from '../vault/secret-fields.js';

export const vault_read = defineModule({
  name: 'vault_read',
  target: 'local',
  checkMode: 'full',
  args: { ...CONNECTION_ARGS, path: { type: 'str', required: true }, list: { type: 'bool', default: false }, secret: { type: 'bool', default: false } },
  async check(ctx, args): Promise<VaultBody> {
    const t = openVault(ctx, args, `vault_read(${args.path})`);
    const path = args.path.replace(/^\/+/, '');
    if (args.list) return { data: { keys: await call(t, (c) => c.list(path)) } };
    const body = await call(t, (c) => c.read(path));
    registerSecrets(ctx.secrets, body, args.secret);
    return body;
  },
  plan(body, args) {
    return { ok: true, reason: `read ${args.path}`, data: { data: dataOf(body), lease_id: body['lease_id'] ?? '', lease_duration: body['lease_duration'] ?? 0, warnings: body['warnings'] ?? null } };
  },
});
