/**
 * One lab host: its private files (overlay upper dirs seeded with a host key, sshd_config,
 * labuser, hostname) and its sshd, started inside its own network, mount and UTS namespaces.
 */
import { repoRoot } from './naming.js';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, sleep } from './exec.js';
import { applyEntries, dirsLike, machineAttrs, type Entry } from './hostfiles.js';
import { ed25519KeyPair } from './sshkey.js';
import { aptSourceLine } from './apt-repo.js';
import type { LabHost } from './state.js';

/**
 * Machine directories each host sees through its own copy-on-write overlay. /usr and /var (with
 * dpkg's database, /var/lib/dpkg) are private, so a package installed in a host never changes
 * the machine.
 */
export const OVERLAY_DIRS = ['etc', 'opt', 'usr', 'var', 'root', 'home'];
export const LAB_USER = 'labuser';

export interface MachineBase {
  passwd: string;
  shadow: string;
  group: string;
  hosts: string;
  /** A fresh Debian root's ~/.bashrc and ~/.profile: hosts do not run the machine's dotfiles. */
  rootBashrc: string;
  rootProfile: string;
  uid: number;
  overlayDirs: string[];
  /** The machine's apt sources (relative paths), hidden in hosts by overlay whiteouts. */
  aptSources?: string[];
}

export const hostDir = (labDir: string, host: string): string => join(labDir, 'hosts', host);

/** Read the machine's account files once and add labuser to them (for the hosts' /etc only). */
export function machineBase(): MachineBase {
  let passwd = readFileSync('/etc/passwd', 'utf8');
  let shadow = readFileSync('/etc/shadow', 'utf8');
  let group = readFileSync('/etc/group', 'utf8');
  const existing = new RegExp(`^${LAB_USER}:[^:]*:(\\d+):`, 'm').exec(passwd);
  let uid = existing ? Number(existing[1]) : 0;
  if (!existing) {
    const taken = new Set<number>();
    for (const f of [passwd, group]) for (const m of f.matchAll(/^[^:]*:[^:]*:(\d+):/gm)) taken.add(Number(m[1]));
    uid = 2000;
    while (taken.has(uid)) uid++;
    passwd = `${ensureNl(passwd)}${LAB_USER}:x:${uid}:${uid}:lab user:/home/${LAB_USER}:/bin/bash\n`;
    group = `${ensureNl(group)}${LAB_USER}:x:${uid}:\n`;
  }
  if (!new RegExp(`^${LAB_USER}:`, 'm').test(shadow)) shadow = `${ensureNl(shadow)}${LAB_USER}:*:19000:0:99999:7:::\n`;
  const hosts = readFileSync('/etc/hosts', 'utf8');
  const overlayDirs = OVERLAY_DIRS.filter((d) => existsSync(`/${d}`) && statSync(`/${d}`).isDirectory());
  const rootBashrc = readOr('/usr/share/base-files/dot.bashrc', '# ~/.bashrc: executed by bash(1) for non-login shells.\n');
  const rootProfile = readOr('/usr/share/base-files/dot.profile', '# ~/.profile: executed by Bourne-compatible login shells.\n');
  return { passwd, shadow, group, hosts, rootBashrc, rootProfile, uid, overlayDirs, aptSources: machineAptSources() };
}

/** The files apt reads its sources from on the machine: /etc/apt/sources.list, sources.list.d/*.{list,sources}. */
function machineAptSources(): string[] {
  const out = existsSync('/etc/apt/sources.list') ? ['etc/apt/sources.list'] : [];
  try {
    for (const f of readdirSync('/etc/apt/sources.list.d')) if (/\.(list|sources)$/.test(f)) out.push(`etc/apt/sources.list.d/${f}`);
  } catch {
    // no sources.list.d: nothing to hide
  }
  return out;
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

const ensureNl = (s: string): string => (s.endsWith('\n') || s === '' ? s : `${s}\n`);

export function sshdConfig(): string {
  const sftp = existsSync('/usr/lib/openssh/sftp-server') ? '/usr/lib/openssh/sftp-server' : 'internal-sftp';
  return [
    '# sshd of an orchestrate lab host',
    'Port 22',
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'UseDNS no',
    'PrintMotd no',
    'MaxSessions 64',
    'MaxStartups 200:30:400',
    'AuthorizedKeysFile .ssh/authorized_keys',
    'AcceptEnv LANG LC_*',
    `Subsystem sftp ${sftp}`,
    '',
  ].join('\n');
}

/** The host's state dir as a plan: overlay upper/work dirs seeded with its private /etc, /root, /home. */
export function hostEntries(labDir: string, host: LabHost, base: MachineBase, authorizedKey: string, prefix: number, gateway: string): { entries: Entry[]; hostKey: string } {
  const dir = hostDir(labDir, host.name);
  const upper = join(dir, 'upper');
  const entries: Entry[] = [{ path: dir, mode: 0o755, uid: 0, gid: 0 }, { path: upper, mode: 0o755, uid: 0, gid: 0 }];
  for (const d of base.overlayDirs) {
    entries.push({ path: join(dir, 'work', d), mode: 0o755, uid: 0, gid: 0 }, ...dirsLike(upper, d));
  }
  const root = (rel: string, content: string, mode: number, uid = 0, gid = 0): Entry => ({ path: join(upper, rel), content, mode, uid, gid });
  const key = ed25519KeyPair(`root@${host.name}`);
  const shadow = machineAttrs('/etc/shadow') ?? { mode: 0o640, uid: 0, gid: 0 };
  const u = base.uid;
  entries.push(
    ...dirsLike(upper, 'etc/sudoers.d'),
    ...dirsLike(upper, 'etc/ssh'),
    { path: join(upper, 'root/.ssh'), mode: 0o700, uid: 0, gid: 0 },
    { path: join(upper, `home/${LAB_USER}`), mode: 0o700, uid: u, gid: u },
    { path: join(upper, `home/${LAB_USER}/.ssh`), mode: 0o700, uid: u, gid: u },
    root('etc/passwd', base.passwd, 0o644),
    root('etc/group', base.group, 0o644),
    root('etc/shadow', base.shadow, shadow.mode, shadow.uid, shadow.gid),
    root(`etc/sudoers.d/${LAB_USER}`, `${LAB_USER} ALL=(ALL) NOPASSWD:ALL\n`, 0o440),
    root('etc/hostname', `${host.name}\n`, 0o644),
    root('etc/hosts', `${ensureNl(base.hosts)}${host.address}\t${host.name}\n`, 0o644),
    root('etc/ssh/sshd_config', sshdConfig(), 0o644),
    root('etc/ssh/ssh_host_ed25519_key', key.privateKey, 0o600),
    root('etc/ssh/ssh_host_ed25519_key.pub', `${key.publicKey}\n`, 0o644),
    root('root/.ssh/authorized_keys', authorizedKey, 0o600),
    root('root/.bashrc', base.rootBashrc, 0o644),
    root('root/.profile', base.rootProfile, 0o644),
    root(`home/${LAB_USER}/.ssh/authorized_keys`, authorizedKey, 0o600, u, u),
    { path: join(dir, 'net.batch'), content: netBatch(host, prefix, gateway), mode: 0o644, uid: 0, gid: 0 },
    { path: join(dir, 'fstab'), content: fstab(dir, host.name, base.overlayDirs), mode: 0o644, uid: 0, gid: 0 },
    ...dirsLike(upper, 'etc/apt/sources.list.d'),
    root('etc/apt/sources.list.d/orchestrate-lab.list', aptSourceLine(gateway), 0o644),
    { path: join(dir, 'whiteouts'), content: (base.aptSources ?? []).map((p) => `${p}\n`).join(''), mode: 0o644, uid: 0, gid: 0 },
  );
  return { entries, hostKey: key.publicKey };
}

/** Create the host's state dir; returns its host public key line. */
export async function prepareHost(labDir: string, host: LabHost, base: MachineBase, authorizedKey: string, prefix: number, gateway: string): Promise<string> {
  const { entries, hostKey } = hostEntries(labDir, host, base, authorizedKey, prefix, gateway);
  await applyEntries(entries);
  return hostKey;
}

function netBatch(host: LabHost, prefix: number, gateway: string): string {
  return `link set lo up\naddr add ${host.address}/${prefix} dev eth0\nlink set eth0 up\nroute add default via ${gateway}\n`;
}

function fstab(dir: string, name: string, dirs: string[]): string {
  if (/[,:]/.test(dir)) throw new Error(`lab state dir ${dir} contains "," or ":", which overlay mounts cannot take`);
  const esc = (p: string): string => p.replace(/ /g, '\\040');
  const lines = dirs.map(
    (d) => `lab-${name} /${d} overlay ${esc(`lowerdir=/${d},upperdir=${dir}/upper/${d},workdir=${dir}/work/${d}`)} 0 0`,
  );
  lines.push('sysfs /sys sysfs nosuid,nodev,noexec 0 0');
  lines.push('tmpfs /run tmpfs mode=0755,nosuid,nodev 0 0');
  lines.push('tmpfs /run/sshd tmpfs mode=0755,X-mount.mkdir 0 0');
  // /tmp is made private by the host script (it keeps the repo and lab dir visible when they live there)
  return `${lines.join('\n')}\n`;
}

// $1 = host state dir, $2 = host name. Runs inside the host's netns and its own mount+UTS namespaces;
// /run/netns (copied from the machine) is detached so this host does not pin other hosts' netns.
// $3 = repo root, $4 = lab dir: when they live under /tmp they stay visible (bound back) over the
// host's private /tmp, so provisioning and the stand-ins (dist/) work from any checkout.
const HOST_SCRIPT = [
  'set -e',
  'umount -l /run/netns 2>/dev/null || true',
  'ip -b "$1/net.batch"',
  // the machine's apt sources are hidden (overlay whiteouts): hosts use only the lab's repository
  'while read -r f; do [ -e "$1/upper/$f" ] || mknod "$1/upper/$f" c 0 0; done < "$1/whiteouts"',
  'mount -a -T "$1/fstab"',
  'mkdir -p /run/lab-keep && mount --bind /tmp /run/lab-keep',
  'mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp',
  'for p in "$3" "$4"; do case "$p" in /tmp/*) [ -d "$p" ] || { mkdir -p "$p" && mount --bind "/run/lab-keep/${p#/tmp/}" "$p"; } ;; esac; done',
  'umount -l /run/lab-keep && rmdir /run/lab-keep',
  'echo "$2" > /proc/sys/kernel/hostname',
  'exec /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config',
].join('\n');

/** Start the host's sshd; resolves with its PID once it listens. */
export async function startHost(labDir: string, host: LabHost, timeoutMs = 30_000): Promise<number> {
  const dir = hostDir(labDir, host.name);
  const log = join(dir, 'sshd.log');
  const fd = openSync(log, 'w');
  const args = [`--net=/run/netns/${host.netns}`, 'unshare', '-m', '-u', '--propagation', 'private', 'sh', '-c', HOST_SCRIPT, 'lab-host', dir, host.name, repoRoot(), labDir];
  const child = spawn('nsenter', args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${host.name}: cannot start sshd (spawn failed)`);
  writeFileSync(join(dir, 'sshd.pid'), `${pid}\n`);
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    const text = readFileSync(log, 'utf8');
    if (text.includes('Server listening on 0.0.0.0 port 22')) return pid;
    if (!isAlive(pid) || Date.now() > deadline) {
      const tail = text.trim().split('\n').slice(-4).join(' / ');
      throw new Error(`${host.name}: sshd did not start${isAlive(pid) ? ' in time' : ''}: ${tail || 'no output'} (log: ${log})`);
    }
    await sleep(wait);
  }
}
