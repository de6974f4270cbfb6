/** vault_secrets_enable: `vault secrets enable [-path=P] TYPE`. ok when mounted with that type. */
import type { ModuleDef } from './types.js';
import { dataOf } from '../vault/client.js';
import { call, CONNECTION_ARGS, openVault } from '../vault/module-kit.js';
import type { VaultArgs } from '../vault/session.js';
import { ModuleFailure } from './types.js';

export type VaultSecretsEnableArgs = VaultArgs & { type: string; path?: string; description?: string };
type State = { existing: string | undefined };

const mountOf = (a: VaultSecretsEnableArgs): string => (a.path ?? a.type).replace(/^\/+|\/+$/g, '');

export const vault_secrets_enable = {
  name: 'vault_secrets_enable',
  target: 'local',
  checkMode: 'full',
  args: { ...CONNECTION_ARGS, type: { type: 'str', required: true }, path: { type: 'str' }, description: { type: 'str' } },
  async check(ctx, args) {
    const t = openVault(ctx, args, `vault_secrets_enable(${mountOf(args)})`);
    const mounts = dataOf(await call(t, (c) => c.read('sys/mounts')));
    const m = mounts[`${mountOf(args)}/`];
    const type = m && typeof m === 'object' && 'type' in m ? String(m.type) : undefined;
    return { existing: type };
  },
  plan(s, args) {
    const path = mountOf(args);
    if (s.existing === args.type) return { changed: false, reason: `${path}/ already enabled (type ${args.type})` };
    if (s.existing !== undefined) {
      throw new ModuleFailure(`vault_secrets_enable(${path}): ${path}/ is already mounted with type ${s.existing}, not ${args.type}: choose another path or disable it first`);
    }
    return { changed: true, summary: `enable the ${args.type} secrets engine at ${path}/` };
  },
  async apply(ctx, args) {
    const t = openVault(ctx, args, `vault_secrets_enable(${mountOf(args)})`);
    await call(t, (c) => c.write(`sys/mounts/${mountOf(args)}`, { type: args.type, description: args.description ?? '' }));
    return { path: `${mountOf(args)}/`, type: args.type };
  },
} satisfies ModuleDef<VaultSecretsEnableArgs, State>;
