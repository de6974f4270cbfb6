/**
 * A throwaway OpenSSH sshd on 127.0.0.1 for tests and benchmarks: its own host key, an authorized ed25519
 * client key, an empty known_hosts, stopped by PID. sshd runs in a private mount namespace;
 * with `users`, /etc/passwd, /etc/group, /etc/shadow and /etc/sudoers.d there are bind-mounted
 * copies that add those users, so the machine's own files are never touched.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestUser {
  name: string;
  uid: number;
  password: string;
  /** sudoers rule: 'password' (ALL, asks a password) or 'nopasswd'. */
  sudo?: 'password' | 'nopasswd';
}

export interface SshdOptions {
  users?: TestUser[];
  /** root's password in the private /etc/shadow copy (for su); only with `users`. */
  rootPassword?: string;
  extraConfig?: string;
}

export interface Sshd {
  host: string;
  port: number;
  dir: string;
  pid: number;
  clientKey: string;
  /** `[127.0.0.1]:PORT ssh-ed25519 AAAA...` */
  knownHostsLine: string;
  hostKeyBlob: Buffer;
  /** Empty known_hosts file for the test to fill. */
  knownHostsFile: string;
  stop(): Promise<void>;
  /** Kill the per-connection sshd children (drops live connections), by PID. */
  killConnections(): number;
}

export function sshdSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: cannot run a throwaway sshd';
  if (!existsSync('/usr/sbin/sshd')) return '/usr/sbin/sshd is not installed';
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function keygen(path: string, type = 'ed25519'): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'orchestrate-test', '-f', path]);
}

function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null) return reject(new Error(`sshd exited (${child.exitCode}): ${log()}`));
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`sshd did not listen on ${port}: ${log()}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

function sshdConfig(dir: string, port: number, extra: string): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'Subsystem sftp internal-sftp',
    'MaxStartups 100:30:200',
    'LogLevel ERROR',
    extra,
  ].join('\n') + '\n';
}

/** Copies of /etc files with the test users added, and the shell commands that mount them. */
function userOverlay(dir: string, users: TestUser[], rootPassword?: string): string {
  const etc = join(dir, 'etc');
  mkdirSync(join(etc, 'sudoers.d'), { recursive: true });
  let passwd = readFileSync('/etc/passwd', 'utf8');
  let group = readFileSync('/etc/group', 'utf8');
  let shadow = readFileSync('/etc/shadow', 'utf8');
  let sudoers = '';
  if (rootPassword !== undefined) {
    const hash = execFileSync('openssl', ['passwd', '-6', rootPassword], { encoding: 'utf8' }).trim();
    shadow = shadow.replace(/^root:[^:]*:/m, () => `root:${hash}:`);
  }
  for (const u of users) {
    const home = join(dir, 'home', u.name);
    mkdirSync(home, { recursive: true });
    execFileSync('chown', [`${u.uid}:${u.uid}`, home]);
    const hash = execFileSync('openssl', ['passwd', '-6', u.password], { encoding: 'utf8' }).trim();
    passwd += `${u.name}:x:${u.uid}:${u.uid}::${home}:/bin/sh\n`;
    group += `${u.name}:x:${u.uid}:\n`;
    shadow += `${u.name}:${hash}:19000:0:99999:7:::\n`;
    if (u.sudo) sudoers += `${u.name} ALL=(ALL:ALL) ${u.sudo === 'nopasswd' ? 'NOPASSWD: ' : ''}ALL\n`;
  }
  writeFileSync(join(etc, 'passwd'), passwd, { mode: 0o644 });
  writeFileSync(join(etc, 'group'), group, { mode: 0o644 });
  writeFileSync(join(etc, 'shadow'), shadow, { mode: 0o640 });
  writeFileSync(join(etc, 'sudoers.d', 'orchestrate-test'), sudoers, { mode: 0o440 });
  chmodSync(join(etc, 'sudoers.d', 'orchestrate-test'), 0o440);
  return ['passwd', 'group', 'shadow', 'sudoers.d'].map((f) => `mount --bind ${join(etc, f)} /etc/${f}`).join(' && ');
}

/**
 * Bash sources root's ~/.bashrc for every ssh command; on a developer machine that can be slow
 * or block (pyenv's rehash lock), so inside the namespace an empty file is mounted over it.
 */
function quietRootShell(dir: string): string {
  if (!existsSync('/root/.bashrc')) return '';
  writeFileSync(join(dir, 'empty-bashrc'), '');
  return `mount --bind ${join(dir, 'empty-bashrc')} /root/.bashrc`;
}

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'orchestrate-sshd-'));
  chmodSync(dir, 0o755);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation dir
  keygen(join(dir, 'host_ed25519'));
  keygen(join(dir, 'client'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client.pub')), { mode: 0o644 });
  const port = await freePort();
  const conf = join(dir, 'sshd_config');
  writeFileSync(conf, sshdConfig(dir, port, opts.extraConfig ?? ''));
  const mounts = [quietRootShell(dir), ...(opts.users?.length ? [userOverlay(dir, opts.users, opts.rootPassword)] : [])].filter(Boolean);
  const script = [...mounts, `exec /usr/sbin/sshd -D -f ${conf} -e`].join(' && ');
  const child = spawn('unshare', ['-m', '--propagation', 'private', '/bin/sh', '-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  await waitForPort(port, child, () => log);
  const pid = child.pid!;
  const pub = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').trim().split(/\s+/);
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, '', { mode: 0o600 });
  return {
    host: '127.0.0.1',
    port,
    dir,
    pid,
    clientKey: join(dir, 'client'),
    knownHostsLine: `[127.0.0.1]:${port} ${pub[0]} ${pub[1]}`,
    hostKeyBlob: Buffer.from(pub[1]!, 'base64'),
    knownHostsFile,
    killConnections: () => killChildren(pid),
    stop: async () => {
      killChildren(pid);
      if (child.exitCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        process.kill(pid, 'SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Kill the descendants of `pid`, parents first (so connections drop before commands exit). */
function killChildren(pid: number): number {
  const tree: number[] = [];
  const walk = (p: number): void => {
    for (const c of childPids(p)) {
      tree.push(c);
      walk(c);
    }
  };
  walk(pid);
  let n = 0;
  for (const p of tree) {
    try {
      process.kill(p, 'SIGKILL');
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}

function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      // process went away
    }
  }
  return out;
}
