/**
 * One lab host: its private files (overlay upper dirs seeded with a host key, sshd_config,
 * labuser, hostname) and its sshd, started inside its own network, mount and UTS namespaces.
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, run, sleep } from './exec.js';
import type { LabHost } from './state.js';

/** Machine directories each host sees through its own copy-on-write overlay. */
export const OVERLAY_DIRS = ['etc', 'opt', 'usr/local', 'var', 'root', 'home'];
export const LAB_USER = 'labuser';

export interface MachineBase {
  passwd: string;
  shadow: string;
  group: string;
  hosts: string;
  uid: number;
  overlayDirs: string[];
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
  return { passwd, shadow, group, hosts, uid, overlayDirs };
}

const ensureNl = (s: string): string => (s.endsWith('\n') || s === '' ? s : `${s}\n`);

/** mkdir -p under `upper`, each new directory with the mode and owner of the machine's own one. */
function mkdirLike(upper: string, rel: string): void {
  let cur = '';
  for (const part of rel.split('/').filter(Boolean)) {
    cur = cur ? `${cur}/${part}` : part;
    const target = join(upper, cur);
    if (existsSync(target)) continue;
    mkdirSync(target);
    copyAttrs(`/${cur}`, target, 0o755);
  }
}

function copyAttrs(lower: string, target: string, fallbackMode: number, owner?: number): void {
  try {
    const st = statSync(lower);
    chmodSync(target, st.mode & 0o7777);
    chownSync(target, st.uid, st.gid);
  } catch {
    chmodSync(target, fallbackMode);
    if (owner !== undefined) chownSync(target, owner, owner);
  }
}

/** Write a file into the host's view at absolute path `abs` (through the upper dir). */
function putFile(upper: string, abs: string, content: string, mode: number, owner = 0): void {
  const rel = abs.replace(/^\//, '');
  mkdirLike(upper, rel.split('/').slice(0, -1).join('/'));
  const target = join(upper, rel);
  writeFileSync(target, content, { mode });
  chmodSync(target, mode);
  chownSync(target, owner, owner);
}

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

/** Create the host's state dir and seed its private /etc, /root and /home. */
export function prepareHost(labDir: string, host: LabHost, base: MachineBase, authorizedKey: string, prefix: number, gateway: string): void {
  const dir = hostDir(labDir, host.name);
  const upper = join(dir, 'upper');
  for (const d of base.overlayDirs) {
    mkdirSync(join(dir, 'work', d), { recursive: true });
    mkdirSync(join(upper, ...d.split('/').slice(0, -1)), { recursive: true });
    if (!existsSync(join(upper, d))) {
      mkdirSync(join(upper, d));
      copyAttrs(`/${d}`, join(upper, d), 0o755);
    }
  }
  putFile(upper, '/etc/passwd', base.passwd, 0o644);
  putFile(upper, '/etc/group', base.group, 0o644);
  putFile(upper, '/etc/shadow', base.shadow, 0o640);
  copyAttrs('/etc/shadow', join(upper, 'etc/shadow'), 0o640);
  putFile(upper, `/etc/sudoers.d/${LAB_USER}`, `${LAB_USER} ALL=(ALL) NOPASSWD:ALL\n`, 0o440);
  putFile(upper, '/etc/hostname', `${host.name}\n`, 0o644);
  putFile(upper, '/etc/hosts', `${ensureNl(base.hosts)}${host.address}\t${host.name}\n`, 0o644);
  putFile(upper, '/etc/ssh/sshd_config', sshdConfig(), 0o644);
  putFile(upper, '/root/.ssh/authorized_keys', authorizedKey, 0o600);
  chmodSync(join(upper, 'root/.ssh'), 0o700);
  mkdirSync(join(upper, 'home', LAB_USER, '.ssh'), { recursive: true });
  putFile(upper, `/home/${LAB_USER}/.ssh/authorized_keys`, authorizedKey, 0o600, base.uid);
  for (const d of [`home/${LAB_USER}`, `home/${LAB_USER}/.ssh`]) {
    chmodSync(join(upper, d), 0o700);
    chownSync(join(upper, d), base.uid, base.uid);
  }
  writeFileSync(join(dir, 'net.batch'), netBatch(host, prefix, gateway));
  writeFileSync(join(dir, 'fstab'), fstab(dir, host.name, base.overlayDirs));
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
  lines.push('tmpfs /run tmpfs mode=0755,nosuid,nodev 0 0');
  lines.push('tmpfs /run/sshd tmpfs mode=0755,X-mount.mkdir 0 0');
  lines.push('tmpfs /tmp tmpfs mode=1777,nosuid,nodev 0 0');
  return `${lines.join('\n')}\n`;
}

/** Host key generated straight into the host's /etc/ssh; returns the public key line. */
export async function hostKeygen(labDir: string, host: string): Promise<string> {
  const key = join(hostDir(labDir, host), 'upper/etc/ssh/ssh_host_ed25519_key');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${host}`, '-f', key], { input: 'y\n' });
  return readFileSync(`${key}.pub`, 'utf8').trim();
}

// $1 = host state dir, $2 = host name. Runs inside the host's netns, then its own mount+UTS namespaces.
const HOST_SCRIPT = [
  'set -e',
  'umount -R -l /run/netns 2>/dev/null || true',
  'ip -b "$1/net.batch"',
  'mount -a -T "$1/fstab"',
  'echo "$2" > /proc/sys/kernel/hostname',
  'exec /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config',
].join('\n');

/** Start the host's sshd; resolves with its PID once it listens. */
export async function startHost(labDir: string, host: LabHost, timeoutMs = 30_000): Promise<number> {
  const dir = hostDir(labDir, host.name);
  const log = join(dir, 'sshd.log');
  const fd = openSync(log, 'w');
  const args = ['netns', 'exec', host.netns, 'unshare', '-m', '-u', '--propagation', 'private', 'sh', '-c', HOST_SCRIPT, 'lab-host', dir, host.name];
  const child = spawn('ip', args, { detached: true, stdio: ['ignore', fd, fd] });
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
