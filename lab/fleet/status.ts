/** `lab status`, `lab cut HOST`, `lab restore HOST`. */
import { connect } from 'node:net';
import pLimit from 'p-limit';
import { isAlive } from './exec.js';
import { DEFAULT_LAB, checkLabName, stateDir } from './naming.js';
import { repoPath } from './inventory.js';
import { setLink } from './network.js';
import { readPid, readState, type LabHost, type LabState } from './state.js';
import { suggest } from '../../src/util/suggest.js';

export interface HostStatus {
  name: string;
  role: string;
  address: string;
  /** Where clients connect (the proxy, with latency). */
  endpoint: string;
  up: boolean;
  banner?: string;
  error?: string;
}

export interface LabStatus {
  name: string;
  dir: string;
  subnet: string;
  bridgeIp: string;
  latencyMs: number;
  inventory: string;
  hosts: HostStatus[];
  services: { name: string; pid?: number; running: boolean }[];
}

export function loadLab(name: string | undefined): LabState {
  const n = checkLabName(name ?? DEFAULT_LAB);
  const dir = stateDir(n);
  const state = readState(dir);
  if (!state) throw new Error(`lab "${n}" is not up (no ${dir}/lab.json); run "orchestrate lab up${n === DEFAULT_LAB ? '' : ` --name ${n}`}"`);
  return state;
}

/** TCP connect and read the SSH banner line. */
export function probeSsh(host: string, port: number, timeoutMs = 2000): Promise<{ banner?: string; error?: string }> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    let buf = '';
    const done = (r: { banner?: string; error?: string }): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ error: `no SSH banner within ${timeoutMs}ms` }), timeoutMs);
    sock.on('data', (b: Buffer) => {
      buf += b.toString('latin1');
      const line = buf.split('\r\n')[0] ?? '';
      if (buf.includes('\n')) done(line.startsWith('SSH-') ? { banner: line.trim() } : { error: `not an SSH banner: ${line.slice(0, 40)}` });
    });
    sock.on('error', (e) => done({ error: e.message }));
    sock.on('end', () => done({ error: 'closed before the SSH banner' }));
  });
}

export async function labStatus(name?: string): Promise<LabStatus> {
  const state = loadLab(name);
  const limit = pLimit(32);
  const hosts = await Promise.all(
    state.hosts.map((h) =>
      limit(async (): Promise<HostStatus> => {
        const [host, port] = h.proxyPort ? [state.bridgeIp, h.proxyPort] : [h.address, 22];
        const probe = await probeSsh(host, port);
        return { name: h.name, role: h.role, address: h.address, endpoint: `${host}:${port}`, up: probe.banner !== undefined, ...probe };
      }),
    ),
  );
  const services = ['vault', 'artifacts', 'proxy'].map((s) => {
    const pid = readPid(state.dir, s);
    return { name: s, ...(pid ? { pid } : {}), running: pid !== undefined && isAlive(pid) };
  });
  return { name: state.name, dir: state.dir, subnet: state.subnet, bridgeIp: state.bridgeIp, latencyMs: state.latencyMs, inventory: state.inventory, hosts, services };
}

export function formatStatus(s: LabStatus): string {
  const lines = [`lab ${s.name}: ${s.subnet} via ${s.bridgeIp}${s.latencyMs ? `, latency ${s.latencyMs}ms` : ''}; inventory ${repoPath(s.inventory)}`];
  const width = Math.max(...s.hosts.map((h) => h.name.length), 4);
  for (const h of s.hosts) {
    lines.push(`  ${h.name.padEnd(width)}  ${h.address.padEnd(15)}  ${h.up ? 'up' : 'DOWN'}  ${h.up ? h.banner ?? '' : h.error ?? ''}`);
  }
  for (const svc of s.services.filter((x) => x.pid !== undefined)) {
    lines.push(`  service ${svc.name}: ${svc.running ? `running (pid ${svc.pid})` : 'NOT running'}`);
  }
  const up = s.hosts.filter((h) => h.up).length;
  lines.push(`${up}/${s.hosts.length} hosts answer SSH`);
  return lines.join('\n');
}

function findHost(state: LabState, host: string): LabHost {
  const h = state.hosts.find((x) => x.name === host);
  if (h) return h;
  const hint = suggest(host, state.hosts.map((x) => x.name));
  throw new Error(`lab ${state.name} has no host "${host}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
}

/** Take a host off the network (its veth down on the bridge side). */
export async function labCut(host: string, name?: string): Promise<LabHost> {
  const h = findHost(loadLab(name), host);
  await setLink(h.veth, false);
  return h;
}

export async function labRestore(host: string, name?: string): Promise<LabHost> {
  const h = findHost(loadLab(name), host);
  await setLink(h.veth, true);
  return h;
}
