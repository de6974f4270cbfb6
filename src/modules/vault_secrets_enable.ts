/** vault_secrets_enable: `vault secrets enable [-path=P] TYPE`. ok when mounted with that type. */
import { defineModule, ModuleFailure, type Plan } from './types.js';
import { dataOf } from '../vault/client.js';
import { call, connect, CONNECTION_ARGS, openVault, targetOf, type VaultTarget } from './lib/vault.js';

type State = { existing: string | undefined; vault: VaultTarget };
/** The mount to create: `sys/mounts/<mount>` with this body. */
interface EnableChange {
  vault: VaultTarget;
  mount: string;
  body: { type: string; description: string };
}

const mountOf = (a: { path?: string; type: string }): string => (a.path ?? a.type).replace(/^\/+|\/+$/g, '');

export const vault_secrets_enable = defineModule({
  name: 'vault_secrets_enable',
  target: 'local',
  checkMode: 'full',
  args: { ...CONNECTION_ARGS, type: { type: 'str', required: true }, path: { type: 'str' }, description: { type: 'str' } },
  async check(ctx, args): Promise<State> {
    const t = openVault(ctx, args, `vault_secrets_enable(${mountOf(args)})`);
    const mounts = dataOf(await call(t, (c) => c.read('sys/mounts')));
    const m = mounts[`${mountOf(args)}/`];
    const type = m && typeof m === 'object' && 'type' in m ? String(m.type) : undefined;
    return { existing: type, vault: targetOf(t) };
  },
  plan(s, args): Plan<EnableChange> {
    const path = mountOf(args);
    if (s.existing === args.type) return { ok: true, reason: `${path}/ already enabled (type ${args.type})` };
    if (s.existing !== undefined) {
      throw new ModuleFailure(`vault_secrets_enable(${path}): ${path}/ is already mounted with type ${s.existing}, not ${args.type}: choose another path or disable it first`);
    }
    return { change: { vault: s.vault, mount: path, body: { type: args.type, description: args.description ?? '' } }, summary: `enable the ${args.type} secrets engine at ${path}/` };
  },
  async apply(ctx, c) {
    const t = connect(ctx, c.vault);
    await call(t, (v) => v.write(`sys/mounts/${c.mount}`, c.body));
    return { path: `${c.mount}/`, type: c.body.type };
  },
});
