/**
 * vault_token: `vault token create -policy=... -period=24h -orphan`. Always creates a token
 * (changed), except with `token_file`: the token is kept in that local file (0600) and reused
 * while it is valid and has the requested policies. Orphans are created with a write to
 * auth/token/create-orphan (node-vault's tokenCreateOrphan drops `period`). Every token value
 * is registered as a secret; with `wrap_ttl` only the wrapping token is returned.
 */
import type { ModuleDef } from './types.js';
import { dataOf } from '../vault/client.js';
import { call, CONNECTION_ARGS, openVault } from '../vault/module-kit.js';
import { localText } from '../vault/pki-kit.js';
import type { VaultArgs } from '../vault/session.js';
import { durationProblems } from '../vault/ttl.js';

export type VaultTokenArgs = VaultArgs & {
  policies: string[];
  period?: string;
  ttl?: string;
  explicit_max_ttl?: string;
  orphan: boolean;
  renewable?: boolean;
  display_name?: string;
  meta?: Record<string, unknown>;
  wrap_ttl?: string;
  no_default_policy: boolean;
  num_uses?: number;
  token_file?: string;
};
interface State {
  reusable: { token: string; accessor: string; policies: string[] } | undefined;
  note: string;
  tokenFile: string | undefined;
}

const label = 'vault_token';

function wantedPolicies(a: VaultTokenArgs): string[] {
  const p = new Set(a.policies);
  if (!a.no_default_policy) p.add('default');
  return [...p].sort();
}

function body(a: VaultTokenArgs): Record<string, unknown> {
  const b: Record<string, unknown> = { policies: a.policies, no_default_policy: a.no_default_policy };
  for (const k of ['period', 'ttl', 'explicit_max_ttl', 'renewable', 'display_name', 'meta', 'num_uses'] as const) if (a[k] !== undefined) b[k] = a[k];
  return b;
}

export const vault_token = {
  name: 'vault_token',
  target: 'local',
  checkMode: 'none',
  args: {
    ...CONNECTION_ARGS,
    policies: { type: 'list', elements: 'str', default: [], aliases: ['policy'] },
    period: { type: 'str' },
    ttl: { type: 'str' },
    explicit_max_ttl: { type: 'str' },
    orphan: { type: 'bool', default: false },
    renewable: { type: 'bool' },
    display_name: { type: 'str' },
    meta: { type: 'dict' },
    wrap_ttl: { type: 'str' },
    no_default_policy: { type: 'bool', default: false },
    num_uses: { type: 'int' },
    token_file: { type: 'path' },
  },
  mutuallyExclusive: [['wrap_ttl', 'token_file']],
  validate: (a) => durationProblems(a, ['period', 'ttl', 'explicit_max_ttl', 'wrap_ttl']),
  async check(ctx, args) {
    const t = openVault(ctx, args, label);
    const tokenFile = args.token_file ? ctx.vault.resolvePath(args.token_file) : undefined;
    const saved = tokenFile ? (await localText(ctx, tokenFile))?.trim() : undefined;
    if (!tokenFile || !saved) return { reusable: undefined, note: tokenFile ? `no token in ${tokenFile}` : '', tokenFile };
    ctx.secrets.add(saved);
    // lookup-self with the saved token itself: allowed by the default policy.
    const own = openVault(ctx, { ...args, token: saved }, label);
    let info: Record<string, unknown>;
    try {
      info = dataOf(await own.client.read('auth/token/lookup-self'));
    } catch {
      await call(t, (c) => c.sealStatus()); // unreachable/sealed are reported as such
      return { reusable: undefined, note: `the token in ${tokenFile} is no longer valid`, tokenFile };
    }
    const have = Array.isArray(info['policies']) ? info['policies'].map(String).sort() : [];
    if (JSON.stringify(have) !== JSON.stringify(wantedPolicies(args))) {
      return { reusable: undefined, note: `the token in ${tokenFile} has policies ${have.join(', ')}`, tokenFile };
    }
    return { reusable: { token: saved, accessor: String(info['accessor'] ?? ''), policies: have }, note: '', tokenFile };
  },
  plan(s, args) {
    if (s.reusable) return { changed: false, reason: `token in ${s.tokenFile} still valid (policies ${s.reusable.policies.join(', ')})`, data: { ...s.reusable } };
    const what = [`policies ${wantedPolicies(args).join(', ')}`, args.period ? `period ${args.period}` : '', args.ttl ? `ttl ${args.ttl}` : '', args.orphan ? 'orphan' : '', args.wrap_ttl ? `wrapped for ${args.wrap_ttl}` : ''].filter((x) => x);
    return { changed: true, summary: `create token (${what.join(', ')})${s.note ? `: ${s.note}` : ''}` };
  },
  async apply(ctx, args, _plan, s) {
    const t = openVault(ctx, args, label);
    const path = args.orphan ? 'auth/token/create-orphan' : 'auth/token/create';
    const res = await call(t, (c) => c.write(path, body(args), args.wrap_ttl ? { wrapTtl: args.wrap_ttl } : {}));
    const wrap = res['wrap_info'];
    if (args.wrap_ttl && wrap && typeof wrap === 'object') {
      const w = wrap as Record<string, unknown>;
      ctx.secrets.add(w['token']);
      return { wrap_token: w['token'], wrap_accessor: w['accessor'], wrap_ttl: w['ttl'], wrapped: true };
    }
    const auth = (res['auth'] ?? {}) as Record<string, unknown>;
    const token = String(auth['client_token'] ?? '');
    ctx.secrets.add(token);
    if (s.tokenFile) await ctx.connection.writeFile(s.tokenFile, `${token}\n`, { mode: 0o600 });
    return { token, accessor: auth['accessor'], policies: auth['policies'], lease_duration: auth['lease_duration'], renewable: auth['renewable'], orphan: auth['orphan'] };
  },
} satisfies ModuleDef<VaultTokenArgs, State>;
