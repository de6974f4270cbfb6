/** What the `orchestrate lab ...` commands do and print; loaded only when a lab command runs. */
import { relative } from 'node:path';
import { labDown } from './down.js';
import { formatStatus, labCut, labRestore, labStatus } from './status.js';
import { labUp } from './up.js';

export interface UpFlags {
  servers?: string;
  clients?: string;
  latency?: string;
  name?: string;
  subnet?: string;
  inventory?: string;
  quiet?: boolean;
  provision?: boolean;
  vaultMode?: string;
  aptPackages?: string;
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const err = (line: string): void => void process.stderr.write(`${line}\n`);

function toInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim())) throw new Error(`--${flag} must be a whole number (got "${v}")`);
  return Number(v);
}

export async function upAction(flags: UpFlags): Promise<void> {
  const log = flags.quiet ? (): void => undefined : err;
  const { state, timings } = await labUp({
    name: flags.name,
    servers: toInt('servers', flags.servers),
    clients: toInt('clients', flags.clients),
    latency: flags.latency,
    subnet: flags.subnet,
    inventory: flags.inventory,
    provision: flags.provision,
    vaultMode: flags.vaultMode,
    aptPackages: flags.aptPackages?.split(',').map((p) => p.trim()).filter(Boolean),
    log,
    warn: (m) => err(`warning: ${m}`),
  });
  const phases = Object.entries(timings)
    .filter(([k]) => k !== 'total')
    .map(([k, v]) => `${k} ${v}ms`)
    .join(', ');
  out(`lab ${state.name} up: ${state.hosts.length} hosts in ${(timings['total']! / 1000).toFixed(1)}s (${phases})`);
  out(`inventory: ${relative(process.cwd(), state.inventory) || state.inventory}`);
  out(`bridge ${state.bridgeIp}; vault_addr ${String(state.vars['vault_addr'] ?? `http://${state.bridgeIp}:8200`)}`);
}

export async function downAction(flags: { name?: string }): Promise<void> {
  const r = await labDown({ name: flags.name });
  const phases = Object.entries(r.timings)
    .map(([k, v]) => `${k} ${v}ms`)
    .join(', ');
  out(`lab ${r.name} down (${r.stoppedProcesses} processes stopped, ${r.removedNetns} netns removed; ${phases})`);
}

export async function statusAction(flags: { name?: string; json?: boolean }): Promise<void> {
  const s = await labStatus(flags.name);
  out(flags.json ? JSON.stringify(s, null, 2) : formatStatus(s));
  if (s.hosts.some((h) => !h.up)) process.exitCode = 2;
}

export async function cutAction(host: string, flags: { name?: string }): Promise<void> {
  const h = await labCut(host, flags.name);
  out(`${h.name} (${h.address}) cut off: ${h.veth} down`);
}

export async function restoreAction(host: string, flags: { name?: string }): Promise<void> {
  const h = await labRestore(host, flags.name);
  out(`${h.name} (${h.address}) restored: ${h.veth} up`);
}
