import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandHostRange, Inventory, InventoryError, splitPatterns } from '../../src/inventory/index.js';
import { fnmatchRegExp } from '../../src/inventory/patterns.js';
import { pyLiteral } from '../../src/inventory/pyliteral.js';
import { shlexSplit } from '../../src/inventory/shlex.js';

const FIX = resolve(import.meta.dirname, '../fixtures/inventory');
const tmp = mkdtempSync(join(tmpdir(), 'inv-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const p = join(tmp, rel);
  mkdirSync(resolve(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

async function loadError(rel: string, text: string): Promise<string> {
  const p = write(rel, text);
  const err = await Inventory.load([p]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InventoryError);
  return (err as InventoryError).lines.join('\n');
}

describe('INI values (Python literal_eval, as Ansible)', () => {
  it.each([
    ['42', 42],
    ['-3', -3],
    ['0x1F', 31],
    ['1_000', 1000],
    ['1.5e3', 1500],
    ['True', true],
    ['None', null],
    ["'42'", '42'],
    ['"a" \'b\'', 'ab'],
    ["[1, 'a', (2, 3)]", [1, 'a', [2, 3]]],
    ["{'k': [1], 2: 'x'}", { k: [1], '2': 'x' }],
    ['"x y" # comment', 'x y'],
    ['010', '010'],
    ['word', 'word'],
    ["it's", "it's"],
    ['', ''],
    ['yes', 'yes'],
    ['"tab\\tnew"', 'tab\tnew'],
  ])('%s', (raw, want) => {
    expect(pyLiteral(raw)).toEqual(want);
  });
});

describe('host line tokens (shlex)', () => {
  it('splits on blanks, strips quotes, drops comments, keeps offsets', () => {
    expect(shlexSplit(`h1 a="x y" b='c d'#tail`)).toEqual([
      { value: 'h1', start: 0 },
      { value: 'a=x y', start: 3 },
      { value: 'b=c d', start: 11 },
    ]);
  });
  it('rejects an unclosed quote', () => {
    expect(() => shlexSplit('h a="open')).toThrow(/No closing quotation/);
  });
});

describe('host ranges', () => {
  it('expands numeric with padding, letters and strides', () => {
    expect(expandHostRange('web[01:03].x')).toEqual(['web01.x', 'web02.x', 'web03.x']);
    expect(expandHostRange('db-[a:c]')).toEqual(['db-a', 'db-b', 'db-c']);
    expect(expandHostRange('n[1:10:3]')).toEqual(['n1', 'n4', 'n7', 'n10']);
    expect(expandHostRange('r[1:2]c[a:b]')).toEqual(['r1ca', 'r1cb', 'r2ca', 'r2cb']);
  });
  it('rejects unequal widths and reversed letters', () => {
    expect(() => expandHostRange('w[01:100]')).toThrow(/equal-length/);
    expect(() => expandHostRange('w[c:a]')).toThrow(/begin <= end/);
  });
});

describe('INI inventory', () => {
  it('parses sections, inline typed vars, :vars, ports, ranges and group_vars', async () => {
    const inv = await Inventory.load(['ini/hosts'], { cwd: FIX });
    const solo2 = inv.hostVars('solo2');
    expect(solo2).toMatchObject({ ansible_port: 2022, note: 'hello world', quoted: '42', num: 42, flag: true, lst: [1, 'a'] });
    expect(solo2).toMatchObject({ d: { k: 'v' }, neg: -3, f: 1500, hex: 31, bare: 'word', global: 'overridden', from_all_noext: 1 });
    expect(inv.hostVars('app3.internal')).toMatchObject({ user: 'deploy', http_port: 9000, debug: false, msg: 'hello world # trailing', path: '/opt/app' });
    expect(inv.hostVars('redis02')).toMatchObject({ ansible_port: 6380 });
    expect(inv.hostVars('proxy1')).toMatchObject({ a: 1, b: 2, ansible_user: 'ops' });
    expect(inv.select('app').hosts).toEqual([
      'app1.internal', 'app3.internal', 'app5.internal', 'app7.internal', 'app9.internal', 'app-a', 'app-b', 'app-c', '10.0.0.1', '10.0.0.2', '10.0.0.3',
    ]);
    expect(inv.host('solo1')?.groups).toEqual(['ungrouped']);
    expect(inv.host('app1.internal')?.groups).toEqual(['app', 'frontend', 'proxy']);
  });

  it('reports an unknown section type at file:line:column with the line', async () => {
    const msg = await loadError('bad1.ini', 'h1\n[web:child]\nh2\n');
    expect(msg).toMatch(/bad1\.ini:2:6: section \[web:child\] has unknown type/);
    expect(msg).toContain('    2 | [web:child]');
  });
  it('reports a host variable without "=" at its column', async () => {
    expect(await loadError('bad2.ini', '[g]\n  h1 a=1 oops\n')).toMatch(/bad2\.ini:2:10: expected key=value host variable assignment, got: oops/);
  });
  it('reports an undefined child group and an unclosed quote', async () => {
    expect(await loadError('bad3.ini', '[p:children]\nmissing\n')).toMatch(/bad3\.ini:2:1: section \[p:children\] includes undefined group: missing/);
    expect(await loadError('bad4.ini', '[g]\nh1 a="x\n')).toMatch(/bad4\.ini:2:6: error parsing host definition/);
  });
  it('rejects spaces in section names', async () => {
    expect(await loadError('bad5.ini', '[my group]\nh\n')).toMatch(/bad5\.ini:1:1: invalid section entry/);
  });
});

describe('YAML inventory', () => {
  it('handles nested children, null hosts, YAML 1.1 scalars and ports', async () => {
    const inv = await Inventory.load(['yaml/hosts.yml'], { cwd: FIX });
    expect(inv.hostVars('web03.example.com')).toMatchObject({ enabled: true, mode: 493, ratio: 1.5, http_port: 8080, region: 'eu-west' });
    expect(inv.hostVars('mon1')).toMatchObject({ enabled: false, empty: null, list: [1, 'two', 3.5], tier: 'mon' });
    expect(inv.hostVars('web05.example.com')).toMatchObject({ ansible_port: 2222, tier: 'special' });
    expect(inv.host('lonely')?.groups).toEqual(['ungrouped']);
    expect(inv.groups().get('db')).toEqual(['db-a', 'db-b', 'db-c']);
  });
  it('reports syntax errors at file:line:column', async () => {
    expect(await loadError('bad.yml', 'all:\n  hosts:\n    a: [1,\n  b: 2\n')).toMatch(/bad\.yml:\d+:\d+: YAML syntax error/);
  });
  it('reports a hosts list instead of a mapping at its position', async () => {
    expect(await loadError('bad2.yml', 'web:\n  hosts:\n    - h1\n    - h2\n')).toMatch(/bad2\.yml:3:\d+: invalid "hosts" entry for "web" group/);
  });
  it('reports several bad sources together', async () => {
    const a = write('multi-bad/a.ini', '[x:bad]\n');
    const b = write('multi-bad/b.yml', 'x: [\n');
    const err = await Inventory.load([a, b, join(tmp, 'nope')]).catch((e: unknown) => e);
    expect((err as InventoryError).problems).toHaveLength(3);
    expect((err as InventoryError).lines[2]).toMatch(/nope: inventory source not found/);
  });
  it('reports a vars file that is not a mapping', async () => {
    write('gv/inv.yml', 'g:\n  hosts:\n    h1:\n');
    write('gv/group_vars/g.yml', '- a\n- b\n');
    const err = await Inventory.load([join(tmp, 'gv/inv.yml')]).catch((e: unknown) => e);
    expect((err as InventoryError).lines[0]).toMatch(/group_vars\/g\.yml:1:1: vars file must contain a mapping/);
  });
});

describe('variable precedence', () => {
  it('orders groups by depth, then ansible_group_priority, then name; files beat inventory vars', async () => {
    const inv = await Inventory.load(['nested/hosts.yml'], { cwd: FIX });
    const muc1 = inv.hostVars('muc1');
    expect(muc1['level']).toBe('bavaria');
    expect(muc1['a']).toBe('germany');
    expect(muc1['p']).toBe('high');
    const yaml = await Inventory.load(['yaml/hosts.yml'], { cwd: FIX });
    expect(yaml.hostVars('web01.example.com')['tier']).toBe('from-dc1-file');
    expect(yaml.hostVars('web02.example.com')['tier']).toBe('host-file');
    expect(yaml.hostVars('db-a')).toMatchObject({ tier: 'json', json_var: true, x: 1, y: 2, z: ['a', 'b'] });
    expect(yaml.hostVars('db-a')).not.toHaveProperty('ignored');
  });
  it('lets a later source and playbook-adjacent vars override', async () => {
    const inv = await Inventory.load(['yaml/hosts.yml', 'multi/extra.ini'], { cwd: FIX });
    expect(inv.hostVars('web02.example.com')).toMatchObject({ http_port: 7070, from_multi: true });
    write('play/group_vars/web.yml', 'http_port: 1\n');
    write('play/host_vars/web02.example.com.yml', 'tier: play\n');
    await inv.addVarsDir(join(tmp, 'play'));
    expect(inv.hostVars('web02.example.com')).toMatchObject({ http_port: 1, tier: 'play' });
  });
});

describe('directory sources', () => {
  it('loads every inventory file but skips what Ansible skips', async () => {
    const inv = await Inventory.load(['dir'], { cwd: FIX });
    expect(inv.select('all').hosts).toEqual(['e1', 'e2', 'e3', 'c1', 'c2']);
    expect(inv.hostVars('e3')['role']).toBe('edge-file');
    expect(inv.select('ignored1').warnings).toEqual(['Could not match supplied host pattern, ignoring: ignored1']);
  });
});

describe('host patterns', () => {
  it('splits on commas and colons but keeps ranges and IPv6 whole', () => {
    expect(splitPatterns('a:&b:!c')).toEqual(['a', '&b', '!c']);
    expect(splitPatterns('a, b[1:2] ,c')).toEqual(['a', 'b[1:2]', 'c']);
    expect(splitPatterns('web[1:3]')).toEqual(['web[1:3]']);
    expect(splitPatterns('fe80::1')).toEqual(['fe80::1']);
  });
  it('translates globs like fnmatch', () => {
    expect(fnmatchRegExp('web*.x').test('web01.x')).toBe(true);
    expect(fnmatchRegExp('db-[!a]').test('db-a')).toBe(false);
    expect(fnmatchRegExp('db-[!a]').test('db-b')).toBe(true);
    expect(fnmatchRegExp('a.b').test('axb')).toBe(false);
  });
  it('applies union, intersection, exclusion, subscripts and limits in Ansible order', async () => {
    const inv = await Inventory.load(['yaml/hosts.yml'], { cwd: FIX });
    expect(inv.select('!web:&dc1').hosts).toEqual(['db-a', 'db-b', 'db-c']);
    expect(inv.select('web[-1]:db[0]').hosts).toEqual(['web05.example.com', 'db-a']);
    expect(inv.select('~^db-[bc]').hosts).toEqual(['db-b', 'db-c']);
    expect(inv.select(['monitoring', 'db-c']).hosts).toEqual(['web01.example.com', 'mon1', 'db-c']);
    expect(inv.select('all', 'web*:!web0[2-5]*').hosts).toEqual(['web01.example.com']);
    const retry = write('last.retry', 'db-b\nmon1\n');
    expect(inv.select('all', `@${retry}`).hosts).toEqual(['mon1', 'db-b']);
    expect(() => inv.select('db[7]')).toThrow(/no hosts matched the subscripted pattern 'db\[7\]'/);
    expect(inv.select('nope:web[0]').warnings).toEqual(['Could not match supplied host pattern, ignoring: nope']);
  });
  it('has an implicit localhost matched by name only', async () => {
    const inv = Inventory.empty();
    expect(inv.select('all').hosts).toEqual([]);
    expect(inv.select('localhost').hosts).toEqual(['localhost']);
    expect(inv.hostVars('localhost')).toEqual({ ansible_connection: 'local' });
    expect(inv.graph()).toBe('@all:\n  |--@ungrouped:');
  });
});

describe('scale', () => {
  it('loads and selects thousands of hosts (timings printed, not asserted)', async () => {
    const lines = ['[web]', 'web[0001:3000].example.com', '[db]', 'db[001:500]', '[all:vars]', 'x=1'];
    for (let g = 0; g < 50; g++) lines.push(`[rack${g}]`, `web[${String(g * 60 + 1).padStart(4, '0')}:${String(g * 60 + 60).padStart(4, '0')}].example.com`);
    const p = write('big.ini', lines.join('\n'));
    const t0 = performance.now();
    const inv = await Inventory.load([p]);
    const t1 = performance.now();
    const sel = inv.select('web*:db:&rack*:!rack3:!~web00[0-4].*');
    const t2 = performance.now();
    for (const h of sel.hosts) inv.hostVars(h);
    const t3 = performance.now();
    console.log(`3500 hosts: load ${(t1 - t0).toFixed(1)} ms, select ${(t2 - t1).toFixed(1)} ms, hostVars ${(t3 - t2).toFixed(1)} ms`);
    expect(sel.hosts).toHaveLength(3000 - 60 - 49);
    expect(sel.hosts[0]).toBe('web0050.example.com');
  });
});
