/** Lookups with the values ansible-core 2.14 gives (checked with ansible-playbook; the differential cases hold more). */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { templateValue } from '../../src/template/index.js';
import { pyPercent } from '../../src/template/pyformat.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lookups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const T = (s: string, vars: Record<string, unknown> = {}): unknown => templateValue(s, { playbook_dir: dir, ...vars });

describe('lookups', () => {
  it('join strings for lookup, keep lists for query', () => {
    expect(T("{{ lookup('items', 'a', 'b') }}")).toBe('a,b');
    expect(T("{{ lookup('items', [1, [2, 3]]) }}")).toEqual([1, [2, 3]]);
    expect(T("{{ lookup('dict', {'k': 1}) }}")).toEqual({ key: 'k', value: 1 });
    expect(T("{{ q('items', 'x') }}")).toEqual(['x']);
    expect(T("{{ lookup('pipe', 'echo z', wantlist=True) }}")).toEqual(['z']);
  });
  it('sequence, subelements, together, nested', () => {
    expect(T("{{ query('sequence', '4-8/2:x%02d', 'count=3 start=0x10 format=%04x') }}")).toEqual(['x04', 'x06', 'x08', '0010', '0011', '0012']);
    expect(() => T("{{ query('sequence', 'start=5 end=1') }}")).toThrow(/to count backwards make stride negative/);
    const users = [{ name: 'a', k: [1, 2] }, { name: 'b' }];
    expect(T("{{ query('subelements', users, 'k', {'skip_missing': True}) }}", { users })).toEqual([[{ name: 'a' }, 1], [{ name: 'a' }, 2]]);
    expect(T("{{ query('together', [1, 2], ['a']) }}")).toEqual([[1, 'a'], [2, null]]);
    expect(T("{{ query('nested', [1, 2], ['a']) }}")).toEqual([[1, 'a'], [2, 'a']]);
  });
  it('errors=ignore gives None (an empty list for query); an unknown lookup names the known ones', () => {
    expect(T("{{ lookup('file', 'nope', errors='ignore') }}")).toBeNull();
    expect(T("{{ query('file', 'nope', errors='ignore') }}")).toEqual([]);
    expect(() => T("{{ lookup('file', 'nope') }}")).toThrow(/lookup plugin 'file'.*could not locate file in lookup: nope/);
  });
  it('file and template find files in files/ and templates/ of the playbook dir', () => {
    mkdirSync(path.join(dir, 'files'));
    mkdirSync(path.join(dir, 'templates'));
    writeFileSync(path.join(dir, 'files', 'f.txt'), 'hello\n');
    writeFileSync(path.join(dir, 'templates', 't.j2'), '{{ who }}!\n');
    expect(T("{{ lookup('file', 'f.txt') }}")).toBe('hello');
    expect(T("{{ lookup('template', 't.j2') }}", { who: 'w' })).toBe('w!\n');
  });
  it('password: made once in a file (0600), the same value afterwards; seeded like Python', () => {
    expect(T("{{ lookup('password', '/dev/null seed=abc length=8') }}")).toBe('6TTuIhBj');
    const first = T("{{ lookup('password', 'creds/p length=12') }}") as string;
    expect(first).toMatch(/^[A-Za-z0-9.,:_-]{12}$/);
    expect(T("{{ lookup('password', 'creds/p') }}")).toBe(first);
    expect(readFileSync(path.join(dir, 'creds', 'p'), 'utf8')).toBe(`${first}\n`);
    expect(statSync(path.join(dir, 'creds', 'p')).mode & 0o777).toBe(0o600);
    expect(() => T("{{ lookup('password', '/dev/null lenght=3') }}")).toThrow(/Unrecognized parameter\(s\) given to password lookup: lenght/);
  });
  it("Python's % formatting of one number", () => {
    expect([pyPercent('%d', 5), pyPercent('%02x', 10), pyPercent('x%04X', 255), pyPercent('%-3d|', 1), pyPercent('%+d', 3), pyPercent('%o', 8)]).toEqual(['5', '0a', 'x00FF', '1  |', '+3', '10']);
  });
});
