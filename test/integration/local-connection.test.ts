import { execFileSync } from 'node:child_process';
import { lutimesSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/local/local.js';
import { IdResolver } from '../../src/connection/local/ids.js';

let dir: string;
const conn = new LocalConnection({ host: 'local' });
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-local-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('LocalConnection exec', () => {
  it('returns rc/stdout/stderr, never throws on rc != 0', async () => {
    const r = await conn.exec('echo out; echo err >&2; exit 3');
    expect(r).toEqual({ rc: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('passes stdin, env and cwd', async () => {
    const r = await conn.exec('cat; echo "$FOO"; pwd', { stdin: 'in\n', env: { FOO: "a 'b'" }, cwd: dir });
    expect(r.stdout).toBe(`in\na 'b'\n${dir}\n`);
  });

  it('kills on timeout and fails', async () => {
    await expect(conn.exec('sleep 5', { timeoutMs: 100 })).rejects.toThrow(/timed out after 100 ms/);
  });

  it('uses sudo -n -u only when becoming another user', () => {
    const me = process.env['USER'] === 'root' || process.getuid?.() === 0 ? 'root' : 'nobody-else';
    expect(conn.commandLine('id', { user: me, method: 'sudo' })[0]).toBe(me === 'root' ? '/bin/sh' : 'sudo');
    expect(conn.commandLine('id', { user: 'nobody', method: 'sudo' })).toEqual(['sudo', '-n', '-H', '-u', 'nobody', '--', '/bin/sh', '-c', 'id']);
    expect(conn.commandLine('id', false)).toEqual(['/bin/sh', '-c', 'id']);
  });
});

describe('LocalConnection files', () => {
  it('stat reports kind, mode, names; missing is exists:false', async () => {
    const f = join(dir, 'a');
    writeFileSync(f, 'x', { mode: 0o640 });
    const st = await conn.stat(f);
    expect(st).toMatchObject({ exists: true, kind: 'file', mode: 0o640, size: 1 });
    expect(typeof st.owner).toBe('string');
    expect(await conn.stat(join(dir, 'nope'))).toEqual({ exists: false });
    await conn.symlink('a', join(dir, 'l'));
    expect(await conn.stat(join(dir, 'l'))).toMatchObject({ kind: 'link', linkTarget: 'a' });
    await conn.symlink('b', join(dir, 'l')); // replaces, through a temp link
    expect(await conn.stat(join(dir, 'l'))).toMatchObject({ kind: 'link', linkTarget: 'b' });
    expect(readdirSync(dir).filter((n) => n.endsWith('.lnk'))).toEqual([]);
  });

  it('writeFile is atomic with the final mode from the first byte', async () => {
    const f = join(dir, 'key.pem');
    const seen: { path: string; mode: number; size: number }[] = [];
    const hooked = new LocalConnection({ afterTempCreate: (p) => seen.push({ path: p, mode: statSync(p).mode & 0o7777, size: statSync(p).size }) });
    await hooked.writeFile(f, 'secret', { mode: 0o600 });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.path.startsWith(`${dir}/.key.pem.`)).toBe(true);
    expect(seen[0]!.mode & ~0o600).toBe(0); // never looser than the final mode, before any byte
    expect(seen[0]!.size).toBe(0);
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readFileSync(f, 'utf8')).toBe('secret');
    expect(readdirSync(dir)).toEqual(['key.pem']);
  });

  it('writeFile keeps setuid-free exact modes despite umask and makes backups', async () => {
    const f = join(dir, 'conf');
    writeFileSync(f, 'old');
    await conn.writeFile(f, 'new', { mode: 0o666 });
    expect(statSync(f).mode & 0o777).toBe(0o666);
    const r = await conn.writeFile(f, 'newer', { mode: 0o644, backup: true });
    expect(r.backupPath).toMatch(/conf\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/);
    expect(readFileSync(r.backupPath!, 'utf8')).toBe('new');
    expect(readFileSync(f, 'utf8')).toBe('newer');
  });

  it('writeFile into a missing directory fails and leaves nothing', async () => {
    await expect(conn.writeFile(join(dir, 'no/such'), 'x', { mode: 0o644 })).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the first write into a directory removes the temp files of ours an interrupted write left (untouched 15 minutes)', async () => {
    const old = Date.now() / 1000 - 16 * 60;
    const stale = ['.a.conf.orchestrate-0123456789ab', '.l.orchestrate-abcdefabcdef.lnk'];
    const fresh = '.b.conf.orchestrate-ba9876543210'; // a write in progress elsewhere
    const notOurs = ['.c.orchestrate-xyz', 'd.orchestrate-0123456789ab', '.e.conf.tmp', '.f.orchestrate-0123456789ab.bak'];
    writeFileSync(join(dir, stale[0]!), 'x');
    symlinkSync('target', join(dir, stale[1]!));
    for (const n of [fresh, ...notOurs]) writeFileSync(join(dir, n), 'x');
    mkdirSync(join(dir, '.g.orchestrate-0123456789ab')); // a directory is never ours
    for (const n of [stale[0]!, ...notOurs, '.g.orchestrate-0123456789ab']) utimesSync(join(dir, n), old, old);
    lutimesSync(join(dir, stale[1]!), old, old);
    const c = new LocalConnection();
    await c.writeFile(join(dir, 'target'), 'y', { mode: 0o644 });
    expect(readdirSync(dir).sort()).toEqual([fresh, ...notOurs, '.g.orchestrate-0123456789ab', 'target'].sort());
    // once per directory and connection: the next write there does not look again
    writeFileSync(join(dir, stale[0]!), 'x');
    utimesSync(join(dir, stale[0]!), old, old);
    await c.writeFile(join(dir, 'target'), 'z', { mode: 0o644 });
    expect(readdirSync(dir)).toContain(stale[0]);
  });

  it.skipIf(process.getuid?.() !== 0)('a full disk names host, path and cause, and leaves no temp file', async () => {
    const small = join(dir, 'small');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'orchestrate-test-full', small]);
    try {
      await expect(conn.writeFile(join(small, 'big'), Buffer.alloc(1 << 20, 1), { mode: 0o644 })).rejects.toThrow(
        `local: writeFile(${small}/big): no space left on device (the file system of ${small})`,
      );
      expect(readdirSync(small)).toEqual([]);
    } finally {
      execFileSync('umount', [small]);
    }
  });

  it('mkdir -p applies the mode to created dirs only', async () => {
    await conn.mkdir(join(dir, 'a/b/c'), 0o750);
    expect(statSync(join(dir, 'a/b')).mode & 0o777).toBe(0o750);
    await conn.mkdir(join(dir, 'a/b/c'), 0o700);
    expect(statSync(join(dir, 'a/b/c')).mode & 0o777).toBe(0o750);
    writeFileSync(join(dir, 'f'), '');
    await expect(conn.mkdir(join(dir, 'f/x'))).rejects.toThrow(/not a directory/);
  });

  it('sha256, remove, rename, chown by name', async () => {
    const f = join(dir, 'h');
    writeFileSync(f, 'abc');
    expect(await conn.sha256(f)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await conn.sha256(join(dir, 'missing'))).toBeUndefined();
    const st = await conn.stat(f);
    await conn.chown(f, st.owner, st.group);
    await conn.rename(f, join(dir, 'h2'));
    await conn.mkdir(join(dir, 'd/e'));
    await expect(conn.remove(join(dir, 'd'))).rejects.toThrow();
    await conn.remove(join(dir, 'd'), true);
    await conn.remove(join(dir, 'never'));
    expect(readdirSync(dir)).toEqual(['h2']);
    await expect(conn.chown(join(dir, 'h2'), 'no-such-user-xyz')).rejects.toThrow(/unknown user "no-such-user-xyz"/);
  });
});

describe('IdResolver', () => {
  it('reads passwd/group files once', () => {
    const p = join(dir, 'passwd');
    const g = join(dir, 'group');
    writeFileSync(p, 'root:x:0:0::/root:/bin/sh\nnomad:x:990:990::/:/bin/false\n');
    writeFileSync(g, 'root:x:0:\nnomad:x:990:\n');
    const ids = new IdResolver(p, g);
    expect(ids.uid('nomad')).toBe(990);
    expect(ids.gid('12')).toBe(12);
    writeFileSync(p, '');
    expect(ids.userName(990)).toBe('nomad');
    expect(() => ids.gid('vault')).toThrow(/unknown group "vault"/);
  });
});
