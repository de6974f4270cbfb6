import { appendFileSync, existsSync, lutimesSync, mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, type ConnectionSettings } from '../../src/connection/connection.js';
import { createSshConnection, SshStats, type SshConnection, type SshRuntime } from '../../src/connection/ssh/index.js';
import { sshdSkipReason, startSshd, type Sshd } from '../../lab/sshd.js';

const skip = sshdSkipReason();
if (skip) console.log(`skipping ssh connection tests: ${skip}`);

describe.skipIf(skip !== undefined)('ssh connection: exec and files', () => {
  let sshd: Sshd;
  const stats = new SshStats();
  let runtime: SshRuntime;
  let settings: ConnectionSettings;

  beforeAll(async () => {
    sshd = await startSshd();
    appendFileSync(sshd.knownHostsFile, `${sshd.knownHostsLine}\n`);
    runtime = { stats, sshConfig: { blocks: [{ entries: [] }], warnings: [] }, agentSocket: '', home: sshd.dir };
    settings = {
      host: 'web1', address: sshd.host, port: sshd.port, user: 'root', transport: 'ssh',
      privateKeyFile: sshd.clientKey, knownHostsFile: sshd.knownHostsFile,
    };
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  /** A connection with counters of its own, for the tests that count what it did. */
  const counted = (extra: Partial<ConnectionSettings> & { host: string }): { c: SshConnection; local: SshStats } => {
    const local = new SshStats();
    return { c: createSshConnection({ ...settings, ...extra }, { ...runtime, stats: local }), local };
  };

  it('runs commands: rc, stdout, stderr, stdin, env, cwd', async () => {
    const c = createSshConnection(settings, runtime);
    try {
      const r = await c.exec('echo out; echo err >&2; exit 3');
      expect(r).toEqual({ rc: 3, stdout: 'out\n', stderr: 'err\n' });
      expect((await c.exec('cat', { stdin: 'hello\nworld' })).stdout).toBe('hello\nworld');
      expect((await c.exec('echo "$FOO"; pwd', { env: { FOO: "it's" }, cwd: '/tmp' })).stdout).toBe("it's\n/tmp\n");
    } finally {
      await c.close();
    }
  });

  it('kills a command that runs past its timeout', async () => {
    const c = createSshConnection(settings, runtime);
    try {
      await expect(c.exec('sleep 31', { timeoutMs: 300 })).rejects.toThrow(/web1: command timed out after 300 ms/);
      expect((await c.exec('echo still usable')).stdout).toBe('still usable\n');
      // the signal reached the remote process: no `sleep 31` is left running
      expect((await c.exec("ps -eo args | grep -c '^sleep 31'")).stdout.trim()).toBe('0');
    } finally {
      await c.close();
    }
  });

  it('reuses one connection for 20 concurrent execs (bounded channels)', async () => {
    const { c, local } = counted({ host: 'reuse' });
    try {
      const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => c.exec(`echo ${i}`)));
      expect(rs.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
      expect(local.get('reuse')).toMatchObject({ connections: 1, handshakes: 1, execChannels: 20 });
    } finally {
      await c.close();
    }
  });

  it('runs sequential commands in one persistent shell: one channel, one round trip each', async () => {
    const { c, local } = counted({ host: 'shell' });
    try {
      for (let i = 0; i < 10; i++) expect(await c.exec(`echo ${i}; echo e${i} >&2; exit ${i}`)).toEqual({ rc: i, stdout: `${i}\n`, stderr: `e${i}\n` });
      // env and cwd apply to their command only
      expect((await c.exec('echo "$FOO"; pwd', { env: { FOO: 'x y' }, cwd: '/tmp' })).stdout).toBe('x y\n/tmp\n');
      expect((await c.exec('echo "[$FOO]"; pwd')).stdout).toBe(`[]\n${(await c.exec('echo $HOME')).stdout.trim()}\n`);
      expect(local.get('shell')).toMatchObject({ connections: 1, execChannels: 1, shellCommands: 13, roundTrips: 3 + 12 });
      // stdin still gets its own channel
      expect((await c.exec('cat', { stdin: 'in' })).stdout).toBe('in');
      expect(local.get('shell').execChannels).toBe(2);
      // a killed shell fails its command only; the next command opens another shell
      await expect(c.exec('kill -KILL $$')).rejects.toThrow(/shell: the remote shell ended while running a command/);
      expect((await c.exec('echo again')).stdout).toBe('again\n');
      expect(local.get('shell').execChannels).toBe(3);
    } finally {
      await c.close();
    }
  });

  it('orchestrate_persistent_shell: false gives every command its own channel', async () => {
    const { c, local } = counted({ host: 'noshell', persistentShell: false });
    try {
      for (let i = 0; i < 3; i++) expect((await c.exec(`echo ${i}`)).stdout).toBe(`${i}\n`);
      expect(local.get('noshell')).toMatchObject({ execChannels: 3, shellCommands: 0, roundTrips: 6 });
    } finally {
      await c.close();
    }
  });

  it('mkdir: one round trip when the umask leaves the mode alone, exact modes, existing dirs untouched', async () => {
    const { c, local } = counted({ host: 'mk' });
    const dir = join(sshd.dir, 'mk');
    try {
      await c.stat(sshd.dir); // SFTP session and the id tables, out of the count
      const trips = (): number => local.get('mk').roundTrips;
      const umask = process.umask(); // the test's sshd (and so sftp-server) runs with it
      let n = trips();
      await c.mkdir(dir, 0o750);
      expect(trips() - n).toBe(0o750 & umask ? 2 : 1); // mkdir and stat sent together
      expect((await c.stat(dir)).mode).toBe(0o750);
      n = trips();
      await c.mkdir(join(dir, 'wide'), 0o777); // the server's umask strips bits: a chmod follows
      expect(trips() - n).toBe(0o777 & umask ? 2 : 1);
      expect((await c.stat(join(dir, 'wide'))).mode).toBe(0o777);
      await c.mkdir(dir, 0o700); // exists: left as it is
      expect((await c.stat(dir)).mode).toBe(0o750);
      await c.mkdir(join(dir, 'a', 'b', 'c'), 0o755); // parents made as mkdir -p does
      expect((await c.stat(join(dir, 'a', 'b'))).kind).toBe('directory');
      writeFileSync(join(dir, 'file'), 'x');
      await expect(c.mkdir(join(dir, 'file'), 0o755)).rejects.toThrow(/exists and is not a directory/);
    } finally {
      await c.close();
    }
  });

  it('pipelines SFTP: a write is 3 round trips (also given the target\'s stat), a read 2, requests sent together share one', async () => {
    const { c, local } = counted({ host: 'trips' });
    const dir = join(sshd.dir, 'trips');
    try {
      await c.mkdir(dir, 0o755);
      await c.stat(dir); // the id tables (read with the first look at an existing file): out of the count
      // the first write into a directory also looks for stale temp files there: out of the count
      await c.writeFile(join(dir, 'first'), '', { mode: 0o600 });
      const before = (): number => local.get('trips').roundTrips;
      let n = before();
      await c.writeFile(join(dir, 'a.conf'), 'x=1\n', { mode: 0o640 }); // open+lstat, fchmod+write+fsync, close+rename
      expect(before() - n).toBe(3);
      n = before();
      expect((await c.readFile(join(dir, 'a.conf'))).toString()).toBe('x=1\n'); // open, fstat+read (close unawaited)
      expect(before() - n).toBe(2);
      const existing = await c.stat(join(dir, 'a.conf'));
      n = before();
      await c.writeFile(join(dir, 'a.conf'), 'x=2\n', { mode: 0o640, existing });
      // given the caller's stat: no look of its own; the data still waits for the handle the
      // server names (open, fchmod+write+fsync, close+rename)
      expect(before() - n).toBe(3);
      expect((await c.stat(join(dir, 'a.conf'))).mode).toBe(0o640);
      expect(readFileSync(join(dir, 'a.conf'), 'utf8')).toBe('x=2\n');
      // many writes and reads in turn, some concurrent: every file right, no temp left
      for (let i = 0; i < 12; i++) {
        const f = join(dir, `f${i % 4}`);
        const info = await c.stat(f);
        const writes = [c.writeFile(f, `v${i}\n`.repeat(i * 3000), { mode: 0o600, existing: info })];
        if (i % 3 === 0) writes.push(c.writeFile(join(dir, `g${i}`), `g${i}`, { mode: 0o644, existing: { exists: false } }), c.readFile(join(dir, 'a.conf')).then(() => ({})));
        await Promise.all(writes);
        expect(readFileSync(f, 'utf8')).toBe(`v${i}\n`.repeat(i * 3000));
      }
      for (const i of [0, 3, 6, 9]) expect(readFileSync(join(dir, `g${i}`), 'utf8')).toBe(`g${i}`);
      expect(readFileSync(join(dir, 'first'), 'utf8')).toBe('');
      expect(readdirSync(dir).filter((f) => f.includes('orchestrate'))).toEqual([]);
      // a write whose open fails (no such directory) changes nothing and says why
      await expect(c.writeFile(join(dir, 'nope', 'x'), 'x', { mode: 0o600, existing: { exists: false } })).rejects.toThrow(/no such file/);
      n = before();
      await c.writeFile(join(dir, 'a.conf'), 'x=3\n', { mode: 0o640, existing });
      expect(before() - n).toBe(3);
      expect(readFileSync(join(dir, 'a.conf'), 'utf8')).toBe('x=3\n');
    } finally {
      await c.close();
    }
  });

  it('the first write into a directory removes the temp files of ours an interrupted write left (untouched 15 minutes)', async () => {
    const c = createSshConnection(settings, runtime);
    const dir = join(sshd.dir, 'sweep');
    mkdirSync(dir);
    const old = Date.now() / 1000 - 16 * 60;
    const stale = ['.a.conf.orchestrate-0123456789ab', '.l.orchestrate-abcdefabcdef.lnk'];
    const kept = ['.b.conf.orchestrate-ba9876543210', '.c.orchestrate-xyz', 'd.orchestrate-0123456789ab', '.e.conf.tmp'];
    writeFileSync(join(dir, stale[0]!), 'x');
    symlinkSync('target', join(dir, stale[1]!));
    for (const n of kept) writeFileSync(join(dir, n), 'x');
    for (const n of [stale[0]!, ...kept.slice(1)]) utimesSync(join(dir, n), old, old); // kept[0]: a write in progress
    lutimesSync(join(dir, stale[1]!), old, old);
    try {
      await c.writeFile(join(dir, 'target'), 'y', { mode: 0o644 });
      expect(readdirSync(dir).sort()).toEqual([...kept, 'target'].sort());
    } finally {
      await c.close();
    }
  });

  it('a full disk names host, path and cause (a tmpfs of 64 KiB in the sshd\'s mount namespace)', async () => {
    const c = createSshConnection(settings, runtime);
    const small = join(sshd.dir, 'small');
    mkdirSync(small);
    try {
      expect(await c.exec(`mount -t tmpfs -o size=64k orchestrate-test-full ${small}`)).toMatchObject({ rc: 0 });
      await expect(c.writeFile(join(small, 'big'), Buffer.alloc(1 << 20, 1), { mode: 0o644 })).rejects.toThrow(
        new RegExp(`^web1: writeFile\\(${small}/big\\): no space left on device \\(\\d+ bytes free on the file system of ${small}, 1048576 to write\\)$`),
      );
      expect((await c.exec(`ls -A ${small}`)).stdout).toBe('');
    } finally {
      await c.exec(`umount ${small}`).catch(() => undefined);
      await c.close();
    }
  });

  it('writes atomically with the final mode, leaving no temp files', async () => {
    const c = createSshConnection(settings, runtime);
    const dir = join(sshd.dir, 'w');
    try {
      await c.mkdir(dir, 0o750);
      expect((await c.stat(dir)).mode).toBe(0o750);
      const path = join(dir, 'secret.key');
      await c.writeFile(path, 'v1', { mode: 0o600 });
      const info = await c.stat(path);
      expect(info).toMatchObject({ exists: true, kind: 'file', mode: 0o600, uid: 0, owner: 'root', group: 'root', size: 2 });
      const res = await c.writeFile(path, 'v2-secret', { mode: 0o640, backup: true });
      expect(res.backupPath).toMatch(/secret\.key\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/);
      expect(readFileSync(path, 'utf8')).toBe('v2-secret');
      expect(readFileSync(res.backupPath!, 'utf8')).toBe('v1');
      expect((await c.stat(path)).mode).toBe(0o640);
      const ls = await c.exec(`ls -A ${dir}`);
      expect(ls.stdout.split('\n').filter((f) => f.includes('orchestrate'))).toEqual([]);
      await expect(c.writeFile(join(dir, 'missing-dir', 'x'), 'x', { mode: 0o600 })).rejects.toThrow(/writeFile\(.*missing-dir\/x\): no such file/);
    } finally {
      await c.close();
    }
  });

  it('creates the temp file with restrictive permissions from the start', async () => {
    const c = createSshConnection(settings, runtime);
    const dir = join(sshd.dir, 'watch');
    try {
      await c.mkdir(dir, 0o755);
      // A watcher on the host records the mode of every temp file it sees during the writes.
      const watcher = c.exec(
        `end=$(($(date +%s)+3)); while [ $(date +%s) -lt $end ]; do for f in ${dir}/.*orchestrate*; do [ -e "$f" ] && stat -c %a "$f"; done; done 2>/dev/null | sort -u`,
      );
      for (let i = 0; i < 200; i++) await c.writeFile(join(dir, 'k.pem'), `key ${i}`.repeat(2000), { mode: 0o600 });
      const seen = (await watcher).stdout.split('\n').filter(Boolean);
      for (const m of seen) expect(m).toBe('600');
      expect((await c.stat(join(dir, 'k.pem'))).mode).toBe(0o600);
    } finally {
      await c.close();
    }
  });

  it('stats, reads, hashes; missing paths are not errors for stat/sha256', async () => {
    const c = createSshConnection(settings, runtime);
    const p = join(sshd.dir, 'f.txt');
    try {
      await c.writeFile(p, 'abc', { mode: 0o644 });
      expect((await c.readFile(p)).toString()).toBe('abc');
      expect(await c.sha256(p)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(await c.sha256(join(sshd.dir, 'nope'))).toBeUndefined();
      expect(await c.stat(join(sshd.dir, 'nope'))).toEqual({ exists: false });
      await expect(c.readFile(join(sshd.dir, 'nope'))).rejects.toThrow(/no such file/);
      await c.symlink(p, join(sshd.dir, 'link'));
      expect(await c.stat(join(sshd.dir, 'link'))).toMatchObject({ kind: 'link', linkTarget: p });
      // a second symlink replaces the first atomically and leaves no temp link behind
      await c.symlink(join(sshd.dir, 'other'), join(sshd.dir, 'link'));
      expect(await c.stat(join(sshd.dir, 'link'))).toMatchObject({ kind: 'link', linkTarget: join(sshd.dir, 'other') });
      expect(readdirSync(sshd.dir).filter((n) => n.endsWith('.lnk'))).toEqual([]);
      await expect(c.symlink(p, join(sshd.dir, 'no-dir', 'link'))).rejects.toThrow(/symlink\(.*no-dir\/link\): no such file/);
      // the deploy pattern: a link to one directory moved to another is replaced, not followed
      await c.mkdir(join(sshd.dir, 'rel/v1'));
      await c.mkdir(join(sshd.dir, 'rel/v2'));
      await c.symlink(join(sshd.dir, 'rel/v1'), join(sshd.dir, 'rel/current'));
      await c.symlink(join(sshd.dir, 'rel/v2'), join(sshd.dir, 'rel/current'));
      expect(await c.stat(join(sshd.dir, 'rel/current'))).toMatchObject({ kind: 'link', linkTarget: join(sshd.dir, 'rel/v2') });
      expect(readdirSync(join(sshd.dir, 'rel/v1'))).toEqual([]);
      await c.rename(join(sshd.dir, 'link'), join(sshd.dir, 'link2'));
      await c.chmod(p, 0o600);
      await c.chown(p, 'nobody', 'nogroup');
      expect(await c.stat(p)).toMatchObject({ mode: 0o600, owner: 'nobody', group: 'nogroup' });
      await c.remove(join(sshd.dir, 'link2'));
      await c.mkdir(join(sshd.dir, 'tree/a/b'));
      await c.remove(join(sshd.dir, 'tree'), true);
      expect((await c.stat(join(sshd.dir, 'tree'))).exists).toBe(false);
      const big = Buffer.alloc(9 * 1024 * 1024, 7);
      await c.writeFile(join(sshd.dir, 'big'), big, { mode: 0o644 });
      const { createHash } = await import('node:crypto');
      expect(await c.sha256(join(sshd.dir, 'big'))).toBe(createHash('sha256').update(big).digest('hex'));
    } finally {
      await c.close();
    }
  });

  it('runs as another user with become (sudo -n from root)', async () => {
    const c = createSshConnection({ ...settings, become: { method: 'sudo', user: 'nobody' } }, runtime);
    try {
      expect((await c.exec('id -un')).stdout).toBe('nobody\n');
      expect((await c.exec('id -un', { become: false })).stdout).toBe('root\n');
      expect(await c.exec('cat; exit 4', { stdin: 'piped' })).toMatchObject({ rc: 4, stdout: 'piped' });
    } finally {
      await c.close();
    }
  });

  it('throws ConnectionError when the connection drops mid-command', async () => {
    const c = createSshConnection(settings, runtime);
    try {
      await c.connect();
      const running = c.exec('sleep 20.417');
      // once the remote command runs (same PID namespace: pgrep sees it)
      const { spawnSync } = await import('node:child_process');
      for (let i = 0; i < 250 && spawnSync('pgrep', ['-f', '^sleep 20\\.417$']).status !== 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(sshd.killConnections()).toBeGreaterThan(0);
      const err = await running.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as ConnectionError).host).toBe('web1');
      await expect(c.exec('true')).rejects.toBeInstanceOf(ConnectionError);
    } finally {
      await c.close();
    }
  });

  it('signs in with rsa (rsa-sha2-512) and ecdsa key files, and with a key held by ssh-agent', async () => {
    const { execFileSync, spawn } = await import('node:child_process');
    for (const [type, bits] of [['rsa', '3072'], ['ecdsa', '256']] as const) {
      const key = join(sshd.dir, `id_${type}`);
      execFileSync('ssh-keygen', ['-q', '-t', type, '-b', bits, '-N', '', '-f', key]);
      appendFileSync(join(sshd.dir, 'authorized_keys'), readFileSync(`${key}.pub`));
      const c = createSshConnection({ ...settings, host: `k-${type}`, privateKeyFile: key }, runtime);
      expect((await c.exec('echo signed-in')).stdout).toBe('signed-in\n');
      await c.close();
    }
    // The agent's keys keep the query-first exchange (the agent signs only an accepted key).
    const sock = join(sshd.dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
      execFileSync('ssh-add', ['-q', sshd.clientKey], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
      const { privateKeyFile: _k, ...noKey } = settings;
      const c = createSshConnection({ ...noKey, host: 'k-agent' }, { ...runtime, agentSocket: sock, home: join(sshd.dir, 'no-home') });
      expect((await c.exec('echo via-agent')).stdout).toBe('via-agent\n');
      await c.close();
    } finally {
      if (agent.pid) process.kill(agent.pid);
    }
  });

  it('decrypts an encrypted key once with the passphrase provider; finds default keys', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdirSync, copyFileSync } = await import('node:fs');
    const enc = join(sshd.dir, 'enc_ecdsa');
    execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', 'pass phrase', '-f', enc]);
    appendFileSync(join(sshd.dir, 'authorized_keys'), readFileSync(`${enc}.pub`));
    const asked: string[] = [];
    const rt: SshRuntime = { ...runtime, passphraseProvider: async (f) => (asked.push(f), 'pass phrase') };
    for (const host of ['e1', 'e2']) {
      const c = createSshConnection({ ...settings, host, privateKeyFile: enc }, rt);
      expect((await c.exec('echo k')).stdout).toBe('k\n');
      await c.close();
    }
    expect(asked).toEqual([enc]);
    const bad = createSshConnection({ ...settings, privateKeyFile: enc }, { ...runtime, passphraseProvider: async () => 'nope' });
    await expect(bad.connect()).rejects.toThrow(`cannot decrypt private key ${enc}: wrong passphrase?`);
    const home = join(sshd.dir, 'home-default');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    copyFileSync(sshd.clientKey, join(home, '.ssh', 'id_ed25519'));
    const { privateKeyFile: _unused, ...noKey } = settings;
    const d = createSshConnection(noKey, { ...runtime, home });
    expect((await d.exec('echo default')).stdout).toBe('default\n');
    await d.close();
  });

  it('fails clearly for a refused port and a wrong key', async () => {
    const fast = { ...runtime, retryDelayMs: 10 };
    const refused = createSshConnection({ ...settings, port: 1 }, fast);
    await expect(refused.connect()).rejects.toThrow(/web1: cannot connect to 127\.0\.0\.1:1: ECONNREFUSED.*\(3 attempts\)/);
    const wrongKey = createSshConnection({ ...settings, privateKeyFile: join(sshd.dir, 'host_ed25519') }, fast);
    await expect(wrongKey.connect()).rejects.toThrow(/authentication failed for root@127\.0\.0\.1/);
    // A missing key is found before any socket is opened (an open socket would keep the run
    // alive until the server's LoginGraceTime).
    const counted = new SshStats();
    const noKey = createSshConnection({ ...settings, host: 'nokey', privateKeyFile: join(sshd.dir, 'absent') }, { ...fast, stats: counted });
    await expect(noKey.connect()).rejects.toThrow(/private key file .*absent does not exist/);
    expect(counted.get('nokey').connections).toBe(0);
  });
});
