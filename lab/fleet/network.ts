/** The lab network: one bridge on the control machine, one netns + veth pair per host. */
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { ipBatch, run, sleep } from './exec.js';
import type { LabHost } from './state.js';

export async function createBridge(bridge: string, bridgeIp: string, prefix: number): Promise<void> {
  const links = await run('ip', ['-o', 'link', 'show', 'dev', bridge], { okCodes: [1, 255] });
  if (links.stdout.trim()) {
    throw new Error(`network device ${bridge} already exists: another lab with this name may be up (run "orchestrate lab down" first)`);
  }
  await ipBatch([`link add ${bridge} type bridge`, `addr add ${bridgeIp}/${prefix} dev ${bridge}`, `link set ${bridge} up`]);
}

/** Create every host's netns and veth pair in one `ip -batch` (the host side is named eth0). */
export async function createHostLinks(bridge: string, hosts: LabHost[]): Promise<void> {
  const lines: string[] = [];
  for (const h of hosts) {
    lines.push(`netns add ${h.netns}`);
    lines.push(`link add ${h.veth} type veth peer name eth0 netns ${h.netns}`);
    lines.push(`link set ${h.veth} master ${bridge} up`);
  }
  for (let i = 0; i < lines.length; i += 300) await ipBatch(lines.slice(i, i + 300));
}

export async function listNetns(prefix: string): Promise<string[]> {
  const out = await run('ip', ['netns', 'list']);
  return out.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith(prefix));
}

/**
 * PIDs of every process inside each of `nss`, from one pass over /proc (like `ip netns pids`,
 * which rescans /proc for every netns).
 */
export function netnsPids(nss: string[]): Map<string, number[]> {
  const byIno = new Map<number, string>();
  for (const ns of nss) {
    try {
      byIno.set(statSync(`/run/netns/${ns}`).ino, ns);
    } catch {
      continue;
    }
  }
  const out = new Map<string, number[]>(nss.map((ns) => [ns, []]));
  if (byIno.size === 0) return out;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let link: string;
    try {
      link = readlinkSync(`/proc/${entry}/ns/net`);
    } catch {
      continue;
    }
    const m = /^net:\[(\d+)\]$/.exec(link);
    const ns = m ? byIno.get(Number(m[1])) : undefined;
    if (ns) out.get(ns)!.push(Number(entry));
  }
  return out;
}

/** Names of links on the machine starting with `prefix` (the lab's veths and bridge). */
export async function listLinks(prefix: string): Promise<string[]> {
  const out = await run('ip', ['-o', 'link', 'show']);
  const names: string[] = [];
  for (const line of out.stdout.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)/.exec(line);
    if (m && m[1]!.startsWith(prefix)) names.push(m[1]!);
  }
  return names;
}

/**
 * Delete the netns (the kernel then drops their veth pairs, in one batched cleanup) and the bridge,
 * wait for the veths to go, and delete any that remain. Missing ones are fine: down is idempotent.
 */
export async function deleteNetwork(bridge: string, vethPrefix: string, netnsPrefix: string): Promise<void> {
  const nss = await listNetns(netnsPrefix);
  const lines = nss.map((n) => `netns del ${n}`);
  if ((await listLinks(bridge)).includes(bridge)) lines.push(`link del ${bridge}`);
  if (lines.length > 0) await ipBatch(lines, true);
  let left = await listLinks(vethPrefix);
  for (let i = 0; i < 100 && left.length > 0; i++) {
    await sleep(50);
    left = await listLinks(vethPrefix);
  }
  if (left.length > 0) await ipBatch(left.map((l) => `link del ${l}`), true);
}

export async function setLink(veth: string, up: boolean): Promise<void> {
  await run('ip', ['link', 'set', 'dev', veth, up ? 'up' : 'down']);
}
