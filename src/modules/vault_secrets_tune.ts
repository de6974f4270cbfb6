/**
 * vault_secrets_tune: `vault secrets tune -max-lease-ttl=87600h pki`, compared in seconds first.
 * "system" (use Vault's system-wide value) is compared with the mount's own setting: the tune
 * endpoint reports the effective TTL (the system's when unset), `sys/mounts/<path>` the mount's
 * own (0 when it follows the system), so "system" is a no-op once set.
 */
import { defineModule, type ArgSchema, type ArgsOf, type Plan } from './types.js';
import { dataOf, VaultError, type VaultBody, type VaultClient } from '../vault/client.js';
import { call, connect, CONNECTION_ARGS, differences, openVault, targetOf, type VaultTarget } from './lib/vault.js';
import { formatDuration, durationProblems } from '../vault/ttl.js';

const ARGS = { ...CONNECTION_ARGS, path: { type: 'str', required: true }, max_lease_ttl: { type: 'str' }, default_lease_ttl: { type: 'str' }, description: { type: 'str' } } as const satisfies ArgSchema;
type Args = ArgsOf<typeof ARGS>;
/** The tune endpoint's answer, the mount's own settings (when "system" is asked for), and where it is. */
interface State {
  tuned: Record<string, unknown>;
  own?: Record<string, unknown>;
  vault: VaultTarget;
}
/** `sys/mounts/<path>/tune` with this body. */
interface TuneChange {
  vault: VaultTarget;
  path: string;
  body: Record<string, unknown>;
}

const FIELDS = ['max_lease_ttl', 'default_lease_ttl'] as const;
const path = (a: Args): string => a.path.replace(/^\/+|\/+$/g, '');

function wanted(a: Args): Record<string, unknown> {
  const w: Record<string, unknown> = {};
  for (const f of FIELDS) if (a[f] !== undefined) w[f] = a[f];
  if (a.description !== undefined) w['description'] = a.description;
  return w;
}

export const vault_secrets_tune = defineModule({
  name: 'vault_secrets_tune',
  target: 'local',
  checkMode: 'full',
  args: ARGS,
  requiredOneOf: [['max_lease_ttl', 'default_lease_ttl', 'description']],
  validate: (a) => durationProblems(a, FIELDS, ['system']),
  async check(ctx, args): Promise<State> {
    const t = openVault(ctx, args, `vault_secrets_tune(${path(args)})`);
    const tuned = dataOf(await call(t, (c) => c.read(`sys/mounts/${path(args)}/tune`)));
    if (!FIELDS.some((f) => args[f] === 'system')) return { tuned, vault: targetOf(t) };
    return { tuned, own: await call(t, (c) => ownConfig(c, path(args))), vault: targetOf(t) };
  },
  plan(s, args): Plan<TuneChange> {
    const cur = s.tuned;
    const want = wanted(args);
    const system = FIELDS.filter((f) => want[f] === 'system');
    const diff = [
      ...differences(Object.fromEntries(Object.entries(want).filter(([k]) => !(system as string[]).includes(k))), cur, { max_lease_ttl: 'duration', default_lease_ttl: 'duration' }),
      ...system.filter((f) => Number(s.own?.[f] ?? -1) !== 0),
    ];
    const show = (f: string): string => (want[f] === 'system' && Number(s.own?.[f] ?? -1) === 0 ? `${f}=system` : `${f}=${typeof cur[f] === 'number' ? formatDuration(cur[f]) : String(cur[f] ?? '')}`);
    if (diff.length === 0) return { ok: true, reason: `${path(args)}/ already tuned: ${Object.keys(wanted(args)).map(show).join(', ')}` };
    const w = wanted(args);
    return { change: { vault: s.vault, path: path(args), body: w }, summary: `tune ${path(args)}/: ${diff.map((f) => `${show(f)} → ${String(w[f])}`).join(', ')}` };
  },
  async apply(ctx, c) {
    const t = connect(ctx, c.vault);
    await call(t, (v) => v.write(`sys/mounts/${c.path}/tune`, c.body));
  },
});

/** The mount's own lease settings (`config` of GET sys/mounts/<path>; of the sys/mounts list before Vault 1.10). */
async function ownConfig(c: VaultClient, p: string): Promise<Record<string, unknown>> {
  let mount: VaultBody;
  try {
    mount = dataOf(await c.read(`sys/mounts/${p}`));
  } catch (e) {
    if (!(e instanceof VaultError) || e.kind === 'denied' || e.kind === 'unreachable' || e.kind === 'sealed') throw e;
    const all = dataOf(await c.read('sys/mounts'));
    const m = all[`${p}/`];
    mount = m && typeof m === 'object' ? (m as VaultBody) : {};
  }
  const config = mount['config'];
  return config && typeof config === 'object' ? (config as Record<string, unknown>) : {};
}
