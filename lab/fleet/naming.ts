/**
 * Names and paths of a lab, all derived from its name, so several labs can run at once:
 * kernel object names (netns, bridge, veth ≤ 15 chars), the default subnet, the state dir.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_LAB = 'default';
const NAME_RE = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export function checkLabName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new Error(`lab name "${name}" is invalid: use 1-32 of a-z, 0-9, "-" or "_", starting with a letter or digit`);
  }
  return name;
}

/** Four hex digits identifying the lab in kernel object names. */
export function labTag(name: string): string {
  return createHash('sha1').update(name).digest('hex').slice(0, 4);
}

export interface KernelNames {
  bridge: string;
  netnsPrefix: string;
  netns(host: string): string;
  veth(index: number): string;
}

export function kernelNames(name: string): KernelNames {
  const tag = labTag(name);
  return {
    bridge: `ol${tag}br`,
    netnsPrefix: `olab-${tag}-`,
    netns: (host) => `olab-${tag}-${host}`,
    veth: (index) => `ol${tag}v${index}`,
  };
}

/** Second octet of the /16 a lab tries first: 213 for the default lab, 214..253 for others. */
export function preferredOctet(name: string): number {
  if (name === DEFAULT_LAB) return 213;
  const n = Number.parseInt(createHash('sha1').update(`subnet:${name}`).digest('hex').slice(0, 6), 16);
  return 214 + (n % 40);
}

/** The repository root: the nearest ancestor of this file holding the orchestrate package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && /"name"\s*:\s*"orchestrate"/.test(readFileSync(pkg, 'utf8'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the orchestrate repository root above the lab code');
    dir = up;
  }
}

/** State dir: ORCHESTRATE_LAB_DIR/<name> if set, else <repo>/.lab/<name>. */
export function stateDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env['ORCHESTRATE_LAB_DIR'];
  return base ? resolve(base, name) : join(repoRoot(), '.lab', name);
}

/** Default inventory path: inventory/lab.yml for the default lab, <statedir>/inventory.yml otherwise. */
export function defaultInventory(name: string, dir: string): string {
  return name === DEFAULT_LAB ? join(repoRoot(), 'inventory', 'lab.yml') : join(dir, 'inventory.yml');
}

export function hostNames(servers: number, clients: number): { name: string; role: 'server' | 'client' }[] {
  const out: { name: string; role: 'server' | 'client' }[] = [];
  for (let i = 1; i <= servers; i++) out.push({ name: `server${i}`, role: 'server' });
  for (let i = 1; i <= clients; i++) out.push({ name: `client${i}`, role: 'client' });
  return out;
}
