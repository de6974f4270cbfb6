/**
 * vault_init: `vault operator init`. No-op when Vault is initialized. The unseal keys and root
 * token go to a local secrets file (0600, atomic; `vault operator init -format=json` shape),
 * never to the output; the root token is used by later Vault tasks of the run.
 */
import type { ModuleDef } from './types.js';
import { call, CONNECTION_ARGS, openVault, readSecretsFile, writeSecretsFile, type SecretsFile } from '../vault/module-kit.js';
import type { VaultArgs } from '../vault/session.js';

export type VaultInitArgs = VaultArgs & { key_shares: number; key_threshold: number };
interface State {
  initialized: boolean;
  secretsFile: string;
  hasFile: boolean;
}

const label = 'vault_init';

export const vault_init = {
  name: 'vault_init',
  target: 'local',
  checkMode: 'full',
  args: {
    ...CONNECTION_ARGS,
    key_shares: { type: 'int', default: 5, aliases: ['secret_shares'] },
    key_threshold: { type: 'int', default: 3, aliases: ['secret_threshold'] },
    secrets_file: { type: 'path' },
  },
  validate(a) {
    const p: string[] = [];
    if (a.key_shares < 1 || a.key_shares > 255) p.push('key_shares must be between 1 and 255');
    if (a.key_threshold < 1 || a.key_threshold > a.key_shares) p.push('key_threshold must be between 1 and key_shares');
    if (a.key_shares > 1 && a.key_threshold < 2) p.push('key_threshold must be at least 2 when key_shares > 1');
    return p;
  },
  async check(ctx, args) {
    const t = openVault(ctx, args, label);
    const st = await call(t, (c) => c.sealStatus());
    const file = await readSecretsFile(ctx, t.settings.secretsFile, label);
    const initialized = st['initialized'] === true;
    // An initialized Vault with our secrets file: later tasks use its root token.
    if (initialized && file && !ctx.vault.sessionToken) ctx.vault.sessionToken = file.root_token;
    return { initialized, secretsFile: t.settings.secretsFile, hasFile: file !== undefined };
  },
  plan(s, args) {
    if (s.initialized) {
      return { changed: false, reason: `Vault already initialized${s.hasFile ? ` (keys in ${s.secretsFile})` : ''}`, data: { initialized: true, secrets_file: s.secretsFile } };
    }
    return { changed: true, summary: `initialize Vault with ${args.key_shares} key shares, threshold ${args.key_threshold}; keys to ${s.secretsFile}` };
  },
  async apply(ctx, args, _plan, s) {
    const t = openVault(ctx, args, label);
    const res = await call(t, (c) => c.write('sys/init', { secret_shares: args.key_shares, secret_threshold: args.key_threshold }));
    const hex = Array.isArray(res['keys']) ? res['keys'].map(String) : [];
    const b64 = Array.isArray(res['keys_base64']) ? res['keys_base64'].map(String) : [];
    const root = typeof res['root_token'] === 'string' ? res['root_token'] : '';
    [...hex, ...b64, root].forEach((v) => ctx.secrets.add(v));
    const file: SecretsFile = { unseal_keys_b64: b64, unseal_keys_hex: hex, unseal_shares: args.key_shares, unseal_threshold: args.key_threshold, root_token: root };
    await writeSecretsFile(ctx, s.secretsFile, file);
    ctx.vault.sessionToken = root;
    return { initialized: true, secrets_file: s.secretsFile, key_shares: args.key_shares, key_threshold: args.key_threshold };
  },
} satisfies ModuleDef<VaultInitArgs, State>;
