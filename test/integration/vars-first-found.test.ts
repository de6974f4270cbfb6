import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstFound, firstFoundCandidates, subdirFor } from '../../src/vars/first-found.js';
import { includeVars, mergeHashes } from '../../src/vars/include.js';
import { strftime } from '../../src/vars/managed.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-vars-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe('first_found', () => {
  it('builds candidates as ansible-core: names split on ,; paths on ,:; a string term takes the keyword files', () => {
    expect(firstFoundCandidates(['a.yml', 'b.yml'], {}).candidates).toEqual(['a.yml', 'b.yml']);
    expect(firstFoundCandidates([{ files: 'a.yml,b.yml', paths: 'p1:p2' }], {}).candidates).toEqual(['p1/a.yml', 'p1/b.yml', 'p2/a.yml', 'p2/b.yml']);
    expect(firstFoundCandidates(['ignored'], { files: ['x.yml'] }).candidates).toEqual(['x.yml']);
    expect(firstFoundCandidates([['a', ['b']]], {}).candidates).toEqual(['a', 'b']);
    expect(firstFoundCandidates([{ files: ['a'], skip: true }], {}).skip).toBe(true);
    expect(() => firstFoundCandidates([3], {})).toThrow(/invalid term/);
  });

  it('searches the role before the playbook dir, SUBDIR before the dir itself', () => {
    const d = tree({ 'pb/vars/os.yml': '', 'pb/os.yml': '', 'pb/roles/r/vars/os.yml': '', 'pb/files/f.txt': '' });
    const base = { playbookDir: path.join(d, 'pb'), rolePath: path.join(d, 'pb/roles/r') };
    expect(firstFound(['missing.yml', 'os.yml'], {}, 'vars', base)).toEqual([path.join(d, 'pb/roles/r/vars/os.yml')]);
    expect(firstFound(['os.yml'], {}, 'vars', { playbookDir: base.playbookDir })).toEqual([path.join(d, 'pb/vars/os.yml')]);
    expect(firstFound(['os.yml'], {}, 'files', { playbookDir: base.playbookDir })).toEqual([path.join(d, 'pb/os.yml')]);
    expect(firstFound([{ files: ['nope'], skip: true }], {}, 'files', base)).toEqual([]);
    expect(() => firstFound(['nope'], {}, 'files', base)).toThrow('No file was found when using first_found.');
    expect([subdirFor('include_vars'), subdirFor('template'), subdirFor('copy'), subdirFor('file')]).toEqual(['vars', 'templates', 'files', 'files']);
  });
});

describe('include_vars', () => {
  const d = tree({ 'vars/a.yml': 'x: 1\n', 'vars/list.yml': '- 1\n', 'vars/d/1.yml': 'y: 1\nz: 1\n', 'vars/d/2.json': '{"z": 2}', 'vars/d/.hidden.yml': 'h: 1', 'vars/d/x.txt': 'q', 'vars/d/s/3.yml': 'w: 3' });
  const args = { ignore_files: [], extensions: ['json', 'yaml', 'yml'], depth: 0, ignore_unknown_extensions: false };

  it('loads a file by name, nested under name, refusing lists and unknown extensions', async () => {
    expect(await includeVars({ ...args, free_form: 'a.yml' }, { playbookDir: d })).toEqual({ vars: { x: 1 }, files: [path.join(d, 'vars/a.yml')] });
    expect((await includeVars({ ...args, file: 'a.yml', name: 'n' }, { playbookDir: d })).vars).toEqual({ n: { x: 1 } });
    await expect(includeVars({ ...args, file: 'list.yml' }, { playbookDir: d })).rejects.toThrow(/must be stored as a dictionary/);
    await expect(includeVars({ ...args, dir: 'vars/d' }, { playbookDir: d })).rejects.toThrow(/x\.txt does not have a valid extension/);
  });

  it('walks a directory in sorted order to depth, skipping hidden and filtered files', async () => {
    const all = await includeVars({ ...args, dir: 'vars/d', ignore_unknown_extensions: true }, { playbookDir: d });
    expect(all.vars).toEqual({ y: 1, z: 2, w: 3 });
    expect(all.files.map((f) => path.relative(d, f))).toEqual(['vars/d/1.yml', 'vars/d/2.json', 'vars/d/s/3.yml']);
    expect((await includeVars({ ...args, dir: 'vars/d', depth: 1, files_matching: '^\\d', ignore_files: ['json'] }, { playbookDir: d })).vars).toEqual({ y: 1, z: 1 });
  });

  it('merges hashes recursively for hash_behaviour=merge', () => {
    expect(mergeHashes({ a: { b: 1, c: 1 }, l: [1] }, { a: { c: 2 }, l: [2] })).toEqual({ a: { b: 1, c: 2 }, l: [2] });
  });
});

describe('ansible_managed strftime', () => {
  it('formats the codes Python time.strftime has', () => {
    const d = new Date(2024, 0, 5, 7, 8, 9);
    expect(strftime('%Y-%m-%d %H:%M:%S %a %b %y %j %%', d)).toBe('2024-01-05 07:08:09 Fri Jan 24 005 %');
  });
});
