/**
 * vault_pki_role: `vault write pki_int/roles/NAME ...`, read-compare-write. Only the fields
 * given are compared ("86400s" equals 86400, "true" equals true, "a,b" equals [a, b]); like
 * `vault write`, a write sets the fields given and resets the others to Vault's defaults.
 */
import type { ModuleDef } from './types.js';
import { dataOf } from '../vault/client.js';
import { call, CONNECTION_ARGS, differences, openVault, readOptional } from '../vault/module-kit.js';
import type { VaultArgs } from '../vault/session.js';
import { durationProblems } from '../vault/ttl.js';

const BOOLS = ['allow_subdomains', 'allow_bare_domains', 'allow_any_name', 'allow_localhost', 'allow_glob_domains', 'allow_wildcard_certificates', 'allow_ip_sans', 'enforce_hostnames', 'require_cn', 'generate_lease', 'no_store', 'server_flag', 'client_flag', 'code_signing_flag', 'email_protection_flag', 'use_csr_common_name', 'use_csr_sans'] as const;
const LISTS = ['allowed_domains', 'organization', 'ou', 'key_usage', 'ext_key_usage', 'allowed_uri_sans'] as const;
const DURATIONS = ['ttl', 'max_ttl', 'not_before_duration'] as const;

export type VaultPkiRoleArgs = VaultArgs & { mount: string; name: string; key_type?: string; key_bits?: number; issuer_ref?: string; extra?: Record<string, unknown> } & Partial<Record<(typeof BOOLS)[number], boolean>> &
  Partial<Record<(typeof LISTS)[number], string[]>> &
  Partial<Record<(typeof DURATIONS)[number], string>>;
type State = Record<string, unknown> | undefined;

const label = (a: VaultPkiRoleArgs): string => `vault_pki_role(${a.name})`;

function wanted(a: VaultPkiRoleArgs): Record<string, unknown> {
  const w: Record<string, unknown> = { ...(a.extra ?? {}) };
  for (const k of [...BOOLS, ...LISTS, ...DURATIONS, 'key_type', 'key_bits', 'issuer_ref'] as const) if (a[k] !== undefined) w[k] = a[k];
  return w;
}

const KINDS: Record<string, 'duration' | 'bool' | 'list'> = Object.fromEntries([...BOOLS.map((k) => [k, 'bool']), ...LISTS.map((k) => [k, 'list']), ...DURATIONS.map((k) => [k, 'duration'])]);

export const vault_pki_role = {
  name: 'vault_pki_role',
  target: 'local',
  checkMode: 'full',
  args: {
    ...CONNECTION_ARGS,
    mount: { type: 'str', default: 'pki_int' },
    name: { type: 'str', required: true },
    ...Object.fromEntries(BOOLS.map((k) => [k, { type: 'bool' as const }])),
    ...Object.fromEntries(LISTS.map((k) => [k, { type: 'list' as const, elements: 'str' as const }])),
    ...Object.fromEntries(DURATIONS.map((k) => [k, { type: 'str' as const }])),
    key_type: { type: 'str', choices: ['rsa', 'ec', 'ed25519', 'any'] },
    key_bits: { type: 'int' },
    issuer_ref: { type: 'str' },
    extra: { type: 'dict' },
  },
  validate: (a) => durationProblems(a, DURATIONS),
  async check(ctx, args) {
    const t = openVault(ctx, args, label(args));
    const r = await call(t, (c) => readOptional(c, `${args.mount}/roles/${args.name}`));
    return r ? dataOf(r) : undefined;
  },
  plan(cur, args) {
    const w = wanted(args);
    if (!cur) return { changed: true, summary: `create role ${args.mount}/roles/${args.name}` };
    const diff = differences(w, cur, KINDS);
    if (diff.length === 0) return { changed: false, reason: `role ${args.mount}/roles/${args.name} already has these ${Object.keys(w).length} settings` };
    const before = diff.map((k) => `${k}: ${JSON.stringify(cur[k])}`).join('\n');
    const after = diff.map((k) => `${k}: ${JSON.stringify(w[k])}`).join('\n');
    return { changed: true, summary: `update role ${args.mount}/roles/${args.name}: ${diff.join(', ')}`, diff: [{ path: `${args.mount}/roles/${args.name}`, before, after }] };
  },
  async apply(ctx, args) {
    const t = openVault(ctx, args, label(args));
    await call(t, (c) => c.write(`${args.mount}/roles/${args.name}`, wanted(args)));
  },
} satisfies ModuleDef<VaultPkiRoleArgs, State>;
