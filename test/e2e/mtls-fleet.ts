/**
 * Shared code for the mtls e2e tests: bring a lab fleet up (test/helpers/lab.ts), run
 * playbooks/mtls.yml, and inspect hosts with the real `ssh` client using the lab's key and
 * known_hosts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { afterAll, beforeAll } from 'vitest';
import { orchestrate, REPO, type CliResult } from '../helpers/cli.js';
import { labSupported, startLab } from '../helpers/lab.js';

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
  const support = labSupported();
  if (!support.ok) return support.reason ?? 'the lab cannot be built here';
  const lab = await startLab({ name, servers, clients, ...(vaultMode ? { vaultMode } : {}) });
  const inventory = path.resolve(REPO, lab.inventory);
  return { inventory, ...readInventory(inventory), down: () => lab.down() };
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
