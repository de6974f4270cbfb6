/**
 * vault_unseal: `vault operator unseal` with keys from the vault_init secrets file (or `keys`).
 * No-op when unsealed. Submits keys until the threshold is reached; a previous partial attempt
 * is reset first so stale progress never mixes with these keys. A Vault whose seal unseals it
 * by itself (awskms, transit, ...; `recovery_seal` in sys/seal-status) is waited for, never
 * given keys: its recovery keys do not unseal it.
 */
import { defineModule, missingInput, type Plan } from './types.js';
import { hasRecoveryKeys } from './vault_init.js';
import { VaultError, type VaultBody } from '../vault/client.js';
import { call, connect, CONNECTION_ARGS, fail, openVault, readSecretsFile, SECRETS_FILE_ARG, targetOf, type VaultTarget, type VaultTask } from './lib/vault.js';

interface State {
  sealed: boolean;
  /** The seal type when it unseals Vault by itself ("transit", "awskms", ...); '' for shamir. */
  autoSeal: string;
  threshold: number;
  keys: string[];
  /** Where the keys come from, for the message when Vault refuses them. */
  keysFrom: string;
  vault: VaultTarget;
}

/** Reset any partial attempt, then submit these keys until Vault is unsealed. */
interface UnsealChange {
  vault: VaultTarget;
  keys: string[];
  keysFrom: string;
}

const label = 'vault_unseal';

/** An auto-unseal Vault unseals itself shortly after it starts: wait up to `seconds` for it. */
async function waitAutoUnseal(t: VaultTask, st: VaultBody, seconds: number): Promise<VaultBody> {
  const { clock, signal } = t.ctx;
  const deadline = clock.now() + seconds * 1000;
  while (st['sealed'] === true && clock.now() < deadline) {
    await clock.sleep(250, signal);
    st = await call(t, (c) => c.sealStatus());
  }
  return st;
}

export const vault_unseal = defineModule({
  name: 'vault_unseal',
  target: 'local',
  checkMode: 'full',
  args: { ...CONNECTION_ARGS, keys: { type: 'list', elements: 'str', secret: true }, ...SECRETS_FILE_ARG, auto_unseal_timeout: { type: 'int', default: 30 } },
  async check(ctx, args): Promise<State> {
    const t = openVault(ctx, args, label);
    let st = await call(t, (c) => c.sealStatus());
    if (st['initialized'] !== true) missingInput(ctx, `${label}: Vault is not initialized: run vault_init first`, `${label}: would unseal Vault once vault_init has initialized it (check mode: not initialized yet)`);
    const file = await readSecretsFile(ctx, t.settings.secretsFile, label);
    if (file && !ctx.vault.sessionToken && !args.token) ctx.vault.sessionToken = file.root_token;
    if (hasRecoveryKeys(st)) {
      const type = String(st['type'] ?? 'auto-unseal');
      st = await waitAutoUnseal(t, st, args.auto_unseal_timeout);
      if (st['sealed'] === true) fail(t, `Vault is still sealed after ${args.auto_unseal_timeout}s: its ${type} seal unseals it by itself (recovery keys cannot), so check that Vault can reach the seal's key service (Vault's log says why)`);
      return { sealed: false, autoSeal: type, threshold: 0, keys: [], keysFrom: '', vault: targetOf(t) };
    }
    const keys = args.keys ?? file?.unseal_keys_b64 ?? [];
    keys.forEach((k) => ctx.secrets.add(k));
    const sealed = st['sealed'] === true;
    const threshold = typeof st['t'] === 'number' ? st['t'] : 1;
    if (sealed && keys.length === 0) fail(t, `no unseal keys: give keys, or run vault_init first (it writes them to ${t.settings.secretsFile})`);
    if (sealed && keys.length < threshold) fail(t, `Vault needs ${threshold} unseal keys, only ${keys.length} given`);
    return { sealed, autoSeal: '', threshold, keys, keysFrom: args.keys ? 'the keys argument' : t.settings.secretsFile, vault: targetOf(t) };
  },
  plan(s): Plan<UnsealChange> {
    if (s.autoSeal) return { ok: true, reason: `Vault unsealed by its ${s.autoSeal} seal`, data: { sealed: false, seal_type: s.autoSeal } };
    if (!s.sealed) return { ok: true, reason: 'Vault already unsealed', data: { sealed: false } };
    return { change: { vault: s.vault, keys: s.keys, keysFrom: s.keysFrom }, summary: `unseal Vault with ${s.threshold} of ${s.keys.length} keys` };
  },
  async apply(ctx, s) {
    const t = connect(ctx, s.vault);
    const wrongKeys = `the keys do not belong to this Vault (from ${s.keysFrom})`;
    await call(t, (c) => c.write('sys/unseal', { reset: true }));
    let st: VaultBody = {};
    for (const key of s.keys) {
      try {
        st = await t.client.write('sys/unseal', { key });
      } catch (e) {
        // Vault answers 400 when the threshold key does not open the barrier (wrong keys).
        if (e instanceof VaultError && e.kind === 'invalid') fail(t, `Vault refused the unseal keys: ${wrongKeys}: ${e.message}`);
        st = await call(t, () => Promise.reject(e));
      }
      if (st['sealed'] === false) return { sealed: false, progress: 0, threshold: st['t'] };
    }
    fail(t, `Vault is still sealed after ${s.keys.length} keys (progress ${String(st['progress'])}/${String(st['t'])}): ${wrongKeys}`);
  },
});
