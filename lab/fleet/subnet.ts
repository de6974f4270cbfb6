/** Choosing a /16 for a lab that nothing on the machine uses yet (checked with ip addr / ip route). */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { run, isAlive, sleep } from './exec.js';

export interface Subnet {
  /** e.g. "10.213.0.0/16" */
  cidr: string;
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map((p) => Number(p));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`"${ip}" is not an IPv4 address`);
  }
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): Subnet {
  const m = /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?$/.exec(cidr.trim());
  if (!m) throw new Error(`"${cidr}" is not an IPv4 CIDR like 10.213.0.0/16`);
  const prefix = m[2] === undefined ? 32 : Number(m[2]);
  if (prefix > 32) throw new Error(`"${cidr}": prefix length above 32`);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  const base = (ipToInt(m[1]!) & mask) >>> 0;
  return { cidr: `${intToIp(base)}/${prefix}`, base, prefix };
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const p = Math.min(a.prefix, b.prefix);
  const mask = p === 0 ? 0 : (~0 << (32 - p)) >>> 0;
  return ((a.base & mask) >>> 0) === ((b.base & mask) >>> 0);
}

/** The IPv4 networks the machine already has, from `ip -o addr` and `ip route` (default route excluded). */
export async function usedSubnets(): Promise<{ subnet: Subnet; where: string }[]> {
  const [addr, route] = await Promise.all([run('ip', ['-o', '-4', 'addr']), run('ip', ['-4', 'route'])]);
  const used: { subnet: Subnet; where: string }[] = [];
  for (const line of addr.stdout.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\S+)/.exec(line);
    if (m && !m[2]!.startsWith('127.')) used.push({ subnet: parseCidr(m[2]!), where: `address ${m[2]} on ${m[1]}` });
  }
  for (const line of route.stdout.split('\n')) {
    const dest = line.trim().split(/\s+/)[0];
    if (!dest || dest === 'default' || !/^\d/.test(dest)) continue;
    used.push({ subnet: parseCidr(dest), where: `route ${line.trim()}` });
  }
  return used;
}

/** Why `candidate` cannot be used, or undefined if it is free. */
export function conflict(candidate: Subnet, used: { subnet: Subnet; where: string }[]): string | undefined {
  return used.find((u) => overlaps(candidate, u.subnet))?.where;
}

/** Pick the lab subnet: the explicit one (must be free) or the first free 10.X.0.0/16 from `octet`. */
export async function chooseSubnet(explicit: string | undefined, octet: number): Promise<Subnet> {
  const used = await usedSubnets();
  if (explicit) {
    const s = parseCidr(explicit);
    if (s.prefix > 24) throw new Error(`lab subnet ${s.cidr} is too small: use a /24 or larger`);
    const why = conflict(s, used);
    if (why) throw new Error(`lab subnet ${s.cidr} is already in use on this machine (${why}); choose another with --subnet`);
    return s;
  }
  const tried: string[] = [];
  for (let i = 0; i < 40; i++) {
    const o = 213 + ((octet - 213 + i) % 41);
    const s = parseCidr(`10.${o}.0.0/16`);
    const why = conflict(s, used);
    if (!why) return s;
    tried.push(`${s.cidr} (${why})`);
    if (octet === 213 && i === 0) {
      throw new Error(`lab subnet ${s.cidr} is already in use on this machine (${why}); choose another with --subnet`);
    }
  }
  throw new Error(`no free 10.x.0.0/16 for the lab: ${tried.slice(0, 3).join(', ')}, ...; pass --subnet`);
}

const LOCK_DIR = '/run/lock/orchestrate-lab.lock';

/** A machine-wide lock around choosing a subnet and creating the bridge, so labs started at once do not collide. */
export async function withNetLock<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      mkdirSync('/run/lock', { recursive: true });
      mkdirSync(LOCK_DIR);
      writeFileSync(`${LOCK_DIR}/pid`, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (staleLock() || Date.now() > deadline) rmSync(LOCK_DIR, { recursive: true, force: true });
      await sleep(50);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

function staleLock(): boolean {
  try {
    const pid = Number(readFileSync(`${LOCK_DIR}/pid`, 'utf8'));
    return Number.isInteger(pid) && pid > 0 && !isAlive(pid);
  } catch {
    return false;
  }
}
