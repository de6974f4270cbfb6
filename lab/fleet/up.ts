/** `lab up`: build the fleet, fast: batched ip commands, parallel key generation and sshd starts. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { labDown } from './down.js';
import { ed25519KeyPair } from './sshkey.js';
import { hostDir, machineBase, prepareHost, startHost } from './host.js';
import { writeInventory, writeKnownHosts } from './inventory.js';
import { DEFAULT_LAB, checkLabName, defaultInventory, hostNames, kernelNames, preferredOctet, stateDir } from './naming.js';
import { createBridge, createHostLinks } from './network.js';
import { parseLatency } from './proxy.js';
import { distScript, parseVaultMode, provisionHost, provisionScriptExists, startArtifacts, startService, startVault, waitFor, type VaultMode } from './services.js';
import { readState, writeState, type LabHost, type LabState } from './state.js';
import { chooseSubnet, intToIp, withNetLock } from './subnet.js';
import { run } from './exec.js';
import type { DebSpec } from './apt-debs.js';
import { aptRepoDir, aptRepoUrl, buildAptRepo } from './apt-repo.js';
import { ensureSupport } from './support.js';

export interface UpOptions {
  name?: string;
  servers?: number;
  clients?: number;
  /** "20ms", "0.1s" or milliseconds: round-trip latency added in front of each sshd. */
  latency?: string | number;
  subnet?: string;
  inventory?: string;
  /** Run lab/standins/provision.sh in each host (default true; about 1 s of a busy core per host). */
  provision?: boolean;
  /** The lab Vault: "shamir" (default), "auto-unseal", "tls", or "auto-unseal+tls". */
  vaultMode?: string;
  /** Debian packages of this machine (cached or installed) the lab's apt repository serves. */
  aptPackages?: string[];
  /** Test packages, built from a spec, it serves too. */
  aptSpecs?: DebSpec[];
  log?: (message: string) => void;
  warn?: (message: string) => void;
}

export interface UpResult {
  state: LabState;
  /** Milliseconds per phase, and "total". */
  timings: Record<string, number>;
}

const PROXY_BASE_PORT = 22000;

function checkCount(what: string, n: number, min: number): number {
  if (!Number.isInteger(n) || n < min || n > 60000) throw new Error(`--${what} must be a whole number from ${min} to 60000 (got ${n})`);
  return n;
}

export async function labUp(opts: UpOptions = {}): Promise<UpResult> {
  const name = checkLabName(opts.name ?? DEFAULT_LAB);
  const servers = checkCount('servers', opts.servers ?? 1, 0);
  const clients = checkCount('clients', opts.clients ?? 3, 0);
  if (servers + clients === 0) throw new Error('the lab needs at least one host (--servers/--clients)');
  const vault = parseVaultMode(opts.vaultMode);
  const latencyMs = opts.latency === undefined ? 0 : typeof opts.latency === 'number' ? opts.latency : parseLatency(opts.latency);
  const log = opts.log ?? ((): void => undefined);
  const warn = opts.warn ?? ((m: string): void => void process.stderr.write(`warning: ${m}\n`));
  const dir = stateDir(name);
  if (readState(dir)) throw new Error(`lab "${name}" is already up (state in ${dir}); run "orchestrate lab down --name ${name}" first`);
  await ensureSupport(log);
  try {
    const apt = { packages: opts.aptPackages ?? [], specs: opts.aptSpecs ?? [] };
    return await build({ name, servers, clients, latencyMs, dir, log, warn, subnet: opts.subnet, inventory: opts.inventory, provision: opts.provision ?? true, vault, apt });
  } catch (e) {
    log(`lab up failed, cleaning up: ${(e as Error).message}`);
    await labDown({ name }).catch(() => undefined);
    throw e;
  }
}

interface BuildArgs {
  name: string;
  servers: number;
  clients: number;
  latencyMs: number;
  dir: string;
  subnet: string | undefined;
  inventory: string | undefined;
  provision: boolean;
  vault: VaultMode;
  apt: { packages: string[]; specs: DebSpec[] };
  log: (m: string) => void;
  warn: (m: string) => void;
}

async function build(a: BuildArgs): Promise<UpResult> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const mark = (phase: string, since: number): number => (timings[phase] = Date.now() - since);
  const names = kernelNames(a.name);
  mkdirSync(join(a.dir, 'ssh'), { recursive: true });
  const privateKey = join(a.dir, 'ssh', 'id_ed25519');
  const labKey = labKeypair(privateKey, a.name);
  let t = Date.now();
  const state = await withNetLock(async () => {
    const subnet = await chooseSubnet(a.subnet, preferredOctet(a.name));
    const s = initialState(a, subnet.base, subnet.prefix, subnet.cidr, names.bridge, privateKey);
    writeState(s);
    await createBridge(names.bridge, s.bridgeIp, s.prefix);
    return s;
  });
  mark('bridge', t);
  a.log(`lab ${a.name}: ${state.subnet} on ${state.bridge} (${state.bridgeIp}), ${state.hosts.length} hosts`);
  const services = startServices(state, a.vault, a.warn);
  services.catch(() => undefined);
  const aptRepo = buildAptRepo(aptRepoDir(a.dir), { ...a.apt, warn: a.warn });
  aptRepo.catch(() => undefined);
  t = Date.now();
  await createHostLinks(names.bridge, state.hosts);
  mark('netns', t);
  t = Date.now();
  await mountHostsDir(a.dir, a.name);
  const base = machineBase();
  const pub = labKey;
  const files = pLimit(16);
  const hostKeys = await Promise.all(state.hosts.map((h) => files(() => prepareHost(a.dir, h, base, pub, state.prefix, state.bridgeIp))));
  const keys = new Map<string, string>(state.hosts.map((h, i) => [h.name, hostKeys[i]!]));
  mark('hostfiles', t);
  t = Date.now();
  const starts = pLimit(16);
  const pids = await Promise.all(state.hosts.map((h) => starts(() => startHost(a.dir, h))));
  mark('sshd', t);
  a.log(`lab ${a.name}: ${state.hosts.length} sshd up`);
  t = Date.now();
  if (!a.provision) a.log('hosts not provisioned (--no-provision)');
  else if (provisionScriptExists()) {
    const prov = pLimit(12);
    // servers join each other (Serf, Raft); clients know the servers' RPC addresses
    const env = { LAB_NOMAD_SERVERS: state.hosts.filter((h) => h.role === 'server').map((h) => h.address).join(',') };
    await Promise.all(state.hosts.map((h, i) => prov(() => provisionHost(pids[i]!, h.role, h.name, env))));
  } else a.warn('lab/standins/provision.sh not found: hosts are not provisioned (no systemctl shim, no Nomad stand-in)');
  mark('provision', t);
  t = Date.now();
  if (a.latencyMs > 0) await startProxy(state);
  state.vars = { ...state.vars, ...(await services) };
  const debs = await aptRepo;
  state.vars = { ...state.vars, lab_apt_repo_url: aptRepoUrl(state.bridgeIp) };
  if (debs.length) a.log(`lab ${a.name}: apt repository ${aptRepoUrl(state.bridgeIp)} with ${debs.length} packages`);
  mark('services', t);
  writeKnownHosts(state, keys);
  writeInventory(state);
  writeState(state);
  timings['total'] = Date.now() - t0;
  return { state, timings };
}

/**
 * The hosts' state dirs, and so their writable layers (the overlay upper dirs behind /etc, /opt,
 * ...), live on a tmpfs of the lab's own, mounted inside its state dir: each lab starts with a
 * fresh filesystem, as a real host has a disk of its own. On the machine's disk, thousands of
 * files just deleted by an earlier lab made each new file slow to create (on an ext4 without a
 * journal, inode allocation steps over recently deleted inodes one by one); `lab down` unmounts
 * it with the rest of the lab's mounts.
 */
async function mountHostsDir(dir: string, name: string): Promise<void> {
  const hosts = join(dir, 'hosts');
  mkdirSync(hosts, { recursive: true });
  await run('mount', ['-t', 'tmpfs', '-o', 'mode=0755', `lab-${name}-hosts`, hosts]);
}

function initialState(a: BuildArgs, base: number, prefix: number, cidr: string, bridge: string, privateKey: string): LabState {
  const names = kernelNames(a.name);
  const capacity = 2 ** (32 - prefix) - 3;
  const list = hostNames(a.servers, a.clients);
  if (list.length > capacity) throw new Error(`lab subnet ${cidr} has room for ${capacity} hosts, not ${list.length}`);
  const hosts: LabHost[] = list.map((h, index) => ({
    ...h,
    index,
    address: intToIp(base + index + 2),
    netns: names.netns(h.name),
    veth: names.veth(index),
    ...(a.latencyMs > 0 ? { proxyPort: PROXY_BASE_PORT + index + 1 } : {}),
  }));
  return {
    name: a.name,
    dir: a.dir,
    subnet: cidr,
    bridge,
    bridgeIp: intToIp(base + 1),
    prefix,
    latencyMs: a.latencyMs,
    inventory: a.inventory ?? defaultInventory(a.name, a.dir),
    knownHosts: join(a.dir, 'known_hosts'),
    privateKey,
    hosts,
    vars: {},
    createdAt: new Date().toISOString(),
  };
}

function labKeypair(privateKey: string, name: string): string {
  if (!existsSync(privateKey)) {
    const key = ed25519KeyPair(`orchestrate-lab-${name}`);
    writeFileSync(privateKey, key.privateKey, { mode: 0o600 });
    writeFileSync(`${privateKey}.pub`, `${key.publicKey}\n`, { mode: 0o644 });
  }
  return readFileSync(`${privateKey}.pub`, 'utf8');
}

async function startServices(state: LabState, vault: VaultMode, warn: (m: string) => void): Promise<Record<string, unknown>> {
  const [vaultVars, artifactVars] = await Promise.all([startVault(state.dir, state.bridgeIp, vault, warn), startArtifacts(state.dir, state.bridgeIp, warn)]);
  return { ...artifactVars, ...vaultVars };
}

async function startProxy(state: LabState): Promise<void> {
  const script = distScript('lab/fleet/proxy-main.js');
  if (!script) throw new Error('--latency needs the built proxy (dist/lab/fleet/proxy-main.js): run "npm run build" first');
  const config = join(state.dir, 'proxy.json');
  const routes = state.hosts.map((h) => ({ port: h.proxyPort ?? 0, targetHost: h.address, targetPort: 22 }));
  writeFileSync(config, JSON.stringify({ listen: state.bridgeIp, delayMs: state.latencyMs / 2, routes }));
  const s = startService(state.dir, 'proxy', script, [config]);
  await waitFor('latency proxy', s, (text) => (text.includes('proxy listening') ? true : undefined));
}

export { hostDir };
