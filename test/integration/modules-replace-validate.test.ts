import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blockinfile } from '../../src/modules/blockinfile.js';
import { copy } from '../../src/modules/copy.js';
import { pyRegExp, pySubn } from '../../src/modules/lib/pyre.js';
import { lineinfile } from '../../src/modules/lineinfile.js';
import { replace } from '../../src/modules/replace.js';
import { runModule } from '../../src/modules/run.js';
import { template } from '../../src/modules/template.js';
import type { TestContext } from '../helpers/module-context.js';
import { makeContext } from '../helpers/module-context.js';

let t: TestContext;
let root: string;
beforeEach(async () => {
  t = await makeContext();
  root = t.root;
});
afterEach(() => t.cleanup());

describe('Python re in JavaScript', () => {
  // expected values printed by CPython 3 re.subn with the same arguments
  const cases: [string, string, string, boolean, string, number][] = [
    ['x*', '-', 'abxd', false, '-a-b--d-', 5],
    ['^', '#', 'a\nb\n', true, '#a\n#b\n#', 3],
    ['$', ';', 'a\nb\n', true, 'a;\nb;\n;', 3],
    ['(?P<w>\\w+)=(\\d)', '\\g<w>: \\2', 'a=1\nbb=2', true, 'a: 1\nbb: 2', 2],
    ['^(\\w+)$', '[\\1]\\n', 'ab\ncd', true, '[ab]\n\n[cd]\n', 2],
    ['a.c', 'X', 'a\nc abc', false, 'a\nc X', 1],
    ['\\Aa|c\\Z', '_', 'abc\nabc', false, '_bc\nab_', 2],
    ['(?i)HELLO', 'bye', 'hello Hello', false, 'bye bye', 2],
    ['(?P<x>a)|b', '<\\1>', 'ab', false, '<a><>', 2],
  ];
  it.each(cases)('re.subn(%j, %j, %j)', (p, r, text, ml, out, n) => {
    expect(pySubn(pyRegExp(p, { multiline: ml }, true), r, text)).toEqual({ text: out, count: n });
  });
});

describe('replace', () => {
  it('replaces with backrefs, reports the count, then is ok; check and diff mode', async () => {
    const path = join(root, 'sshd_config');
    writeFileSync(path, '#PermitRootLogin yes\nPort 22\n#PasswordAuthentication yes\n');
    const args = { path, regexp: '^#?(PermitRootLogin|PasswordAuthentication) .*$', replace: '\\1 no' };
    const dry = await runModule(replace, t.with({ checkMode: true, diffMode: true }), args);
    expect(dry).toMatchObject({ changed: true, data: { msg: '2 replacements made' } });
    expect(dry.diff?.[0]).toEqual({ path, before: '#PermitRootLogin yes\nPort 22\n#PasswordAuthentication yes\n', after: 'PermitRootLogin no\nPort 22\nPasswordAuthentication no\n' });
    expect(readFileSync(path, 'utf8')).toContain('#PermitRootLogin yes');
    const r = await runModule(replace, t.ctx, args);
    expect(r).toMatchObject({ changed: true, data: { rc: 0, msg: '2 replacements made' } });
    expect(readFileSync(path, 'utf8')).toBe('PermitRootLogin no\nPort 22\nPasswordAuthentication no\n');
    const again = await runModule(replace, t.ctx, args);
    expect(again).toMatchObject({ changed: false, reason: 'no match of "^#?(PermitRootLogin|PasswordAuthentication) .*$" to replace' });
  });

  it('limits the edit to the text between after and before; says when they do not match', async () => {
    const path = join(root, 'f');
    writeFileSync(path, 'x=1\n[s]\nx=1\n[t]\nx=1\n');
    const r = await runModule(replace, t.ctx, { path, regexp: 'x=1', replace: 'x=2', after: '\\[s\\]', before: '\\[t\\]' });
    expect(r.data['msg']).toBe('1 replacements made');
    expect(readFileSync(path, 'utf8')).toBe('x=1\n[s]\nx=2\n[t]\nx=1\n');
    const none = await runModule(replace, t.ctx, { path, regexp: 'x', after: 'nothere' });
    expect(none).toMatchObject({ changed: false, reason: 'Pattern for before/after params did not match the given file: nothere(?P<subsection>.*)' });
  });

  it('edits the file a symlink points to, keeps a backup, fails on a missing file', async () => {
    writeFileSync(join(root, 'real'), 'a\n');
    symlinkSync('real', join(root, 'link'));
    const r = await runModule(replace, t.ctx, { path: join(root, 'link'), regexp: 'a', replace: 'b', backup: true });
    expect(readFileSync(join(root, 'real'), 'utf8')).toBe('b\n');
    expect(readFileSync(String(r.data['backup_file']), 'utf8')).toBe('a\n');
    const missing = await runModule(replace, t.ctx, { path: join(root, 'nope'), regexp: 'a' });
    expect(missing).toMatchObject({ failed: true, data: { rc: 257 } });
    expect(missing.msg).toContain('does not exist');
  });

  it('refuses a bad replacement template and an unknown encoding before running', async () => {
    // as AnsibleModule: the first problem found fails the task
    const r = await runModule(replace, t.ctx, { path: join(root, 'f'), regexp: 'a', replace: '\\q', encoding: 'klingon' });
    expect(r.failed).toBe(true);
    expect(r.msg).toContain('unsupported encoding');
    const q = await runModule(replace, t.ctx, { path: join(root, 'f'), regexp: 'a', replace: '\\q' });
    expect(q.failed).toBe(true);
    expect(q.msg).toContain('bad escape \\q');
  });
});

describe('validate', () => {
  const tempsLeft = (): string[] => readdirSync(root).filter((f) => f.includes('orchestrate-'));

  it('copy: the command runs on the temp file; a failure leaves dest untouched and names the command and its output', async () => {
    const dest = join(root, 'sudoers');
    writeFileSync(dest, 'old\n');
    const bad = await runModule(copy, t.ctx, { content: 'broken\n', dest, validate: 'sh -c "grep -q ^ok %s || { echo syntax error in %s >&2; exit 3; }"' });
    expect(bad.failed).toBe(true);
    expect(bad.msg).toMatch(/failed to validate: `sh -c .*` exited with 3: syntax error in .*\.sudoers\.orchestrate-/);
    expect(bad.data).toMatchObject({ exit_status: 3 });
    expect(readFileSync(dest, 'utf8')).toBe('old\n');
    expect(tempsLeft()).toEqual([]);
    const good = await runModule(copy, t.ctx, { content: 'ok\n', dest, mode: '0440', backup: true, validate: 'grep -q ^ok %s' });
    expect(good.changed).toBe(true);
    expect(readFileSync(dest, 'utf8')).toBe('ok\n');
    expect(statSync(dest).mode & 0o777).toBe(0o440);
    expect(readFileSync(String(good.data['backup_file']), 'utf8')).toBe('old\n');
    expect(tempsLeft()).toEqual([]);
  });

  it('lineinfile, blockinfile and replace validate too; validate without %s is refused', async () => {
    const path = join(root, 'conf');
    writeFileSync(path, 'a=1\n');
    const li = await runModule(lineinfile, t.ctx, { path, line: 'b=2', validate: 'false %s' });
    expect(li.failed).toBe(true);
    const bi = await runModule(blockinfile, t.ctx, { path, block: 'c=3', validate: 'grep -q c=3 %s' });
    expect(bi.changed).toBe(true);
    const rp = await runModule(replace, t.ctx, { path, regexp: 'a=1', replace: 'a=9', validate: 'grep -q a=1 %s' });
    expect(rp.failed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('a=1\n# BEGIN ANSIBLE MANAGED BLOCK\nc=3\n# END ANSIBLE MANAGED BLOCK\n');
    const noS = await runModule(copy, t.ctx, { content: 'x', dest: join(root, 'x'), validate: 'true' });
    expect(noS.msg).toContain('validate must contain %s');
    expect(existsSync(join(root, 'x'))).toBe(false);
    expect(tempsLeft()).toEqual([]);
  });

  it('template: validate and backup, the backup holding the previous file', async () => {
    mkdirSync(join(root, 'src/templates'), { recursive: true });
    writeFileSync(join(root, 'src/templates/app.j2'), 'port={{ port }}\n');
    const dest = join(root, 'app.conf');
    writeFileSync(dest, 'port=1\n');
    const bad = await runModule(template, t.with({ vars: { port: 'x' } }), { src: 'app.j2', dest, validate: 'grep -Eq ^port=[0-9]+$ %s' });
    expect(bad.failed).toBe(true);
    expect(readFileSync(dest, 'utf8')).toBe('port=1\n');
    const good = await runModule(template, t.with({ vars: { port: 8080 } }), { src: 'app.j2', dest, backup: true, validate: 'grep -Eq ^port=[0-9]+$ %s' });
    expect(good.changed).toBe(true);
    expect(readFileSync(dest, 'utf8')).toBe('port=8080\n');
    expect(readFileSync(String(good.data['backup_file']), 'utf8')).toBe('port=1\n');
    expect(tempsLeft()).toEqual([]);
  });
});
