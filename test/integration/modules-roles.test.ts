/** Modules popular roles use (pause, authorized_key, ...): on the local connection in temp dirs; expectations from ansible-playbook 2.14 runs. */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assemble } from '../../src/modules/assemble.js';
import { fetchModule } from '../../src/modules/fetch.js';
import { apt_repository } from '../../src/modules/apt_repository.js';
import { MemoryConnection } from '../../src/connection/memory.js';
import { debconf } from '../../src/modules/debconf.js';
import { authorized_key } from '../../src/modules/authorized_key.js';
import { runModule } from '../../src/modules/run.js';
import { tempfile } from '../../src/modules/tempfile.js';
import { wait_for_connection } from '../../src/modules/wait_for_connection.js';
import { ManualClock } from '../helpers/clock.js';
import type { TestContext } from '../helpers/module-context.js';
import { makeContext } from '../helpers/module-context.js';

let t: TestContext;
beforeEach(async () => {
  t = await makeContext();
});
afterEach(() => t.cleanup());

const mode = (p: string): number => statSync(p).mode & 0o7777;

describe('authorized_key', () => {
  it('adds, replaces on other options, removes, exclusive; the same file as ansible.posix.authorized_key writes', async () => {
    const user = userInfo().username;
    const ssh = join(t.root, 'home/.ssh');
    const path = join(ssh, 'authorized_keys');
    mkdirSync(ssh, { recursive: true, mode: 0o755 });
    writeFileSync(path, '# managed\nssh-rsa BBBB old@host\n\nfrom="10.0.0.1" ssh-ed25519 CCCC c\n');
    const run = (args: Record<string, unknown>, o: { checkMode?: boolean; diffMode?: boolean } = {}) => runModule(authorized_key, t.with(o), { user, path, ...args });

    const check = await run({ key: 'ssh-ed25519 AAAA one@x\nssh-rsa DDDD' }, { checkMode: true, diffMode: true });
    expect(check.changed).toBe(true);
    expect(check.diff?.[0]?.after).toBe('# managed\nssh-rsa BBBB old@host\n\nfrom="10.0.0.1" ssh-ed25519 CCCC c\nssh-ed25519 AAAA one@x\nssh-rsa DDDD \n');
    expect(readFileSync(path, 'utf8')).toBe('# managed\nssh-rsa BBBB old@host\n\nfrom="10.0.0.1" ssh-ed25519 CCCC c\n');

    expect((await run({ key: 'ssh-ed25519 AAAA one@x\nssh-rsa DDDD' })).changed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('# managed\nssh-rsa BBBB old@host\n\nfrom="10.0.0.1" ssh-ed25519 CCCC c\nssh-ed25519 AAAA one@x\nssh-rsa DDDD \n');
    expect(mode(ssh)).toBe(0o700);
    expect(mode(path)).toBe(0o600);

    await run({ key: 'ssh-ed25519 CCCC new', key_options: 'no-pty,from="a,b"' });
    expect(readFileSync(path, 'utf8')).toBe('# managed\nssh-rsa BBBB old@host\n\nssh-ed25519 AAAA one@x\nssh-rsa DDDD \nno-pty,from="a,b" ssh-ed25519 CCCC new\n');
    expect((await run({ key: 'ssh-ed25519 CCCC new', key_options: 'from="a,b",no-pty' })).changed).toBe(false);

    expect((await run({ key: 'ssh-rsa BBBB', state: 'absent' })).changed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('# managed\n\nssh-ed25519 AAAA one@x\nssh-rsa DDDD \nno-pty,from="a,b" ssh-ed25519 CCCC new\n');
    expect((await run({ key: 'ssh-rsa BBBB', state: 'absent' })).changed).toBe(false);

    await run({ key: 'ssh-ed25519 AAAA one@x', comment: 'hi there', exclusive: true });
    expect(readFileSync(path, 'utf8')).toBe('ssh-ed25519 AAAA hi there\n');
    const again = await run({ key: 'ssh-ed25519 AAAA one@x', comment: 'hi there', exclusive: true });
    expect(again.changed).toBe(false);
  });

  it('fails on a line that is no key, and on a user that does not exist', async () => {
    const path = join(t.root, 'k');
    const bad = await runModule(authorized_key, t.ctx, { user: userInfo().username, path, key: 'not a key' });
    expect(bad).toMatchObject({ failed: true, msg: 'invalid key specified: not a key' });
    const nouser = await runModule(authorized_key, t.ctx, { user: 'no-such-user-x7', key: 'ssh-rsa AAAA' });
    expect(nouser.failed).toBe(true);
    expect(String(nouser.msg)).toContain('Failed to lookup user no-such-user-x7');
  });
});

describe('tempfile', () => {
  it('makes a file 0600 and a directory 0700 named prefix + 8 of [a-z0-9_] + suffix; skipped in check mode', async () => {
    const f = await runModule(tempfile, t.ctx, { path: t.root, prefix: 'x7.', suffix: '.conf' });
    expect(f.changed).toBe(true);
    const p = String(f.data['path']);
    expect(p).toMatch(new RegExp(`^${t.root}/x7\\.[a-z0-9_]{8}\\.conf$`));
    expect(statSync(p).isFile()).toBe(true);
    expect(f.data).toMatchObject({ state: 'file', mode: '0600', size: 0 });
    const d = await runModule(tempfile, t.ctx, { path: t.root, state: 'directory' });
    expect(String(d.data['path'])).toMatch(/\/ansible\.[a-z0-9_]{8}$/);
    expect(mode(String(d.data['path']))).toBe(0o700);
    const c = await runModule(tempfile, t.with({ checkMode: true }), { path: t.root });
    expect(c.skipped).toBe(true);
  });
});

describe('wait_for_connection', () => {
  it('answers at once over a working connection, after the delay on the clock', async () => {
    const clock = new ManualClock();
    const r = await runModule(wait_for_connection, t.with({ clock }), { delay: 3, timeout: 10 });
    expect(r).toMatchObject({ changed: false, failed: false, data: { elapsed: 3 } });
    expect(clock.slept).toEqual([3000]);
  });
});

describe('wait_for_connection on a host that does not answer', () => {
  it('tries every `sleep` seconds while the timeout lasts, then fails with the last error', async () => {
    const clock = new ManualClock();
    const base = t.with({ clock });
    const connection = Object.assign(Object.create(Object.getPrototypeOf(t.conn)) as object, t.conn, {
      connect: async () => {
        throw new Error('connection refused');
      },
    }) as typeof t.conn;
    const r = await runModule(wait_for_connection, { ...base, connection }, { timeout: 5, sleep: 2 });
    expect(r).toMatchObject({ failed: true, msg: 'timed out waiting for ping module test: connection refused', data: { elapsed: 6 } });
    expect(clock.slept).toEqual([2000, 2000, 2000]);
  });
});

describe('assemble', () => {
  it('joins the fragments as ansible-playbook does: sorted, newlines added, delimiters, regexp, hidden; idempotent; check and diff', async () => {
    const frags = join(t.root, 'frags');
    mkdirSync(join(frags, 'sub'), { recursive: true });
    writeFileSync(join(frags, '10-a'), 'a1\n');
    writeFileSync(join(frags, '20-b'), 'b2');
    writeFileSync(join(frags, '.hidden'), 'h\n');
    writeFileSync(join(frags, '30-c.conf'), 'c3\n');
    const out = (n: string): string => join(t.root, n);
    await runModule(assemble, t.ctx, { src: frags, dest: out('o1') });
    expect(readFileSync(out('o1'), 'utf8')).toBe('h\na1\nb2\nc3\n');
    await runModule(assemble, t.ctx, { src: frags, dest: out('o2'), delimiter: '### x', ignore_hidden: true });
    expect(readFileSync(out('o2'), 'utf8')).toBe('a1\n### x\nb2\n### x\nc3\n');
    const args = { src: frags, dest: out('o3'), regexp: '^[0-9]+-[ab]$', delimiter: '#--\\n', mode: '0640' };
    const check = await runModule(assemble, t.with({ checkMode: true, diffMode: true }), args);
    expect(check.changed).toBe(true);
    expect(check.diff?.[0]?.after).toBe('a1\n#--\nb2');
    const r = await runModule(assemble, t.ctx, args);
    expect(r.changed).toBe(true);
    expect(readFileSync(out('o3'), 'utf8')).toBe('a1\n#--\nb2');
    expect(mode(out('o3'))).toBe(0o640);
    expect((await runModule(assemble, t.ctx, args)).changed).toBe(false);
    const missing = await runModule(assemble, t.ctx, { src: join(t.root, 'nope'), dest: out('o4') });
    expect(missing.failed).toBe(true);
    expect(String(missing.msg)).toContain('is not a directory');
  });
});

describe('fetch', () => {
  it('copies into dest/<host>/<src path>, or flat; unchanged the second time; missing and directories as ansible-playbook', async () => {
    const src = join(t.root, 'remote/src.txt');
    mkdirSync(join(t.root, 'remote'), { recursive: true });
    writeFileSync(src, 'hello\n');
    const ctx = t.with({ vars: { playbook_dir: join(t.root, 'pb') } });
    const a = await runModule(fetchModule, ctx, { src, dest: 'out' });
    const dest = join(t.root, 'pb/out/testhost', src);
    expect(a).toMatchObject({ changed: true, data: { dest, checksum: 'f572d396fae9206628714fb2ce00f72e94f2258f', remote_checksum: 'f572d396fae9206628714fb2ce00f72e94f2258f', md5sum: 'b1946ac92492d2347c6235b4d2611184' } });
    expect(readFileSync(dest, 'utf8')).toBe('hello\n');
    const b = await runModule(fetchModule, ctx, { src, dest: 'out' });
    expect(b).toMatchObject({ changed: false, data: { dest, file: src } });
    const c = await runModule(fetchModule, ctx, { src, dest: 'flat/', flat: true });
    expect(c.data['dest']).toBe(join(t.root, 'pb/flat/src.txt'));
    const d = await runModule(fetchModule, ctx, { src: join(t.root, 'nope'), dest: 'out' });
    expect(d).toMatchObject({ failed: true, msg: 'the remote file does not exist, not transferring, ignored' });
    const e = await runModule(fetchModule, ctx, { src: join(t.root, 'nope'), dest: 'out', fail_on_missing: false });
    expect(e).toMatchObject({ failed: false, changed: false });
    const f = await runModule(fetchModule, ctx, { src: join(t.root, 'remote'), dest: 'out' });
    expect(f).toMatchObject({ failed: true, msg: 'remote file is a directory, fetch cannot work on directories' });
    expect((await runModule(fetchModule, t.with({ checkMode: true }), { src, dest: join(t.root, 'x') })).skipped).toBe(true);
  });
});

describe('apt_repository (on an in-memory host: the real /etc/apt is not touched)', () => {
  function host(files: Record<string, string>): MemoryConnection {
    const mem: MemoryConnection = new MemoryConnection('testhost', (cmd) => {
      if (cmd.includes('sources.list.d/*.list')) {
        const names = [...mem.files.keys()].filter((p) => p === '/etc/apt/sources.list' || /^\/etc\/apt\/sources\.list\.d\/[^/]*\.list$/.test(p)).sort();
        return { rc: 0, stdout: names.map((n) => `${n}\0`).join(''), stderr: '' };
      }
      if (cmd.includes('apt-get update')) return { rc: 0, stdout: '', stderr: '' };
      return undefined;
    });
    mem.files.set('/etc', { kind: 'directory', mode: 0o755, owner: 'root', group: 'root' });
    mem.files.set('/etc/apt', { kind: 'directory', mode: 0o755, owner: 'root', group: 'root' });
    for (const [p, text] of Object.entries(files)) mem.files.set(p, { kind: 'file', mode: 0o644, content: Buffer.from(text), owner: 'root', group: 'root' });
    return mem;
  }
  const text = (m: MemoryConnection, p: string): string | undefined => m.files.get(p)?.content?.toString('utf8');

  it('names the file from the URL as Ansible, enables a commented-out line, removes and deletes an emptied file; check, diff, mode, update_cache', async () => {
    const mem = host({ '/etc/apt/sources.list': '# main\ndeb http://deb.debian.org/debian bookworm main\n# deb http://x.example/a b c # old\n' });
    const ctx = (o: { checkMode?: boolean; diffMode?: boolean } = {}) => ({ ...t.with(o), connection: mem });
    const docker = 'deb [arch=amd64 signed-by=/usr/share/keyrings/docker.gpg] https://user:pw@download.docker.com/linux/debian   bookworm stable';
    const check = await runModule(apt_repository, ctx({ checkMode: true, diffMode: true }), { repo: docker });
    expect(check.diff).toEqual([{ path: '/etc/apt/sources.list.d/download_docker_com_linux_debian.list', before: '', after: 'deb [arch=amd64 signed-by=/usr/share/keyrings/docker.gpg] https://user:pw@download.docker.com/linux/debian bookworm stable\n' }]);
    expect(mem.files.has('/etc/apt/sources.list.d/download_docker_com_linux_debian.list')).toBe(false);
    const r = await runModule(apt_repository, ctx(), { repo: docker, mode: '0600' });
    expect(r.changed).toBe(true);
    expect(mem.files.get('/etc/apt/sources.list.d/download_docker_com_linux_debian.list')?.mode).toBe(0o600);
    expect(mem.commands.some((c) => c.includes('apt-get update'))).toBe(true);
    expect((await runModule(apt_repository, ctx(), { repo: docker })).changed).toBe(false);

    await runModule(apt_repository, ctx(), { repo: 'deb http://x.example/a   b c', update_cache: false });
    expect(text(mem, '/etc/apt/sources.list')).toBe('# main\ndeb http://deb.debian.org/debian bookworm main\ndeb http://x.example/a b c # old\n');

    await runModule(apt_repository, ctx(), { repo: 'deb http://deb.example.org/x y z', filename: 'mine', update_cache: false });
    expect(text(mem, '/etc/apt/sources.list.d/mine.list')).toBe('deb http://deb.example.org/x y z\n');
    const rm = await runModule(apt_repository, ctx(), { repo: 'deb http://deb.example.org/x y z', state: 'absent', update_cache: false });
    expect(rm.changed).toBe(true);
    expect(mem.files.has('/etc/apt/sources.list.d/mine.list')).toBe(false);
    const bad = await runModule(apt_repository, ctx(), { repo: 'http://nope' });
    expect(bad).toMatchObject({ failed: true, msg: 'Invalid repository string: http://nope' });
  });
});

describe('debconf (on an in-memory host answering debconf-show)', () => {
  it('sets an answer that differs, booleans compared in lower case, with -u for unseen; check mode sets nothing', async () => {
    const db: Record<string, string> = { 'tzdata/Areas': 'Etc', 'locales/default_environment_locale': 'None', 'x/enable': 'false' };
    const stdins: string[] = [];
    const mem = new MemoryConnection('testhost', (cmd, opts) => {
      if (cmd.startsWith('debconf-show')) return { rc: 0, stdout: Object.entries(db).map(([k, v]) => `* ${k}: ${v}\n`).join(''), stderr: '' };
      if (cmd.startsWith('debconf-set-selections')) {
        stdins.push(`${cmd}|${String(opts?.stdin)}`);
        const [, q, , v] = String(opts?.stdin).trim().split(' ');
        db[q!] = v!;
        return { rc: 0, stdout: '', stderr: '' };
      }
      return undefined;
    });
    const ctx = (o: { checkMode?: boolean; diffMode?: boolean } = {}) => ({ ...t.with(o), connection: mem });
    const same = await runModule(debconf, ctx(), { name: 'x', question: 'x/enable', vtype: 'boolean', value: false });
    expect(same.changed).toBe(false);
    const check = await runModule(debconf, ctx({ checkMode: true }), { name: 'tzdata', question: 'tzdata/Areas', vtype: 'select', value: 'Europe' });
    expect(check).toMatchObject({ changed: true, data: { current: { 'tzdata/Areas': 'Europe' }, previous: { 'tzdata/Areas': 'Etc' } } });
    expect(stdins).toEqual([]);
    await runModule(debconf, ctx(), { name: 'tzdata', question: 'tzdata/Areas', vtype: 'select', value: 'Europe', unseen: true });
    await runModule(debconf, ctx(), { name: 'x', question: 'x/new', vtype: 'boolean', value: true });
    expect(stdins).toEqual(['debconf-set-selections -u|tzdata tzdata/Areas select Europe\n', 'debconf-set-selections|x x/new boolean true\n']);
    expect((await runModule(debconf, ctx(), { name: 'tzdata', question: 'tzdata/Areas', vtype: 'select', value: 'Europe' })).changed).toBe(false);
  });
});
