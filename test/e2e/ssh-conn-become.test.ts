import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, chownSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BecomeOptions, ConnectionSettings } from '../../src/connection/connection.js';
import { createSshConnection, type SshRuntime } from '../../src/connection/ssh/index.js';
import { sshdSkipReason, startSshd, type Sshd } from '../../lab/sshd.js';
import { orchestrate, project } from '../helpers/cli.js';

const skip = sshdSkipReason();
if (skip) console.log(`skipping ssh become tests: ${skip}`);

// Users exist only inside the sshd's private mount namespace (bind-mounted /etc copies).
const PW = 'correct horse 1';

describe.skipIf(skip !== undefined)('ssh connection: become with sudo as a non-root login user', () => {
  let sshd: Sshd;
  const runtime: SshRuntime = { sshConfig: { blocks: [{ entries: [] }], warnings: [] }, agentSocket: '' };
  const as = (user: string, become?: BecomeOptions): ConnectionSettings => ({
    host: `${user}-host`, address: sshd.host, port: sshd.port, user, transport: 'ssh',
    privateKeyFile: sshd.clientKey, knownHostsFile: sshd.knownHostsFile, ...(become ? { become } : {}),
  });

  beforeAll(async () => {
    sshd = await startSshd({
      users: [
        { name: 'orchnp', uid: 4311, password: 'np-pass-1', sudo: 'nopasswd' },
        { name: 'orchpw', uid: 4312, password: PW, sudo: 'password' },
      ],
    });
    await import('node:fs').then((fs) => fs.appendFileSync(sshd.knownHostsFile, `${sshd.knownHostsLine}\n`));
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('runs as root with NOPASSWD sudo, and as the login user with become: false', async () => {
    const c = createSshConnection(as('orchnp', { method: 'sudo', user: 'root' }), runtime);
    try {
      expect((await c.exec('id -un; echo "$HOME"')).stdout).toBe('root\n/root\n');
      expect((await c.exec('id -un', { become: false })).stdout).toBe('orchnp\n');
      expect(await c.exec('cat; echo; exit 5', { stdin: 'in' })).toMatchObject({ rc: 5, stdout: 'in\n', stderr: '' });
    } finally {
      await c.close();
    }
  });

  it('writes a root-owned private file atomically via the private temp dir, removed at close', async () => {
    const dir = join(sshd.dir, 'rootonly');
    mkdirSync(dir, { mode: 0o700 });
    const c = createSshConnection(as('orchnp', { method: 'sudo', user: 'root' }), runtime);
    const path = join(dir, 'ca.key');
    let tmp = '';
    // temp files of an interrupted write: the stale one goes with the first write there (find -mmin +15)
    const old = Date.now() / 1000 - 16 * 60;
    writeFileSync(join(dir, '.ca.key.orchestrate-0123456789ab'), 'x');
    utimesSync(join(dir, '.ca.key.orchestrate-0123456789ab'), old, old);
    writeFileSync(join(dir, '.ca.key.orchestrate-ba9876543210'), 'x'); // a write in progress
    try {
      await c.writeFile(path, 'old', { mode: 0o644 });
      expect(readdirSync(dir)).toEqual(['.ca.key.orchestrate-ba9876543210', 'ca.key']);
      rmSync(join(dir, '.ca.key.orchestrate-ba9876543210'));
      const res = await c.writeFile(path, 'private key', { mode: 0o600, owner: 'orchpw', backup: true });
      expect(res.backupPath).toBeDefined();
      expect(readFileSync(path, 'utf8')).toBe('private key');
      expect(readFileSync(res.backupPath!, 'utf8')).toBe('old');
      expect(statSync(path).mode & 0o7777).toBe(0o600);
      expect(statSync(path).uid).toBe(4312);
      expect(await c.stat(path)).toMatchObject({ exists: true, kind: 'file', mode: 0o600, owner: 'orchpw', uid: 4312, size: 11 });
      expect((await c.readFile(path)).toString()).toBe('private key');
      expect(await c.sha256(path)).toMatch(/^[0-9a-f]{64}$/);
      expect(await c.stat(join(dir, 'nope'))).toEqual({ exists: false });
      tmp = (await c.exec('ls -d /tmp/.orchestrate-* 2>/dev/null', { become: false })).stdout.trim();
      expect(tmp).toMatch(/^\/tmp\/\.orchestrate-/);
      expect(statSync(tmp).mode & 0o777).toBe(0o700);
      expect((await c.exec(`ls -A ${dir}`)).stdout.split('\n').filter((f) => f.includes('orchestrate'))).toEqual([]);
      await c.mkdir(join(dir, 'a/b'), 0o750);
      await c.chown(join(dir, 'a/b'), 'orchnp');
      expect(await c.stat(join(dir, 'a/b'))).toMatchObject({ kind: 'directory', mode: 0o750, owner: 'orchnp' });
      // the deploy pattern: `current` moves from one directory to another, as the become user
      await c.mkdir(join(dir, 'a/v2'), 0o750);
      await c.symlink(join(dir, 'a/b'), join(dir, 'a/current'));
      await c.symlink(join(dir, 'a/v2'), join(dir, 'a/current'));
      expect(await c.stat(join(dir, 'a/current'))).toMatchObject({ kind: 'link', linkTarget: join(dir, 'a/v2') });
      expect((await c.exec(`ls -A ${join(dir, 'a')} ${join(dir, 'a/b')}`)).stdout.split('\n').filter((f) => f.endsWith('.lnk') || f === 'current')).toEqual(['current']);
      await c.remove(join(dir, 'a'), true);
      expect(existsSync(join(dir, 'a'))).toBe(false);
    } finally {
      await c.close();
    }
    expect(existsSync(tmp)).toBe(false);
  });

  it('a full disk under become names host, path and cause, and leaves no temp file', async () => {
    const small = join(sshd.dir, 'small-become');
    mkdirSync(small);
    const c = createSshConnection(as('orchnp', { method: 'sudo', user: 'root' }), runtime);
    try {
      expect(await c.exec(`mount -t tmpfs -o size=64k orchestrate-test-full ${small}`)).toMatchObject({ rc: 0 });
      await expect(c.writeFile(join(small, 'big'), Buffer.alloc(1 << 20, 1), { mode: 0o600 })).rejects.toThrow(
        new RegExp(`^orchnp-host: writeFile\\(${small}/big\\): .*No space left on device`),
      );
      expect((await c.exec(`ls -A ${small}`)).stdout).toBe('');
    } finally {
      await c.exec(`umount ${small}`).catch(() => undefined);
      await c.close();
    }
  });

  it('writes as a non-root become user (content on stdin)', async () => {
    const dir = join(sshd.dir, 'nobodys');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 65534, 65534);
    const c = createSshConnection(as('orchnp', { method: 'sudo', user: 'nobody' }), runtime);
    try {
      await c.writeFile(join(dir, 'f'), 'data', { mode: 0o640 });
      expect(statSync(join(dir, 'f')).uid).toBe(65534);
      expect(statSync(join(dir, 'f')).mode & 0o777).toBe(0o640);
      expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('data');
    } finally {
      await c.close();
    }
  });

  it('feeds the sudo password on the prompt, never into the command', async () => {
    const c = createSshConnection(as('orchpw', { method: 'sudo', user: 'root', password: PW }), runtime);
    try {
      const r = await c.exec('id -un; cat', { stdin: 'payload' });
      expect(r).toMatchObject({ rc: 0, stdout: 'root\npayload', stderr: '' });
      expect(r.stdout).not.toContain(PW);
    } finally {
      await c.close();
    }
  });

  it('logs in with a password when one is given (ansible_password)', async () => {
    const { privateKeyFile: _k, ...s } = as('orchpw');
    const c = createSshConnection({ ...s, password: PW }, { ...runtime, home: sshd.dir });
    expect((await c.exec('id -un')).stdout).toBe('orchpw\n');
    await c.close();
    const bad = createSshConnection({ ...s, password: 'not-it-123' }, { ...runtime, home: sshd.dir });
    const err = await bad.connect().catch((e: unknown) => e as Error);
    expect(err.message).toMatch(/authentication failed for orchpw@127\.0\.0\.1:\d+ \(tried: password\)/);
    expect(err.message).not.toContain('not-it-123');
  });

  it('reports a wrong or missing sudo password clearly', async () => {
    const wrong = createSshConnection(as('orchpw', { method: 'sudo', user: 'root', password: 'wrong-password' }), runtime);
    const err = await wrong.exec('id -un').catch((e: unknown) => e as Error);
    await wrong.close();
    expect((err as Error).message).toMatch(/become: sudo to root on orchpw-host failed: incorrect sudo password/);
    expect((err as Error).message).not.toContain('wrong-password');
    const none = createSshConnection(as('orchpw', { method: 'sudo', user: 'root' }), runtime);
    await expect(none.exec('id -un')).rejects.toThrow(/sudo to root on orchpw-host needs a password; set ansible_become_password/);
    await none.close();
  });
  it('remote_user and port keywords over ssh: below ansible_user, one connection per user', async () => {
    const p = project({
      'hosts.ini': `h1 ansible_host=${sshd.host} ansible_ssh_private_key_file=${sshd.clientKey} ansible_ssh_common_args="-o UserKnownHostsFile=${sshd.knownHostsFile}"
h2 ansible_host=${sshd.host} ansible_user=orchpw ansible_ssh_private_key_file=${sshd.clientKey} ansible_ssh_common_args="-o UserKnownHostsFile=${sshd.knownHostsFile}"
`,
      'site.yml': `- hosts: all
  gather_facts: false
  remote_user: orchnp
  port: ${sshd.port}
  tasks:
    - name: play user
      command: id -un
      register: a
    - name: task user
      command: id -un
      remote_user: orchpw
      register: b
    - debug: { msg: "{{ a.stdout }} {{ b.stdout }}" }
`,
    });
    const r = await orchestrate(['run', '-i', join(p, 'hosts.ini'), join(p, 'site.yml'), '--json']);
    expect(r.code).toBe(0);
    const out = Object.fromEntries(r.events.filter((e) => e['type'] === 'host.result' && e['output'] !== undefined).map((e) => [e['host'], e['output']]));
    // h1: the keywords; h2: its inventory ansible_user wins over both, as in Ansible
    expect(out).toEqual({ h1: 'orchnp orchpw', h2: 'orchpw orchpw' });
  });
});
