/**
 * vault_unseal: `vault operator unseal` with keys from the vault_init secrets file (or `keys`).
 * No-op when unsealed. Submits keys until the threshold is reached; a previous partial attempt
 * is reset first so stale progress never mixes with these keys.
 */
import { missingInput, type ModuleDef } from './types.js';
import { call, CONNECTION_ARGS, fail, openVault, readSecretsFile } from '../vault/module-kit.js';
import type { VaultArgs } from '../vault/session.js';

export type VaultUnsealArgs = VaultArgs & { keys?: string[] };
interface State {
  sealed: boolean;
  threshold: number;
  keys: string[];
  secretsFile: string;
}

const label = 'vault_unseal';

export const vault_unseal = {
  name: 'vault_unseal',
  target: 'local',
  checkMode: 'full',
  args: { ...CONNECTION_ARGS, keys: { type: 'list', elements: 'str', secret: true }, secrets_file: { type: 'path' } },
  async check(ctx, args) {
    const t = openVault(ctx, args, label);
    const st = await call(t, (c) => c.sealStatus());
    if (st['initialized'] !== true) missingInput(ctx, `${label}: Vault is not initialized: run vault_init first`, `${label}: would unseal Vault once vault_init has initialized it (check mode: not initialized yet)`);
    const file = await readSecretsFile(ctx, t.settings.secretsFile, label);
    if (file && !ctx.vault.sessionToken && !args.token) ctx.vault.sessionToken = file.root_token;
    const keys = args.keys ?? file?.unseal_keys_b64 ?? [];
    keys.forEach((k) => ctx.secrets.add(k));
    const sealed = st['sealed'] === true;
    const threshold = typeof st['t'] === 'number' ? st['t'] : 1;
    if (sealed && keys.length === 0) fail(t, `no unseal keys: give keys, or run vault_init first (it writes them to ${t.settings.secretsFile})`);
    if (sealed && keys.length < threshold) fail(t, `Vault needs ${threshold} unseal keys, only ${keys.length} given`);
    return { sealed, threshold, keys, secretsFile: t.settings.secretsFile };
  },
  plan(s) {
    if (!s.sealed) return { changed: false, reason: 'Vault already unsealed', data: { sealed: false } };
    return { changed: true, summary: `unseal Vault with ${s.threshold} of ${s.keys.length} keys` };
  },
  async apply(ctx, args, _plan, s) {
    const t = openVault(ctx, args, label);
    await call(t, (c) => c.write('sys/unseal', { reset: true }));
    let st: Record<string, unknown> = {};
    for (const key of s.keys) {
      st = await call(t, (c) => c.write('sys/unseal', { key }));
      if (st['sealed'] === false) return { sealed: false, progress: 0, threshold: st['t'] };
    }
    fail(t, `Vault is still sealed after ${s.keys.length} keys (progress ${String(st['progress'])}/${String(st['t'])}): the keys do not belong to this Vault`);
  },
} satisfies ModuleDef<VaultUnsealArgs, State>;
