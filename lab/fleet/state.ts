/** The lab's record of itself (<statedir>/lab.json) and PID files. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface LabHost {
  name: string;
  role: 'server' | 'client';
  index: number;
  address: string;
  netns: string;
  veth: string;
  /** Port of this host's delaying proxy on the bridge address, when the lab has latency. */
  proxyPort?: number;
}

export interface LabState {
  name: string;
  dir: string;
  subnet: string;
  bridge: string;
  bridgeIp: string;
  prefix: number;
  latencyMs: number;
  inventory: string;
  knownHosts: string;
  privateKey: string;
  hosts: LabHost[];
  vars: Record<string, unknown>;
  createdAt: string;
}

export const stateFile = (dir: string): string => join(dir, 'lab.json');

export function writeState(state: LabState): void {
  writeAtomic(stateFile(state.dir), `${JSON.stringify(state, null, 2)}\n`);
}

export function readState(dir: string): LabState | undefined {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  if (!isLabState(parsed)) throw new Error(`${file}: not a lab state file (missing name, hosts or bridge)`);
  return parsed;
}

function isLabState(v: unknown): v is LabState {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o['name'] === 'string' && Array.isArray(o['hosts']) && typeof o['bridge'] === 'string';
}

export function writeAtomic(file: string, content: string, mode = 0o644): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}

export const pidFile = (dir: string, what: string): string => join(dir, 'pids', `${what}.pid`);

export function writePid(dir: string, what: string, pid: number): void {
  writeAtomic(pidFile(dir, what), `${pid}\n`);
}

export function readPid(dir: string, what: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(dir, what), 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}
