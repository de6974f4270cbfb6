/**
 * Shared code for the mtls e2e tests: bring a lab fleet up (test/helpers/lab.ts when present,
 * else `orchestrate lab up --name ...`), run playbooks/mtls.yml, and inspect hosts with the real
 * `ssh` client using the lab's key and known_hosts.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { afterAll, beforeAll } from 'vitest';
import { orchestrate, REPO, type CliResult } from '../helpers/cli.js';

const run = promisify(execFile);

export interface FleetHost {
  name: string;
  group: 'servers' | 'clients';
  address: string;
  port: number;
}

export interface Fleet {
  inventory: string;
  hosts: FleetHost[];
  key: string;
  knownHosts: string;
  down(): Promise<void>;
}

type Lab = { inventory?: unknown; down?: () => Promise<void>; stop?: () => Promise<void>; skip?: unknown; reason?: unknown };

/** The lab helper's startLab when it exists; undefined otherwise. */
type StartOpts = { name: string; servers: number; clients: number; vaultMode?: string };
async function helperStart(): Promise<((o: StartOpts) => Promise<Lab>) | undefined> {
  const helper = '../helpers/lab.js';
  try {
    const mod = (await import(helper)) as { startLab?: (o: StartOpts) => Promise<Lab> };
    return typeof mod.startLab === 'function' ? mod.startLab : undefined;
  } catch {
    return undefined;
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined ? '' : String(v);
}

/** Hosts, key and known_hosts from an Ansible YAML inventory written by `lab up`. */
export function readInventory(file: string): Omit<Fleet, 'down' | 'inventory'> {
  const doc = yaml.load(readFileSync(file, 'utf8')) as { all: { children: Record<string, { hosts?: Record<string, Record<string, unknown>> }> } };
  const hosts: FleetHost[] = [];
  let key = '';
  let knownHosts = '';
  for (const group of ['servers', 'clients'] as const) {
    for (const [name, v] of Object.entries(doc.all.children[group]?.hosts ?? {})) {
      hosts.push({ name, group, address: str(v['ansible_host']), port: Number(v['ansible_port'] ?? 22) });
      key = path.resolve(REPO, str(v['ansible_ssh_private_key_file']));
      const m = /UserKnownHostsFile=(\S+)/.exec(str(v['ansible_ssh_common_args']));
      if (m) knownHosts = path.resolve(REPO, m[1]!);
    }
  }
  return { hosts, key, knownHosts };
}

/** A fleet, or the reason it cannot be built here. `vaultMode`: see `lab up --vault-mode`. */
export async function startFleet(name: string, servers: number, clients: number, vaultMode?: string): Promise<Fleet | string> {
  if (process.getuid?.() !== 0) return 'the lab needs root (network and mount namespaces)';
  const start = await helperStart();
  if (start) {
    const lab = await start({ name, servers, clients, ...(vaultMode ? { vaultMode } : {}) });
    if (lab.skip || lab.reason) return str(lab.skip ?? lab.reason);
    const inventory = path.resolve(REPO, str(lab.inventory));
    const down = lab.down ?? lab.stop ?? (async () => undefined);
    return { inventory, ...readInventory(inventory), down: () => down.call(lab) };
  }
  const dir = mkdtempSync(path.join(tmpdir(), `orchestrate-${name}-`));
  const inventory = path.join(dir, 'inventory.yml');
  const mode = vaultMode ? ['--vault-mode', vaultMode] : [];
  const up = await orchestrate(['lab', 'up', '--name', name, '--servers', String(servers), '--clients', String(clients), '--inventory', inventory, ...mode, '-q'], { timeoutMs: 300_000 });
  if (up.code !== 0 || !existsSync(inventory)) return `lab up failed: ${(up.stderr || up.stdout).trim().split('\n').slice(-3).join(' / ')}`;
  return {
    inventory,
    ...readInventory(inventory),
    down: async () => {
      await orchestrate(['lab', 'down', '--name', name], { timeoutMs: 120_000 });
    },
  };
}

/** Run a shell command on a lab host with the real ssh client; never throws. */
export async function sshRun(fleet: Fleet, host: FleetHost, cmd: string): Promise<{ rc: number; out: string; err: string }> {
  const args = ['-i', fleet.key, '-o', `UserKnownHostsFile=${fleet.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-p', String(host.port), `root@${host.address}`, cmd];
  try {
    const r = await run('ssh', args, { maxBuffer: 16 << 20 });
    return { rc: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { rc: typeof x.code === 'number' ? x.code : 255, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

/** Run the playbook against the fleet with its own Vault secrets and CA file. */
export async function runMtls(fleet: Fleet, work: string, extra: string[] = []): Promise<CliResult> {
  return orchestrate(
    ['run', '-i', fleet.inventory, 'playbooks/mtls.yml', '--json', '--vault-secrets-file', path.join(work, 'vault-secrets.json'), '-e', `vault_pki_ca_cert_file=${path.join(work, 'CA_cert.crt')}`, '-e', 'consul_template_wait_timeout=240', ...extra],
    { timeoutMs: 900_000 },
  );
}

/** openssl on the control machine (for chain verification). */
export async function openssl(args: string[]): Promise<{ rc: number; out: string }> {
  try {
    const r = await run('openssl', args);
    return { rc: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { rc: typeof x.code === 'number' ? x.code : 1, out: (x.stdout ?? '') + (x.stderr ?? '') };
  }
}

/**
 * One fleet for a describe block: started before its tests, taken down after them. `fleet()` is
 * undefined where the lab cannot be built here, and `skip()` then says why; `work` is a scratch dir.
 */
export function useFleet(name: string, servers: number, clients: number, vaultMode?: string): { fleet: () => Fleet | undefined; skip: () => string; work: string } {
  let fleet: Fleet | undefined;
  let skip = '';
  const work = mkdtempSync(path.join(tmpdir(), `orchestrate-${name}-`));
  beforeAll(async () => {
    const f = await startFleet(name, servers, clients, vaultMode);
    if (typeof f === 'string') {
      skip = f;
      console.warn(`skipping the mtls e2e on ${servers}+${clients}${vaultMode ? ` with the ${vaultMode} lab Vault` : ''}: ${f}`);
      return;
    }
    fleet = f;
  }, 600_000);
  afterAll(async () => {
    await fleet?.down();
  }, 300_000);
  return { fleet: () => fleet, skip: () => skip, work };
}
