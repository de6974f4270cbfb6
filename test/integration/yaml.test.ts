import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, loadYamlFile, parseYaml, ProblemList, UnsafeString, ValidationError, YamlError } from '../../src/yaml/index.js';

const PLAYBOOK = `# deploy
- name: mtls
  hosts: nomad
  vars:
    base: &base
      a: 1
      b: 2
    merged:
      <<: *base
      c: 3
    alias: *base
  tasks:
    - name: copy ca
      coppy:
        src: ca.pem
    - { name: flow, debug: { msg: hi } }
`;

describe('parseYaml positions', () => {
  const doc = parseYaml(PLAYBOOK, 'playbooks/mtls.yml');
  const plays = doc.value as Record<string, unknown>[];
  const play = plays[0]!;
  const tasks = play['tasks'] as Record<string, unknown>[];
  const vars = play['vars'] as Record<string, Record<string, unknown>>;

  it.each([
    ['sequence start', () => doc.pos(plays), 2, 1],
    ['play mapping', () => doc.pos(play), 2, 3],
    ['key hosts', () => doc.pos(play, 'hosts'), 3, 3],
    ['array index 1', () => doc.pos(tasks, 1), 16, 7],
    ['task mapping', () => doc.pos(tasks[0]!), 13, 7],
    ['module key', () => doc.pos(tasks[0]!, 'coppy'), 14, 7],
    ['nested key', () => doc.pos(tasks[0]!['coppy'] as object, 'src'), 15, 9],
    ['flow mapping key', () => doc.pos(tasks[1]!, 'debug'), 16, 21],
    ['flow nested key', () => doc.pos(tasks[1]!['debug'] as object, 'msg'), 16, 30],
    ['value of hosts', () => doc.valuePos(play, 'hosts'), 3, 10],
    ['anchored mapping', () => doc.pos(vars['base']!), 6, 7],
    ['merged key falls back to <<', () => doc.pos(vars['merged']!, 'a'), 9, 7],
    ['own key after merge', () => doc.pos(vars['merged']!, 'c'), 10, 7],
  ])('%s', (_name, get, line, column) => {
    expect(get()).toEqual({ file: 'playbooks/mtls.yml', line, column });
  });

  it('aliases share the anchored object and its position', () => {
    expect(vars['alias']).toBe(vars['base']);
    expect(doc.pos(vars['alias']!)).toEqual({ file: 'playbooks/mtls.yml', line: 6, column: 7 });
    expect(vars['merged']).toEqual({ a: 1, b: 2, c: 3 });
  });

  it('unknown nodes and keys give undefined', () => {
    expect(doc.pos({})).toBeUndefined();
    expect(doc.pos(play, 'nope')).toBeUndefined();
  });
});

describe('YAML 1.1 scalars and tags', () => {
  it.each([
    ['yes', true], ['No', false], ['on', true], ['OFF', false], ['true', true],
    ['0755', 493], ['0644', 420], ['755', 755], ['0x1f', 31], ['1.5', 1.5],
    // as PyYAML (Ansible's loader) reads them: no 0o octal, an exponent needs its sign, '09' is a string
    ['0o17', '0o17'], ['1e3', '1e3'], ['1.5e+3', 1500], ['1_000', 1000], ['1:30', 90], ['-.5', '-.5'], ['09', '09'], ['0b11', 3],
    ['~', null], ['2024-01-01', '2024-01-01'], ['y', 'y'],
  ])('%s', (src, expected) => {
    expect((parseYaml(`v: ${src}\n`, 'f.yml').value as Record<string, unknown>)['v']).toEqual(expected);
  });

  it('!unsafe yields an UnsafeString', () => {
    const v = parseYaml('x: !unsafe "{{ not_a_template }}"\n', 'f.yml').value as Record<string, unknown>;
    expect(v['x']).toBeInstanceOf(UnsafeString);
    expect(String(v['x'])).toBe('{{ not_a_template }}');
  });

  it('!vault is rejected with its position', () => {
    const src = 'a: 1\npw: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3132\n';
    expect(() => parseYaml(src, 'f.yml')).toThrow(/f\.yml:2:5: "!vault" encrypted values are not supported/);
  });
});

describe('YAML errors', () => {
  it('syntax errors carry file:line:column', () => {
    try {
      parseYaml('a: 1\nb: [1, 2\nc: 3\n', 'bad.yml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(YamlError);
      const err = e as YamlError;
      expect(err.pos?.file).toBe('bad.yml');
      expect(err.pos?.line).toBeGreaterThanOrEqual(3);
      expect(err.message).toMatch(/^bad\.yml:\d+:\d+: YAML syntax error: /);
    }
  });

  it('duplicate keys are errors', () => {
    expect(() => parseYaml('a: 1\na: 2\n', 'dup.yml')).toThrow(/dup\.yml:2:1: YAML syntax error: duplicated mapping key/);
  });

  it('multiple documents are rejected at the second one', () => {
    expect(() => parseYaml('a: 1\n---\nb: 2\n', 'multi.yml')).toThrow(/multi\.yml:3:1: more than one YAML document/);
  });

  it('empty file gives null', () => {
    expect(parseYaml('# nothing\n', 'e.yml').value).toBeNull();
  });

  it('loadYamlFile reads from disk and reports missing files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yaml-test-'));
    const p = join(dir, 'inv.yml');
    writeFileSync(p, 'all:\n  hosts:\n    h1: {}\n');
    const doc = await loadYamlFile(p);
    expect(doc.pos((doc.value as Record<string, Record<string, unknown>>)['all']!, 'hosts')?.line).toBe(2);
    await expect(loadYamlFile(join(dir, 'missing.yml'))).rejects.toThrow(/file not found/);
  });

  it('handles a byte order mark without shifting columns', () => {
    const doc = parseYaml('\ufeffa:\n  b: 1\n', 'bom.yml');
    expect(doc.pos((doc.value as Record<string, object>)['a']!, 'b')).toEqual({ file: 'bom.yml', line: 2, column: 3 });
  });
});

describe('formatProblem / ProblemList', () => {
  const text = 'a: 1\n- name: x\n      coppy:\n';
  it('shows the line with a caret', () => {
    const out = formatProblem({ pos: { file: 'playbooks/mtls.yml', line: 3, column: 7 }, message: 'unknown module "coppy" (did you mean "copy"?)' }, text);
    expect(out).toBe(
      'playbooks/mtls.yml:3:7: unknown module "coppy" (did you mean "copy"?)\n' +
        '    3 |       coppy:\n' +
        '      |       ^',
    );
  });

  it('hides lines that hold secrets', () => {
    const out = formatProblem({ pos: { file: 'x.yml', line: 1, column: 1 }, message: 'bad token', hideLine: true }, 'token: s3cr3t-value\n');
    expect(out).toBe('x.yml:1:1: bad token');
    expect(out).not.toContain('s3cr3t');
  });

  it('shows paths relative to the working directory', () => {
    const out = formatProblem({ pos: { file: join(process.cwd(), 'roles', 'x.yml'), line: 1, column: 2 }, message: 'm' });
    expect(out).toBe(`${join('roles', 'x.yml')}:1:2: m`);
  });

  it('collects, orders and throws all problems', () => {
    const list = new ProblemList().addSource('a.yml', 'x: 1\ny: 2\n');
    expect(list.hasErrors).toBe(false);
    list.add({ file: 'a.yml', line: 2, column: 1 }, 'second');
    list.add({ file: 'a.yml', line: 1, column: 1 }, 'first');
    list.add(undefined, 'no position');
    expect(list.size).toBe(3);
    const text = list.format();
    expect(text.indexOf('first')).toBeLessThan(text.indexOf('second'));
    expect(text).toContain('    2 | y: 2');
    expect(() => list.throwIfAny()).toThrow(ValidationError);
    try {
      list.throwIfAny();
    } catch (e) {
      expect((e as ValidationError).problems).toHaveLength(3);
    }
  });
});
