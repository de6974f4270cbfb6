/** Can this machine build a lab? Root, ip netns, OpenSSH sshd, sudo, unshare, nsenter. */
import { existsSync } from 'node:fs';
import { run } from './exec.js';

export interface Support {
  ok: boolean;
  reason?: string;
}

const NEEDED: { path: string; pkg: string }[] = [
  { path: '/usr/sbin/sshd', pkg: 'openssh-server' },
  { path: '/usr/bin/ssh-keygen', pkg: 'openssh-client' },
  { path: '/usr/bin/sudo', pkg: 'sudo' },
];

function missingPackages(): string[] {
  return NEEDED.filter((n) => !existsSync(n.path)).map((n) => n.pkg);
}

/** Synchronous check used by tests to skip with a reason. */
export function labSupport(): Support {
  if (process.platform !== 'linux') return { ok: false, reason: `the lab needs Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'the lab needs root (network and mount namespaces)' };
  for (const tool of ['/usr/sbin/ip', '/usr/bin/unshare', '/usr/bin/nsenter']) {
    if (!existsSync(tool) && !existsSync(tool.replace('/usr', ''))) return { ok: false, reason: `the lab needs ${tool} (iproute2, util-linux)` };
  }
  const missing = missingPackages();
  if (missing.length > 0) return { ok: false, reason: `the lab needs: apt-get install -y ${missing.join(' ')}` };
  return { ok: true };
}

/** Before `lab up`: install missing OpenSSH/sudo packages as root, or say exactly what to install. */
export async function ensureSupport(log: (m: string) => void): Promise<void> {
  const missing = missingPackages();
  if (missing.length > 0 && process.getuid?.() === 0) {
    log(`installing ${missing.join(' ')} with apt-get`);
    await run('apt-get', ['install', '-y', ...missing]);
  }
  const s = labSupport();
  if (!s.ok) throw new Error(`cannot build the lab on this machine: ${s.reason}`);
  const probe = await run('ip', ['netns', 'list'], { okCodes: [1, 2, 255] }).catch((e: Error) => e);
  if (probe instanceof Error) throw new Error(`cannot build the lab: "ip netns" does not work: ${probe.message}`);
}
