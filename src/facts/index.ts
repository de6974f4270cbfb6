/**
 * Facts without Python: one POSIX sh script per host (script.ts), one round trip through the
 * host's persistent shell, parsed here into the names and values ansible-core's `setup` reports
 * (`ansible_` prefix, '-' as '_'), then filtered as `setup`'s `filter` option does.
 */
import type { Connection } from '../connection/connection.js';
import { distributionFacts, lsbFacts } from './distribution.js';
import { cpuFacts, dmiFacts, memoryFacts, mountFacts, uptimeLoadFacts } from './hardware.js';
import { networkFacts } from './network.js';
import { factsScript } from './script.js';
import { localFacts } from './local.js';
import { splitOutput, type Raw } from './sections.js';
import { resolveSubset, type Part } from './subset.js';
import { capsFacts, cmdlineFacts, dateTimeFacts, dnsFacts, envFacts, fipsFacts, pkgMgrFacts, platformFacts, pythonFacts, securityFacts, serviceMgrFacts, sshKeyFacts, userFacts } from './system.js';

export { factsScript } from './script.js';
export { resolveSubset, SUBSET_NAMES, type Part } from './subset.js';

/** Facts without their `ansible_` prefix (as in `ansible_facts.*`), for the given parts. */
export function parseFacts(output: string, parts: ReadonlySet<Part>, factPath = '/etc/ansible/facts.d'): Record<string, unknown> {
  const raw: Raw = splitOutput(output);
  const f: Record<string, unknown> = {};
  const platform = platformFacts(raw);
  if (parts.has('platform')) Object.assign(f, platform);
  const system = String(platform['system'] || 'Linux');
  const dist = distributionFacts(raw, system, String(platform['kernel'] ?? ''), String(platform['kernel_version'] ?? ''));
  if (parts.has('distribution')) Object.assign(f, dist);
  if (parts.has('lsb')) Object.assign(f, lsbFacts(raw));
  if (parts.has('user')) Object.assign(f, userFacts(raw));
  if (parts.has('env')) Object.assign(f, envFacts(raw));
  if (parts.has('date_time')) Object.assign(f, dateTimeFacts(raw));
  if (parts.has('dns')) Object.assign(f, dnsFacts(raw));
  if (parts.has('cmdline')) Object.assign(f, cmdlineFacts(raw));
  if (parts.has('fips')) Object.assign(f, fipsFacts(raw));
  if (parts.has('service_mgr')) Object.assign(f, serviceMgrFacts(raw, system));
  if (parts.has('pkg_mgr')) Object.assign(f, pkgMgrFacts(raw, dist['os_family'] as string | undefined));
  if (parts.has('ssh_pub_keys')) Object.assign(f, sshKeyFacts(raw));
  if (parts.has('caps')) Object.assign(f, capsFacts(raw));
  if (parts.has('python')) Object.assign(f, pythonFacts(raw));
  if (parts.has('selinux') || parts.has('apparmor')) {
    const sec = securityFacts(raw);
    if (parts.has('selinux')) f['selinux'] = sec['selinux'];
    if (parts.has('apparmor')) f['apparmor'] = sec['apparmor'];
  }
  if (parts.has('local')) f['local'] = localFacts(raw, factPath);
  if (parts.has('hardware')) {
    Object.assign(f, memoryFacts(raw), cpuFacts(raw, String(platform['architecture'] ?? '')), mountFacts(raw), dmiFacts(raw), uptimeLoadFacts(raw));
  }
  if (parts.has('interfaces')) Object.assign(f, networkFacts(raw));
  return f;
}

/** Ansible's `filter`: fnmatch patterns over the prefixed names (`ansible_*_mb`, `ansible_distribution*`). */
export function filterFacts(facts: Record<string, unknown>, filter: readonly string[]): Record<string, unknown> {
  const pats = filter.filter((p) => p.length > 0);
  if (pats.length === 0 || pats.includes('*')) return facts;
  const res = pats.map((p) => new RegExp(`^${p.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.').replace(/\[!/g, '[^')}$`));
  return Object.fromEntries(Object.entries(facts).filter(([k]) => res.some((r) => r.test(k))));
}

/** The prefixed form `setup` returns in its `ansible_facts` (plus gather_subset, module_setup). */
export function prefixed(facts: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(facts)) {
    if (k === 'discovered_interpreter_python') out[k] = v;
    else out[`ansible_${k.replace(/-/g, '_')}`] = v;
  }
  return out;
}

export interface GatherOptions {
  subset?: unknown;
  filter?: readonly string[];
  /** Where local facts (*.fact) are (ansible_local). */
  factPath?: string;
}

/** Gather on one host: one command through the connection (the persistent shell on SSH). */
export async function gatherFacts(conn: Connection, opts: GatherOptions = {}): Promise<Record<string, unknown>> {
  const parts = resolveSubset(opts.subset ?? 'all');
  const res = await conn.exec(factsScript(parts, opts.factPath));
  if (!res.stdout.includes('@@orc:end')) {
    throw new Error(`the facts script did not finish (rc ${res.rc}): ${res.stderr.trim().split('\n').slice(-3).join('; ') || 'no output'}`);
  }
  const subset = Array.isArray(opts.subset) ? opts.subset.map(String) : String(opts.subset ?? 'all').split(',').map((s) => s.trim());
  const facts = filterFacts(prefixed(parseFacts(res.stdout, parts, opts.factPath)), opts.filter ?? []);
  return { ...facts, gather_subset: subset, module_setup: true };
}
