/**
 * gather_subset → the parts the script gathers, as Ansible resolves it: `all` (default), `min`,
 * `hardware`, `network`, `virtual`, single collectors by name, `!name` to exclude; `min` is always
 * gathered unless `!min` (or `!all` alone) is given.
 */

export const MIN_PARTS = [
  'apparmor', 'caps', 'cmdline', 'date_time', 'distribution', 'dns', 'env', 'fips', 'local', 'lsb', 'pkg_mgr',
  'platform', 'python', 'selinux', 'service_mgr', 'ssh_pub_keys', 'user',
] as const;

export type Part = (typeof MIN_PARTS)[number] | 'hardware' | 'interfaces';

/** Subset names Ansible knows and the parts we gather for them (virtual, ohai and facter gather nothing here). */
const GROUPS: Record<string, Part[]> = {
  min: [...MIN_PARTS],
  hardware: ['hardware'],
  network: ['interfaces'],
  interfaces: ['interfaces'],
  virtual: [],
  ohai: [],
  facter: [],
  devices: ['hardware'],
  dmi: ['hardware'],
  mounts: ['hardware'],
  default_ipv4: ['interfaces'],
  all_ipv4_addresses: ['interfaces'],
};
for (const p of MIN_PARTS) GROUPS[p] = [p];
GROUPS['all'] = [...new Set(Object.values(GROUPS).flat())];

export const SUBSET_NAMES = Object.keys(GROUPS);

/** Parts for a gather_subset value (string, comma list or list); throws on an unknown name. */
export function resolveSubset(subset: unknown): Set<Part> {
  const items = (Array.isArray(subset) ? subset : String(subset ?? 'all').split(','))
    .map((s) => String(s).trim())
    .filter((s) => s.length > 0);
  const add = new Set<Part>();
  const drop = new Set<Part>();
  const named = new Set<Part>();
  let keepMin = true;
  for (const raw of items) {
    const neg = raw.startsWith('!') || raw.startsWith('-');
    const name = neg ? raw.slice(1) : raw;
    const parts = GROUPS[name];
    if (!parts) throw new Error(`Bad subset '${name}' given to Ansible. gather_subset options allowed: ${SUBSET_NAMES.sort().join(', ')}`);
    if (neg && (name === 'all' || name === 'min')) {
      if (name === 'min') keepMin = false;
      for (const p of GROUPS['all']!) if (!(MIN_PARTS as readonly string[]).includes(p)) drop.add(p);
      if (name === 'min') for (const p of MIN_PARTS) drop.add(p);
      continue;
    }
    for (const p of parts) (neg ? drop : add).add(p);
    if (!neg && name !== 'all') for (const p of parts) named.add(p);
  }
  if (items.length === 0) for (const p of GROUPS['all']!) add.add(p);
  const out = new Set<Part>(add);
  if (keepMin) for (const p of MIN_PARTS) out.add(p);
  // a part named on its own stays even when a group it belongs to is excluded
  for (const p of drop) if (!named.has(p)) out.delete(p);
  return out;
}
