/**
 * `lab down`: stop only what the lab started (PID files, then every process left in a host's
 * netns), drop its mounts, netns, veths and bridge, remove its state. Safe to run twice.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { cmdline, isAlive, run, stopPid } from './exec.js';
import { hostDir } from './host.js';
import { DEFAULT_LAB, checkLabName, kernelNames, labTag, stateDir } from './naming.js';
import { deleteNetwork, listNetns, netnsPids } from './network.js';
import { readPid, readState, stateFile } from './state.js';

export interface DownOptions {
  name?: string;
  log?: (message: string) => void;
}

export interface DownResult {
  name: string;
  stoppedProcesses: number;
  removedNetns: number;
  timings: Record<string, number>;
}

const SERVICES = ['proxy', 'artifacts', 'vault'];

export async function labDown(opts: DownOptions = {}): Promise<DownResult> {
  const name = checkLabName(opts.name ?? DEFAULT_LAB);
  const dir = stateDir(name);
  const names = kernelNames(name);
  let state;
  try {
    state = readState(dir);
  } catch {
    state = undefined;
  }
  const timings: Record<string, number> = {};
  let t = Date.now();
  const mark = (phase: string): void => {
    timings[phase] = Date.now() - t;
    t = Date.now();
  };
  let stopped = 0;
  for (const what of SERVICES) {
    const pid = readPid(dir, what);
    if (pid && isAlive(pid) && (cmdline(pid) ?? '').includes('node')) {
      await stopPid(pid);
      stopped++;
    }
  }
  mark('services');
  stopped += await stopHostSshds(dir);
  mark('sshd');
  const nss = await listNetns(names.netnsPrefix);
  stopped += await killNetnsProcesses(nss);
  mark('netnsProcesses');
  await unmountUnder(dir);
  await deleteNetwork(names.bridge, `ol${labTag(name)}v`, names.netnsPrefix);
  mark('network');
  if (state?.inventory && existsSync(state.inventory) && readFileSync(state.inventory, 'utf8').includes(`for lab "${name}"`)) {
    rmSync(state.inventory, { force: true });
  }
  if (existsSync(stateFile(dir)) || existsSync(join(dir, 'hosts')) || existsSync(join(dir, 'ssh'))) await removeDir(dir);
  mark('files');
  opts.log?.(`lab ${name}: down (${stopped} processes stopped, ${nss.length} netns removed)`);
  return { name, stoppedProcesses: stopped, removedNetns: nss.length, timings };
}

/** Stop each host's sshd by its PID file (only if that PID still runs sshd). */
async function stopHostSshds(dir: string): Promise<number> {
  const hostsDir = join(dir, 'hosts');
  if (!existsSync(hostsDir)) return 0;
  const pids: number[] = [];
  for (const host of readdirSync(hostsDir)) {
    const pid = pidFromFile(join(hostDir(dir, host), 'sshd.pid'));
    if (pid && isAlive(pid) && (cmdline(pid) ?? '').includes('sshd')) pids.push(pid);
  }
  const limit = pLimit(32);
  await Promise.all(pids.map((pid) => limit(() => stopPid(pid, 1000))));
  return pids.length;
}

function pidFromFile(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Every process still inside a host's netns (Nomad stand-ins, sessions): TERM, then KILL. */
async function killNetnsProcesses(nss: string[]): Promise<number> {
  let total = 0;
  for (let round = 0; round < 3; round++) {
    const pids = [...netnsPids(nss).values()].flat().filter((p) => p !== process.pid);
    if (pids.length === 0) break;
    total += pids.length;
    const limit = pLimit(32);
    await Promise.all(pids.map((pid) => limit(() => stopPid(pid, round === 0 ? 1500 : 200))));
  }
  return total;
}

/** rm -rf, with the hosts' directories removed in parallel (removal waits on the disk, not the CPU). */
async function removeDir(dir: string): Promise<void> {
  const hosts = join(dir, 'hosts');
  if (existsSync(hosts)) {
    const limit = pLimit(16);
    await Promise.all(readdirSync(hosts).map((h) => limit(() => rm(join(hosts, h), { recursive: true, force: true }))));
  }
  await rm(dir, { recursive: true, force: true });
}

/** Mounts of the machine under the state dir (none are expected: host mounts live in host namespaces). */
async function unmountUnder(dir: string): Promise<void> {
  const out = await run('findmnt', ['-rn', '-o', 'TARGET'], { okCodes: [1] });
  const targets = out.stdout
    .split('\n')
    .filter((t) => t === dir || t.startsWith(`${dir}/`))
    .sort((x, y) => y.length - x.length);
  for (const t of targets) await run('umount', ['-l', t], { okCodes: [32] });
}
