/** vault_secrets_tune: `vault secrets tune -max-lease-ttl=87600h pki`, compared in seconds first. */
import type { ModuleDef } from './types.js';
import { dataOf } from '../vault/client.js';
import { call, CONNECTION_ARGS, differences, openVault } from '../vault/module-kit.js';
import type { VaultArgs } from '../vault/session.js';
import { formatDuration, durationProblems } from '../vault/ttl.js';

export type VaultSecretsTuneArgs = VaultArgs & { path: string; max_lease_ttl?: string; default_lease_ttl?: string; description?: string };
type State = Record<string, unknown>;

const FIELDS = ['max_lease_ttl', 'default_lease_ttl'] as const;
const path = (a: VaultSecretsTuneArgs): string => a.path.replace(/^\/+|\/+$/g, '');

function wanted(a: VaultSecretsTuneArgs): Record<string, unknown> {
  const w: Record<string, unknown> = {};
  for (const f of FIELDS) if (a[f] !== undefined) w[f] = a[f];
  if (a.description !== undefined) w['description'] = a.description;
  return w;
}

export const vault_secrets_tune = {
  name: 'vault_secrets_tune',
  target: 'local',
  checkMode: 'full',
  args: { ...CONNECTION_ARGS, path: { type: 'str', required: true }, max_lease_ttl: { type: 'str' }, default_lease_ttl: { type: 'str' }, description: { type: 'str' } },
  requiredOneOf: [['max_lease_ttl', 'default_lease_ttl', 'description']],
  validate: (a) => durationProblems(a, FIELDS, ['system']),
  async check(ctx, args) {
    const t = openVault(ctx, args, `vault_secrets_tune(${path(args)})`);
    return dataOf(await call(t, (c) => c.read(`sys/mounts/${path(args)}/tune`)));
  },
  plan(cur, args) {
    const diff = differences(wanted(args), cur, { max_lease_ttl: 'duration', default_lease_ttl: 'duration' });
    const show = (f: string): string => `${f}=${typeof cur[f] === 'number' ? formatDuration(cur[f]) : String(cur[f] ?? '')}`;
    if (diff.length === 0) return { changed: false, reason: `${path(args)}/ already tuned: ${Object.keys(wanted(args)).map(show).join(', ')}` };
    const w = wanted(args);
    return { changed: true, summary: `tune ${path(args)}/: ${diff.map((f) => `${show(f)} → ${String(w[f])}`).join(', ')}` };
  },
  async apply(ctx, args) {
    const t = openVault(ctx, args, `vault_secrets_tune(${path(args)})`);
    await call(t, (c) => c.write(`sys/mounts/${path(args)}/tune`, wanted(args)));
  },
} satisfies ModuleDef<VaultSecretsTuneArgs, State>;
