/**
 * vault_token: `vault token create -policy=... -period=24h -orphan`. Always creates a token
 * (changed), except with `token_file`: the token is kept in that local file (0600) and reused
 * while it is valid and has the requested policies. Orphans are created with a write to
 * auth/token/create-orphan (node-vault's tokenCreateOrphan drops `period`). Every token value
 * is registered as a secret; with `wrap_ttl` only the wrapping token is returned.
 */
import { defineModule, type ArgSchema, type ArgsOf, type Plan } from './types.js';
import { dataOf } from '../vault/client.js';
import { call, connect, CONNECTION_ARGS, openVault, targetOf, type VaultTarget } from './lib/vault.js';
import { localText } from './lib/pki.js';
import { durationProblems } from '../vault/ttl.js';

const ARGS = {
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
} as const satisfies ArgSchema;
type Args = ArgsOf<typeof ARGS>;

interface State {
  reusable: { token: string; accessor: string; policies: string[] } | undefined;
  note: string;
  tokenFile: string | undefined;
  vault: VaultTarget;
}
/** Create a token: this request to `path` (create or create-orphan), kept in tokenFile if given. */
interface TokenChange {
  vault: VaultTarget;
  path: string;
  body: Record<string, unknown>;
  wrapTtl?: string;
  tokenFile?: string;
}

const label = 'vault_token';

function wantedPolicies(a: Args): string[] {
  const p = new Set(a.policies);
  if (!a.no_default_policy) p.add('default');
  return [...p].sort();
}

function body(a: Args): Record<string, unknown> {
  const b: Record<string, unknown> = { policies: a.policies, no_default_policy: a.no_default_policy };
  for (const k of ['period', 'ttl', 'explicit_max_ttl', 'renewable', 'display_name', 'meta', 'num_uses'] as const) if (a[k] !== undefined) b[k] = a[k];
  return b;
}

export const vault_token = defineModule({
  name: 'vault_token',
  target: 'local',
  checkMode: 'none',
  args: ARGS,
  mutuallyExclusive: [['wrap_ttl', 'token_file']],
  validate: (a) => durationProblems(a, ['period', 'ttl', 'explicit_max_ttl', 'wrap_ttl']),
  async check(ctx, args): Promise<State> {
    const t = openVault(ctx, args, label);
    const tokenFile = args.token_file ? ctx.vault.resolvePath(args.token_file) : undefined;
    const saved = tokenFile ? (await localText(ctx, tokenFile))?.trim() : undefined;
    if (!tokenFile || !saved) return { reusable: undefined, note: tokenFile ? `no token in ${tokenFile}` : '', tokenFile, vault: targetOf(t) };
    ctx.secrets.add(saved);
    // lookup-self with the saved token itself: allowed by the default policy.
    const own = openVault(ctx, { ...args, token: saved }, label);
    let info: Record<string, unknown>;
    try {
      info = dataOf(await own.client.read('auth/token/lookup-self'));
    } catch {
      await call(t, (c) => c.sealStatus()); // unreachable/sealed are reported as such
      return { reusable: undefined, note: `the token in ${tokenFile} is no longer valid`, tokenFile, vault: targetOf(t) };
    }
    const have = Array.isArray(info['policies']) ? info['policies'].map(String).sort() : [];
    if (JSON.stringify(have) !== JSON.stringify(wantedPolicies(args))) {
      return { reusable: undefined, note: `the token in ${tokenFile} has policies ${have.join(', ')}`, tokenFile, vault: targetOf(t) };
    }
    return { reusable: { token: saved, accessor: String(info['accessor'] ?? ''), policies: have }, note: '', tokenFile, vault: targetOf(t) };
  },
  plan(s, args): Plan<TokenChange> {
    if (s.reusable) return { ok: true, reason: `token in ${s.tokenFile} still valid (policies ${s.reusable.policies.join(', ')})`, data: { ...s.reusable } };
    const what = [`policies ${wantedPolicies(args).join(', ')}`, args.period ? `period ${args.period}` : '', args.ttl ? `ttl ${args.ttl}` : '', args.orphan ? 'orphan' : '', args.wrap_ttl ? `wrapped for ${args.wrap_ttl}` : ''].filter((x) => x);
    const change: TokenChange = {
      vault: s.vault,
      path: args.orphan ? 'auth/token/create-orphan' : 'auth/token/create',
      body: body(args),
      ...(args.wrap_ttl ? { wrapTtl: args.wrap_ttl } : {}),
      ...(s.tokenFile ? { tokenFile: s.tokenFile } : {}),
    };
    return { change, summary: `create token (${what.join(', ')})${s.note ? `: ${s.note}` : ''}` };
  },
  async apply(ctx, c) {
    const t = connect(ctx, c.vault);
    const res = await call(t, (v) => v.write(c.path, c.body, c.wrapTtl ? { wrapTtl: c.wrapTtl } : {}));
    const wrap = res['wrap_info'];
    if (c.wrapTtl && wrap && typeof wrap === 'object') {
      const w = wrap as Record<string, unknown>;
      ctx.secrets.add(w['token']);
      return { wrap_token: w['token'], wrap_accessor: w['accessor'], wrap_ttl: w['ttl'], wrapped: true };
    }
    const auth = (res['auth'] ?? {}) as Record<string, unknown>;
    const token = String(auth['client_token'] ?? '');
    ctx.secrets.add(token);
    if (c.tokenFile) await ctx.connection.writeFile(c.tokenFile, `${token}\n`, { mode: 0o600 });
    return { token, accessor: auth['accessor'], policies: auth['policies'], lease_duration: auth['lease_duration'], renewable: auth['renewable'], orphan: auth['orphan'] };
  },
});
