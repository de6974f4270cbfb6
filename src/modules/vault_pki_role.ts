/**
 * vault_pki_role: `vault write pki_int/roles/NAME ...`, read-compare-write. Only the fields
 * given are compared ("86400s" equals 86400, "true" equals true, "a,b" equals [a, b]); like
 * `vault write`, a write sets the fields given and resets the others to Vault's defaults.
 */
import { defineModule, type ArgSchema, type ArgsOf, type ArgSpec, type Plan } from './types.js';
import { dataOf } from '../vault/client.js';
import { call, connect, CONNECTION_ARGS, differences, openVault, readOptional, targetOf, type VaultTarget } from './lib/vault.js';
import { durationProblems } from '../vault/ttl.js';

const BOOLS = ['allow_subdomains', 'allow_bare_domains', 'allow_any_name', 'allow_localhost', 'allow_glob_domains', 'allow_wildcard_certificates', 'allow_ip_sans', 'enforce_hostnames', 'require_cn', 'generate_lease', 'no_store', 'server_flag', 'client_flag', 'code_signing_flag', 'email_protection_flag', 'use_csr_common_name', 'use_csr_sans'] as const;
const LISTS = ['allowed_domains', 'organization', 'ou', 'key_usage', 'ext_key_usage', 'allowed_uri_sans'] as const;
const DURATIONS = ['ttl', 'max_ttl', 'not_before_duration'] as const;

/** The same spec for each of `keys`. */
function each<const K extends string, const T extends ArgSpec>(keys: readonly K[], spec: T): Record<K, T> {
  return Object.fromEntries(keys.map((k) => [k, spec])) as Record<K, T>;
}

const ARGS = {
  ...CONNECTION_ARGS,
  mount: { type: 'str', default: 'pki_int' },
  name: { type: 'str', required: true },
  ...each(BOOLS, { type: 'bool' }),
  ...each(LISTS, { type: 'list', elements: 'str' }),
  ...each(DURATIONS, { type: 'str' }),
  key_type: { type: 'str', choices: ['rsa', 'ec', 'ed25519', 'any'] },
  key_bits: { type: 'int' },
  issuer_ref: { type: 'str' },
  extra: { type: 'dict' },
} as const satisfies ArgSchema;
type Args = ArgsOf<typeof ARGS>;

interface State {
  /** The role's settings, undefined when it does not exist. */
  current: Record<string, unknown> | undefined;
  vault: VaultTarget;
}
/** `vault write <mount>/roles/<name>` with this body. */
interface RoleChange {
  vault: VaultTarget;
  path: string;
  body: Record<string, unknown>;
}

const label = (a: Args): string => `vault_pki_role(${a.name})`;

function wanted(a: Args): Record<string, unknown> {
  const w: Record<string, unknown> = { ...(a.extra ?? {}) };
  for (const k of [...BOOLS, ...LISTS, ...DURATIONS, 'key_type', 'key_bits', 'issuer_ref'] as const) if (a[k] !== undefined) w[k] = a[k];
  return w;
}

const KINDS: Record<string, 'duration' | 'bool' | 'list'> = Object.fromEntries([...BOOLS.map((k) => [k, 'bool']), ...LISTS.map((k) => [k, 'list']), ...DURATIONS.map((k) => [k, 'duration'])]);

export const vault_pki_role = defineModule({
  name: 'vault_pki_role',
  target: 'local',
  checkMode: 'full',
  args: ARGS,
  validate: (a) => durationProblems(a, DURATIONS),
  async check(ctx, args): Promise<State> {
    const t = openVault(ctx, args, label(args));
    const r = await call(t, (c) => readOptional(c, `${args.mount}/roles/${args.name}`));
    return { current: r ? dataOf(r) : undefined, vault: targetOf(t) };
  },
  plan({ current: cur, vault }, args): Plan<RoleChange> {
    const w = wanted(args);
    const path = `${args.mount}/roles/${args.name}`;
    if (!cur) return { change: { vault, path, body: w }, summary: `create role ${path}` };
    const diff = differences(w, cur, KINDS);
    if (diff.length === 0) return { ok: true, reason: `role ${path} already has these ${Object.keys(w).length} settings` };
    const before = diff.map((k) => `${k}: ${JSON.stringify(cur[k])}`).join('\n');
    const after = diff.map((k) => `${k}: ${JSON.stringify(w[k])}`).join('\n');
    return { change: { vault, path, body: w }, summary: `update role ${path}: ${diff.join(', ')}`, diff: [{ path, before, after }] };
  },
  async apply(ctx, c) {
    const t = connect(ctx, c.vault);
    await call(t, (v) => v.write(c.path, c.body));
  },
});
