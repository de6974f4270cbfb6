/**
 * vault_init: `vault operator init`. No-op when Vault is initialized. The unseal keys (or, for an
 * auto-unseal seal, the recovery keys) and the root token go to a local secrets file (0600,
 * atomic; `vault operator init -format=json` shape), never to the output; the root token is used
 * by later Vault tasks of the run. Like the vault CLI, it reads `sys/seal-status` first: a seal
 * with recovery keys (awskms, transit, pkcs11, ...) refuses secret_shares/secret_threshold
 * (http/sys_init.go validateInitParameters), so it sends recovery_shares/recovery_threshold.
 */
import { defineModule, type Plan } from './types.js';
import { call, connect, CONNECTION_ARGS, SECRETS_FILE_ARG, openVault, readSecretsFile, targetOf, writeSecretsFile, type SecretsFile, type VaultTarget } from './lib/vault.js';

interface State {
  initialized: boolean;
  /** The seal type from sys/seal-status ("shamir", "transit", "awskms", ...). */
  sealType: string;
  recoverySeal: boolean;
  secretsFile: string;
  hasFile: boolean;
  vault: VaultTarget;
}

/** The sys/init request: unseal key shares, or recovery key shares for a seal that unseals itself. */
type InitRequest = { secret_shares: number; secret_threshold: number } | { recovery_shares: number; recovery_threshold: number };

interface InitChange {
  vault: VaultTarget;
  /** What to send to sys/init. */
  request: InitRequest;
  sealType: string;
  /** Where the keys and root token go. */
  secretsFile: string;
}

const label = 'vault_init';

function sharesProblems(what: string, shares: number, threshold: number): string[] {
  const p: string[] = [];
  if (shares < 1 || shares > 255) p.push(`${what}_shares must be between 1 and 255`);
  if (threshold < 1 || threshold > shares) p.push(`${what}_threshold must be between 1 and ${what}_shares`);
  if (shares > 1 && threshold < 2) p.push(`${what}_threshold must be at least 2 when ${what}_shares > 1`);
  return p;
}

/** vault/seal-status answers: recovery_seal (Vault ≥ 1.x), else any seal type but shamir. */
export function hasRecoveryKeys(st: Record<string, unknown>): boolean {
  if (typeof st['recovery_seal'] === 'boolean') return st['recovery_seal'];
  return typeof st['type'] === 'string' && st['type'] !== '' && st['type'] !== 'shamir';
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

export const vault_init = defineModule({
  name: 'vault_init',
  target: 'local',
  checkMode: 'full',
  args: {
    ...CONNECTION_ARGS,
    key_shares: { type: 'int', default: 5, aliases: ['secret_shares'] },
    key_threshold: { type: 'int', default: 3, aliases: ['secret_threshold'] },
    recovery_shares: { type: 'int', default: 5 },
    recovery_threshold: { type: 'int', default: 3 },
    ...SECRETS_FILE_ARG,
  },
  validate: (a) => [...sharesProblems('key', a.key_shares, a.key_threshold), ...sharesProblems('recovery', a.recovery_shares, a.recovery_threshold)],
  async check(ctx, args): Promise<State> {
    const t = openVault(ctx, args, label);
    const st = await call(t, (c) => c.sealStatus());
    const file = await readSecretsFile(ctx, t.settings.secretsFile, label);
    const initialized = st['initialized'] === true;
    // An initialized Vault with our secrets file: later tasks use its root token.
    if (initialized && file && !ctx.vault.sessionToken) ctx.vault.sessionToken = file.root_token;
    return { initialized, sealType: String(st['type'] ?? 'shamir'), recoverySeal: hasRecoveryKeys(st), secretsFile: t.settings.secretsFile, hasFile: file !== undefined, vault: targetOf(t) };
  },
  plan(s, args): Plan<InitChange> {
    if (s.initialized) {
      return { ok: true, reason: `Vault already initialized${s.hasFile ? ` (keys in ${s.secretsFile})` : ''}`, data: { initialized: true, secrets_file: s.secretsFile, seal_type: s.sealType } };
    }
    const base = { vault: s.vault, sealType: s.sealType, secretsFile: s.secretsFile };
    if (s.recoverySeal) {
      return {
        change: { ...base, request: { recovery_shares: args.recovery_shares, recovery_threshold: args.recovery_threshold } },
        summary: `initialize Vault (${s.sealType} seal, unseals itself) with ${args.recovery_shares} recovery key shares, threshold ${args.recovery_threshold}; keys to ${s.secretsFile}`,
      };
    }
    return {
      change: { ...base, request: { secret_shares: args.key_shares, secret_threshold: args.key_threshold } },
      summary: `initialize Vault with ${args.key_shares} key shares, threshold ${args.key_threshold}; keys to ${s.secretsFile}`,
    };
  },
  async apply(ctx, c) {
    const t = connect(ctx, c.vault);
    const res = await call(t, (v) => v.write('sys/init', c.request));
    const hex = strings(res['keys']);
    const b64 = strings(res['keys_base64']);
    const rhex = strings(res['recovery_keys']);
    const rb64 = strings(res['recovery_keys_base64']);
    const root = typeof res['root_token'] === 'string' ? res['root_token'] : '';
    [...hex, ...b64, ...rhex, ...rb64, root].forEach((v) => ctx.secrets.add(v));
    const r = c.request;
    const file: SecretsFile =
      'recovery_shares' in r
        ? { unseal_keys_b64: [], unseal_keys_hex: [], unseal_shares: 1, unseal_threshold: 1, recovery_keys_b64: rb64, recovery_keys_hex: rhex, recovery_keys_shares: r.recovery_shares, recovery_keys_threshold: r.recovery_threshold, root_token: root }
        : { unseal_keys_b64: b64, unseal_keys_hex: hex, unseal_shares: r.secret_shares, unseal_threshold: r.secret_threshold, root_token: root };
    await writeSecretsFile(ctx, c.secretsFile, file);
    ctx.vault.sessionToken = root;
    return 'recovery_shares' in r
      ? { initialized: true, secrets_file: c.secretsFile, seal_type: c.sealType, recovery_shares: r.recovery_shares, recovery_threshold: r.recovery_threshold }
      : { initialized: true, secrets_file: c.secretsFile, seal_type: c.sealType, key_shares: r.secret_shares, key_threshold: r.secret_threshold };
  },
});
