import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExecOptions, ExecResult } from '../../src/connection/connection.js';
import { LocalConnection } from '../../src/connection/local/local.js';
import { blockinfile } from '../../src/modules/blockinfile.js';
import { copy } from '../../src/modules/copy.js';
import { file } from '../../src/modules/file.js';
import { lineinfile } from '../../src/modules/lineinfile.js';
import { runModule } from '../../src/modules/run.js';
import { slurp } from '../../src/modules/slurp.js';
import { stat } from '../../src/modules/stat.js';
import { template } from '../../src/modules/template.js';
import type { TestContext } from '../helpers/module-context.js';
import { makeContext } from '../helpers/module-context.js';

let t: TestContext;
let root: string;
beforeEach(async () => {
  t = await makeContext({ vars: { port: 4646, region: 'global' } });
  root = t.root;
  mkdirSync(join(root, 'src/files'), { recursive: true });
  mkdirSync(join(root, 'src/templates'), { recursive: true });
});
afterEach(() => t.cleanup());

const mode = (p: string): number => statSync(p).mode & 0o7777;

describe('copy', () => {
  it('creates, then reports ok with the reason; check mode touches nothing', async () => {
    const dest = join(root, 'a.conf');
    const check = await runModule(copy, t.with({ checkMode: true, diffMode: true }), { content: 'x=1\n', dest, mode: '0600' });
    expect(check).toMatchObject({ changed: true, failed: false, reason: `create ${dest}` });
    expect(check.diff).toEqual([{ path: dest, before: '', after: 'x=1\n' }]);
    expect(existsSync(dest)).toBe(false);
    const r1 = await runModule(copy, t.ctx, { content: 'x=1\n', dest, mode: '0600' });
    expect(r1.changed).toBe(true);
    expect(readFileSync(dest, 'utf8')).toBe('x=1\n');
    expect(mode(dest)).toBe(0o600);
    expect(r1.data).toMatchObject({ dest, checksum: '75d155771c678a74cef8ce298f9b752cc10c5d70', size: 4 });
    const r2 = await runModule(copy, t.ctx, { content: 'x=1\n', dest, mode: '0600' });
    expect(r2).toMatchObject({ changed: false, reason: 'content and mode 0600 already match' });
  });

  it('changes only the mode when content matches, with an attribute diff', async () => {
    const dest = join(root, 'b');
    writeFileSync(dest, 'same');
    chmodSync(dest, 0o644);
    const r = await runModule(copy, t.with({ diffMode: true }), { content: 'same', dest, mode: 0o640 });
    expect(r.reason).toBe(`update ${dest}: mode 0640`);
    expect(r.diff).toEqual([{ path: `${dest} (attributes)`, before: 'mode: 0644\n', after: 'mode: 0640\n' }]);
    expect(mode(dest)).toBe(0o640);
  });

  it('copies src from files/, into a dir when dest ends with /, with backup', async () => {
    writeFileSync(join(root, 'src/files/nomad.hcl'), 'a\n');
    const r = await runModule(copy, t.ctx, { src: 'nomad.hcl', dest: `${root}/etc/nomad.d/`, directory_mode: '0750' });
    expect(r.changed).toBe(true);
    expect(readFileSync(join(root, 'etc/nomad.d/nomad.hcl'), 'utf8')).toBe('a\n');
    expect(mode(join(root, 'etc/nomad.d'))).toBe(0o750);
    writeFileSync(join(root, 'src/files/nomad.hcl'), 'b\n');
    const r2 = await runModule(copy, t.with({ diffMode: true }), { src: 'nomad.hcl', dest: `${root}/etc/nomad.d`, backup: true });
    expect(r2.diff?.[0]).toMatchObject({ before: 'a\n', after: 'b\n' });
    expect(readFileSync(String(r2.data['backup_file']), 'utf8')).toBe('a\n');
  });

  it('force: false leaves an existing file alone', async () => {
    const dest = join(root, 'c');
    writeFileSync(dest, 'old');
    const r = await runModule(copy, t.ctx, { content: 'new', dest, force: 'no' });
    expect(r).toMatchObject({ changed: false, reason: `${dest} exists and force is false` });
    expect(readFileSync(dest, 'utf8')).toBe('old');
  });

  it.each([
    [{ content: 'x', dest: '/nonexistent-dir-xyz/f' }, 'copy(/nonexistent-dir-xyz/f): destination directory /nonexistent-dir-xyz does not exist'],
    [{ src: 'missing.txt', dest: '/tmp/x' }, 'copy(/tmp/x): could not find missing.txt in files/'],
    [{ content: 'x', src: 'y', dest: '/tmp/x' }, 'parameters are mutually exclusive: src|content'],
    [{ dest: '/tmp/x' }, 'one of the following is required: src, content'],
    [{ content: 'x', dest: '/tmp/x', mode: 'rwxrwxrwx' }, 'mode: invalid mode "rwxrwxrwx"'],
  ])('fails clearly: %j', async (args, msg) => {
    const r = await runModule(copy, t.ctx, args);
    expect(r.failed).toBe(true);
    expect(r.msg).toContain(msg);
  });
});

describe('template', () => {
  it('renders with vars and is idempotent', async () => {
    writeFileSync(join(root, 'src/templates/nomad.hcl.j2'), 'region = "{{ region }}"\nport = {{ port }}\n');
    const dest = join(root, 'nomad.hcl');
    const r1 = await runModule(template, t.ctx, { src: 'nomad.hcl.j2', dest, mode: '0640' });
    expect(r1.changed).toBe(true);
    expect(readFileSync(dest, 'utf8')).toBe('region = "global"\nport = 4646\n');
    const r2 = await runModule(template, t.ctx, { src: 'nomad.hcl.j2', dest, mode: '0640' });
    expect(r2).toMatchObject({ changed: false, reason: 'content and mode 0640 already match' });
  });

  it('reports an undefined variable as a failure naming the template', async () => {
    writeFileSync(join(root, 'src/templates/bad.j2'), '{{ nope }}');
    const r = await runModule(template, t.ctx, { src: 'bad.j2', dest: join(root, 'bad') });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/^template\(.*bad\): rendering bad\.j2 failed: .*nope/);
  });

  it('fails on bytes that are not UTF-8, naming the template file and the byte offset; writes nothing', async () => {
    const latin1 = join(root, 'src/templates/latin1.j2');
    writeFileSync(latin1, Buffer.concat([Buffer.from('name = "Jos'), Buffer.from([0xe9]), Buffer.from('"\n')]));
    const dest = join(root, 'latin1.conf');
    const r = await runModule(template, t.ctx, { src: 'latin1.j2', dest });
    expect(r.failed).toBe(true);
    expect(r.msg).toBe(`template(${dest}): ${latin1}: not valid UTF-8 at byte offset 11 (0xe9); save the file as UTF-8`);
    expect(existsSync(dest)).toBe(false);
  });
});

describe('file', () => {
  it('directory: create, ok with reason, then mode change', async () => {
    const p = join(root, 'd/e');
    const r1 = await runModule(file, t.ctx, { path: p, state: 'directory', mode: '0700' });
    expect(r1.changed).toBe(true);
    expect(mode(p)).toBe(0o700);
    const r2 = await runModule(file, t.ctx, { path: p, state: 'directory', mode: '0700' });
    expect(r2).toMatchObject({ changed: false, reason: 'directory already exists, mode 0700 already' });
    const r3 = await runModule(file, t.with({ diffMode: true }), { path: p, state: 'directory', mode: 'u=rwx,g=rx' });
    expect(r3.diff?.[0]?.after).toContain('mode: 0750');
    expect(mode(p)).toBe(0o750);
  });

  it('absent, touch, link', async () => {
    const f = join(root, 'f');
    expect((await runModule(file, t.ctx, { path: f, state: 'absent' })).reason).toBe(`${f} already absent`);
    expect((await runModule(file, t.ctx, { path: f, state: 'touch', mode: '0600' })).changed).toBe(true);
    expect(mode(f)).toBe(0o600);
    const keep = await runModule(file, t.ctx, { path: f, state: 'touch', modification_time: 'preserve', access_time: 'preserve' });
    expect(keep.changed).toBe(false);
    const l = join(root, 'l');
    expect((await runModule(file, t.ctx, { path: l, state: 'link', src: f })).changed).toBe(true);
    expect(readlinkSync(l)).toBe(f);
    expect((await runModule(file, t.ctx, { path: l, state: 'link', src: f })).reason).toBe(`link already points to ${f}`);
    expect((await runModule(file, t.ctx, { path: l, state: 'link', src: join(root, 'nope') })).msg).toMatch(/does not exist; use force: true/);
    expect((await runModule(file, t.ctx, { dest: f, state: 'absent' })).changed).toBe(true);
    expect(existsSync(f)).toBe(false);
  });

  it('check mode changes nothing; state=file on a missing path fails', async () => {
    const p = join(root, 'x');
    const c = await runModule(file, t.with({ checkMode: true }), { path: p, state: 'directory' });
    expect(c.changed).toBe(true);
    expect(existsSync(p)).toBe(false);
    const r = await runModule(file, t.ctx, { path: p });
    expect(r.msg).toBe(`file(${p}): file (${p}) is absent, cannot continue; use state: touch to create it`);
  });
});

describe('lineinfile', () => {
  it.each([
    ['appends a missing line', 'a\nb\n', { line: 'c' }, 'a\nb\nc\n', 'line added'],
    ['adds a newline to an unterminated last line', 'a', { line: 'c' }, 'a\nc\n', 'line added'],
    ['replaces the last regexp match', 'port=1\nx\nport=2\n', { regexp: '^port=', line: 'port=3' }, 'port=1\nx\nport=3\n', 'line replaced'],
    ['firstmatch replaces the first', 'port=1\nport=2\n', { regexp: '^port=', line: 'port=3', firstmatch: true }, 'port=3\nport=2\n', 'line replaced'],
    ['inserts after a match', 'a\n[s]\nb\n', { line: 'k=v', insertafter: '^\\[s\\]' }, 'a\n[s]\nk=v\nb\n', 'line added'],
    ['inserts before a match', 'a\nb\n', { line: 'z', insertbefore: '^b' }, 'a\nz\nb\n', 'line added'],
    ['inserts at BOF', 'a\n', { line: '#!', insertbefore: 'BOF' }, '#!\na\n', 'line added'],
    ['backrefs', 'listen 80\n', { regexp: '^listen (\\d+)', line: 'listen \\1 ssl', backrefs: true }, 'listen 80 ssl\n', 'line replaced'],
    ['removes matches', 'a\nx=1\nb\nx=2\n', { regexp: '^x=', state: 'absent' }, 'a\nb\n', '2 line(s) removed'],
  ])('%s', async (_n, before, args, after, msg) => {
    const p = join(root, 'f');
    writeFileSync(p, before);
    const r = await runModule(lineinfile, t.ctx, { path: p, ...args });
    expect(r.changed).toBe(true);
    expect(r.data['msg']).toBe(msg);
    expect(readFileSync(p, 'utf8')).toBe(after);
    const again = await runModule(lineinfile, t.ctx, { path: p, ...args });
    expect(again.changed).toBe(false);
    expect(again.reason).toMatch(/already|did not match/);
  });

  it('create and missing-file errors; check mode and diff', async () => {
    const p = join(root, 'new/conf');
    expect((await runModule(lineinfile, t.ctx, { path: p, line: 'a' })).msg).toMatch(/does not exist; set create: true/);
    const c = await runModule(lineinfile, t.with({ checkMode: true, diffMode: true }), { path: p, line: 'a', create: true });
    expect(c.diff?.[0]).toMatchObject({ before: '', after: 'a\n' });
    expect(existsSync(p)).toBe(false);
    expect((await runModule(lineinfile, t.ctx, { path: p, line: 'a', create: true, mode: '0600' })).changed).toBe(true);
    expect(mode(p)).toBe(0o600);
    expect((await runModule(lineinfile, t.ctx, { path: p, line: 'a' })).reason).toBe('line already present');
    expect((await runModule(lineinfile, t.ctx, { path: p, regexp: '(' , line: 'x' })).msg).toMatch(/regexp: invalid regular expression/);
  });
});

describe('blockinfile', () => {
  it('inserts, updates and removes a marked block', async () => {
    const p = join(root, 'hosts');
    writeFileSync(p, 'top\n');
    const r1 = await runModule(blockinfile, t.ctx, { path: p, block: 'one\ntwo\n' });
    expect(r1.changed).toBe(true);
    expect(readFileSync(p, 'utf8')).toBe('top\n# BEGIN ANSIBLE MANAGED BLOCK\none\ntwo\n# END ANSIBLE MANAGED BLOCK\n');
    expect((await runModule(blockinfile, t.ctx, { path: p, block: 'one\ntwo' })).reason).toBe('block already present');
    await runModule(blockinfile, t.ctx, { path: p, block: 'three', insertbefore: 'BOF' });
    expect(readFileSync(p, 'utf8')).toBe('top\n# BEGIN ANSIBLE MANAGED BLOCK\nthree\n# END ANSIBLE MANAGED BLOCK\n');
    const rm = await runModule(blockinfile, t.ctx, { path: p, state: 'absent' });
    expect(rm.data['msg']).toBe('block removed');
    expect(readFileSync(p, 'utf8')).toBe('top\n');
    expect((await runModule(blockinfile, t.ctx, { path: p, block: 'x', marker: 'no mark' })).msg).toMatch(/marker must contain \{mark\}/);
  });

  it('custom markers, insertafter', async () => {
    const p = join(root, 'c');
    writeFileSync(p, 'a\nb\n');
    await runModule(blockinfile, t.ctx, { path: p, block: 'x', marker: '// {mark}', marker_begin: 'start', marker_end: 'stop', insertafter: '^a' });
    expect(readFileSync(p, 'utf8')).toBe('a\n// start\nx\n// stop\nb\n');
  });
});

describe('stat and slurp', () => {
  it('stat reports Ansible-shaped facts', async () => {
    const p = join(root, 's');
    writeFileSync(p, 'abc');
    chmodSync(p, 0o640);
    symlinkSync(p, join(root, 'sl'));
    const r = await runModule(stat, t.ctx, { path: p });
    expect(r.changed).toBe(false);
    expect(r.data['stat']).toMatchObject({ exists: true, isreg: true, isdir: false, mode: '0640', size: 3, checksum: 'a9993e364706816aba3e25717850c26c9cd0d89d', nlink: 1, isfifo: false, mimetype: 'text/plain', charset: 'us-ascii' });
    // what SFTP's stat does not carry comes from one `stat -c` through the shell
    const st = r.data['stat'] as Record<string, unknown>;
    const local = statSync(p);
    expect([st['inode'], st['dev'], st['blocks'], Math.floor(st['atime'] as number)]).toEqual([local.ino, local.dev, local.blocks, Math.floor(local.atimeMs / 1000)]);
    expect((await runModule(stat, t.ctx, { path: join(root, 'sl') })).data['stat']).toMatchObject({ islnk: true, lnk_target: p });
    expect((await runModule(stat, t.ctx, { path: join(root, 'sl'), follow: true })).data['stat']).toMatchObject({ isreg: true });
    expect((await runModule(stat, t.ctx, { path: join(root, 'none') })).data['stat']).toEqual({ exists: false });
  });

  it('slurp returns base64', async () => {
    writeFileSync(join(root, 'k'), 'key');
    const r = await runModule(slurp, t.ctx, { src: join(root, 'k') });
    expect(r.data).toEqual({ content: 'a2V5', encoding: 'base64', source: join(root, 'k') });
    expect((await runModule(slurp, t.ctx, { path: join(root, 'zz') })).msg).toMatch(/file not found/);
  });
});

describe('atomicity', () => {
  it('leaves no temp files behind', async () => {
    await runModule(copy, t.ctx, { content: 'k', dest: join(root, 'key'), mode: '0400' });
    expect(readdirSync(root).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(mode(join(root, 'key'))).toBe(0o400);
  });
});

describe('process spawns', () => {
  it('file modules spawn no remote process (stat/sha256/readFile/writeFile only); the stat module one', async () => {
    let execs = 0;
    class Counting extends LocalConnection {
      override exec(cmd: string, opts?: ExecOptions): Promise<ExecResult> {
        execs++;
        return super.exec(cmd, opts);
      }
    }
    const c = await makeContext({ connection: new Counting(), diffMode: true });
    const p = join(c.root, 'f');
    for (let i = 0; i < 2; i++) {
      await runModule(copy, c.ctx, { content: 'a\n', dest: p, mode: '0600' });
      await runModule(lineinfile, c.ctx, { path: p, line: 'b' });
      await runModule(blockinfile, c.ctx, { path: p, block: 'c' });
      await runModule(file, c.ctx, { path: join(c.root, 'd'), state: 'directory' });
      await runModule(stat, c.ctx, { path: p });
    }
    c.cleanup();
    // the stat module's one `stat -c` (inode, times, mime type...): one per stat task
    expect(execs).toBe(2);
  });
});
