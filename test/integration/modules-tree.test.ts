/** ini_file, find, file recurse/follow, copy of directories (local and remote_src), over the local connection. */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copy } from '../../src/modules/copy.js';
import { file } from '../../src/modules/file.js';
import { findModule } from '../../src/modules/find.js';
import { editIni, ini_file } from '../../src/modules/ini_file.js';
import { runModule } from '../../src/modules/run.js';
import type { TestContext } from '../helpers/module-context.js';
import { makeContext } from '../helpers/module-context.js';

let t: TestContext;
let root: string;
beforeEach(async () => {
  t = await makeContext();
  root = t.root;
});
afterEach(() => t.cleanup());

const mode = (p: string): number => statSync(p).mode & 0o7777;
const names = (r: { data: Record<string, unknown> }): string[] => (r.data['files'] as { path: string }[]).map((f) => f.path.slice(root.length + 1)).sort();

describe('ini_file', () => {
  const base = { section: null, option: 'k', value: 'v', values: undefined, state: 'present', exclusive: true, no_extra_spaces: false, allow_no_value: false, create: true, backup: false };
  it.each([
    // [file, args, expected text, msg] — as community.general.ini_file 6.x edits them
    ['[s]\n#k = old\n', { section: 's' }, '[s]\nk = v\n', 'option changed'],
    ['[s]\nk=1\nk=2\n', { section: 's', values: ['2', '3'], value: undefined }, '[s]\nk = 3\nk = 2\n', 'option changed'],
    ['[s]\na = 1\n\n[t]\n', { section: 's', no_extra_spaces: true }, '[s]\na = 1\nk=v\n\n[t]\n', 'option added'],
    ['[s]\nk = v', { section: 's' }, '[s]\nk = v\n', 'OK'],
    ['x = 1\n', { section: 'new' }, 'x = 1\n[new]\nk = v\n', 'section and option added'],
    ['[s]\nk = 1\nk = 2\n', { section: 's', state: 'absent', value: '2', exclusive: false }, '[s]\nk = 1\n', 'option changed'],
    ['[a]\nx = 1\n[b]\ny = 2\n', { section: 'a', option: undefined, state: 'absent' }, '[b]\ny = 2\n', 'section removed'],
  ])('%j with %j', (text, args, out, msg) => {
    const r = editIni(text, { ...base, ...args } as never);
    expect(r.text).toBe(out);
    expect(r.msg).toBe(msg);
  });

  it('creates the file with its directory, then is ok; check and diff mode change nothing', async () => {
    const path = join(root, 'sub/app.ini');
    const args = { path, section: 'main', option: 'port', value: '8080', mode: '0600' };
    const dry = await runModule(ini_file, t.with({ checkMode: true, diffMode: true }), args);
    expect(dry).toMatchObject({ changed: true, data: { msg: 'section and option added' } });
    expect(dry.diff?.[0]?.after).toBe('\n[main]\nport = 8080\n');
    expect(existsSync(path)).toBe(false);
    expect((await runModule(ini_file, t.ctx, args)).changed).toBe(true);
    expect(mode(path)).toBe(0o600);
    const again = await runModule(ini_file, t.ctx, args);
    expect(again).toMatchObject({ changed: false, reason: '[main] port: already as wanted' });
    const nocreate = await runModule(ini_file, t.ctx, { ...args, path: join(root, 'no.ini'), create: false });
    expect(nocreate.msg).toContain('does not exist');
  });
});

describe('find', () => {
  beforeEach(() => {
    mkdirSync(join(root, 'a/b'), { recursive: true });
    mkdirSync(join(root, '.h'));
    writeFileSync(join(root, 'a/x.conf'), 'foo\nbar\n');
    writeFileSync(join(root, 'a/b/y.log'), '123456789');
    writeFileSync(join(root, '.h/z.conf'), '');
    writeFileSync(join(root, 'top.conf'), 'bar\n');
    utimesSync(join(root, 'a/b/y.log'), new Date(Date.now() - 3 * 86400_000), new Date(Date.now() - 3 * 86400_000));
    symlinkSync('top.conf', join(root, 'l.conf'));
  });

  it('filters by glob, regex, contains, age, size, type and depth, with stat fields and examined counts', async () => {
    const run = (args: Record<string, unknown>) => runModule(findModule, t.ctx, { paths: root, ...args });
    expect(names(await run({}))).toEqual(['top.conf']);
    expect(names(await run({ recurse: true, patterns: '*.conf' }))).toEqual(['.h/z.conf', 'a/x.conf', 'top.conf']);
    expect(names(await run({ recurse: true, patterns: '*.conf', excludes: 'x*', hidden: true }))).toEqual(['.h/z.conf', 'top.conf']);
    expect(names(await run({ recurse: true, use_regex: true, patterns: ['^[xy]\\.'] }))).toEqual(['a/b/y.log', 'a/x.conf']);
    expect(names(await run({ recurse: true, contains: 'bar' }))).toEqual(['a/x.conf', 'top.conf']);
    expect(names(await run({ recurse: true, age: '2d' }))).toEqual(['a/b/y.log']);
    expect(names(await run({ recurse: true, size: '5' }))).toEqual(['a/b/y.log', 'a/x.conf']);
    expect(names(await run({ file_type: 'link' }))).toEqual(['l.conf']);
    const depth = await run({ recurse: true, depth: 1, file_type: 'any' });
    expect(names(depth)).toEqual(['a', 'l.conf', 'top.conf']);
    expect(depth.data).toMatchObject({ matched: 3, examined: 7, msg: 'All paths examined', changed: false });
    const one = await run({ patterns: 'top.conf', get_checksum: true });
    expect((one.data['files'] as Record<string, unknown>[])[0]).toMatchObject({ isreg: true, size: 4, mode: '0644', checksum: 'e242ed3bffccdf271b7fbaf34ed72d089537b42f', rusr: true, xusr: false });
    const missing = await runModule(findModule, t.ctx, { paths: [join(root, 'nope'), join(root, 'top.conf')] });
    expect(missing.data['msg']).toBe('Not all paths examined, check warnings for details');
    expect(Object.keys(missing.data['skipped_paths'] as object)).toHaveLength(2);
  });
});

describe('file recurse and follow', () => {
  it('applies a symbolic mode to a tree (X for directories), then is ok; follows a link to its target', async () => {
    mkdirSync(join(root, 't/d'), { recursive: true });
    writeFileSync(join(root, 't/f'), 'x');
    writeFileSync(join(root, 't/d/g'), 'y');
    chmodSync(join(root, 't/d/g'), 0o600);
    const args = { path: join(root, 't'), state: 'directory', recurse: true, mode: 'u=rwX,g=rX,o=' };
    const dry = await runModule(file, t.with({ checkMode: true, diffMode: true }), args);
    expect(dry.changed).toBe(true);
    expect(mode(join(root, 't/f'))).toBe(0o644);
    expect((await runModule(file, t.ctx, args)).changed).toBe(true);
    expect([mode(join(root, 't')), mode(join(root, 't/d')), mode(join(root, 't/f')), mode(join(root, 't/d/g'))]).toEqual([0o750, 0o750, 0o640, 0o640]);
    expect(await runModule(file, t.ctx, args)).toMatchObject({ changed: false, reason: expect.stringContaining('the 3 entries under it too') });
    symlinkSync('t', join(root, 'tl'));
    const followed = await runModule(file, t.ctx, { path: join(root, 'tl'), state: 'directory', mode: '0700' });
    expect(followed.data['path']).toBe(join(root, 't'));
    expect(mode(join(root, 't'))).toBe(0o700);
    const bad = await runModule(file, t.ctx, { path: join(root, 't'), state: 'file', recurse: true });
    expect(bad.msg).toContain("recurse option requires state to be 'directory'");
  });
});

describe('copy of directories', () => {
  beforeEach(() => {
    mkdirSync(join(root, 'src/files/conf.d/sub'), { recursive: true });
    writeFileSync(join(root, 'src/files/conf.d/a.conf'), 'a\n');
    writeFileSync(join(root, 'src/files/conf.d/sub/b.conf'), 'b\n');
  });

  it('src/ copies the contents, src the directory itself; directory_mode; then ok', async () => {
    const dest = join(root, 'etc/app');
    const args = { src: 'conf.d/', dest, mode: '0640', directory_mode: '0750' };
    const r = await runModule(copy, t.ctx, args);
    expect(r).toMatchObject({ changed: true, data: { dest: `${dest}/` } });
    expect(readFileSync(join(dest, 'sub/b.conf'), 'utf8')).toBe('b\n');
    expect([mode(dest), mode(join(dest, 'sub')), mode(join(dest, 'a.conf'))]).toEqual([0o750, 0o750, 0o640]);
    expect(await runModule(copy, t.ctx, args)).toMatchObject({ changed: false });
    await runModule(copy, t.ctx, { src: 'conf.d', dest: join(root, 'opt/') });
    expect(readFileSync(join(root, 'opt/conf.d/a.conf'), 'utf8')).toBe('a\n');
  });

  it('remote_src: copies missing and different files with their modes, keeps others, then ok', async () => {
    const src = join(root, 'src/files/conf.d');
    chmodSync(join(src, 'sub/b.conf'), 0o600);
    mkdirSync(join(root, 'srv/conf.d'), { recursive: true });
    writeFileSync(join(root, 'srv/conf.d/a.conf'), 'old\n');
    writeFileSync(join(root, 'srv/conf.d/mine'), 'kept\n');
    const args = { src, dest: join(root, 'srv'), remote_src: true };
    const dry = await runModule(copy, t.with({ checkMode: true }), args);
    expect(dry.changed).toBe(true);
    expect(readFileSync(join(root, 'srv/conf.d/a.conf'), 'utf8')).toBe('old\n');
    expect((await runModule(copy, t.ctx, args)).changed).toBe(true);
    expect(readFileSync(join(root, 'srv/conf.d/a.conf'), 'utf8')).toBe('a\n');
    expect(mode(join(root, 'srv/conf.d/sub/b.conf'))).toBe(0o600);
    expect(readFileSync(join(root, 'srv/conf.d/mine'), 'utf8')).toBe('kept\n');
    expect((await runModule(copy, t.ctx, args)).changed).toBe(false);
    const missing = await runModule(copy, t.ctx, { src, dest: join(root, 'nope/x'), remote_src: true });
    expect(missing.msg).toContain('Destination directory');
  });
});
