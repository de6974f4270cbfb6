/**
 * include_vars (file, dir, name, files_matching, depth, free form, role vars/, hash_behaviour),
 * first_found (with_first_found and lookup, files/paths/skip) and ansible_managed in templates:
 * one playbook run by orchestrate and by ansible-playbook (the oracle) on the local machine,
 * the resulting variables and rendered templates compared.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchestrate, project, results } from '../helpers/cli.js';

const ansible = spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0;
if (!ansible) console.log('ansible-playbook is not installed: include_vars is checked without the oracle');

const FILES: Record<string, string> = {
  'hosts.ini': 'localhost ansible_connection=local\n',
  'vars/Debian.yml': 'debian_var: from Debian.yml\n',
  'vars/default.yml': 'default_var: from default.yml\n',
  'vars/common.json': '{"port": 8080, "list": [1, 2]}\n',
  'vars/merge.yml': 'base: { nested: { y: 2, z: 3 }, b: 2 }\n',
  'vars/conf.d/10-a.yml': 'a10: a\nshared: from 10\n',
  'vars/conf.d/20-b.yaml': 'b20: b\nshared: from 20\n',
  'vars/conf.d/notes.txt': 'not yaml: [\n',
  'vars/conf.d/sub/30-c.yml': 'c30: c\nshared: from 30\n',
  'roles/r1/vars/main.yml': 'role_level: main\n',
  'roles/r1/vars/extra.yml': 'role_level: extra\nrole_extra: yes\n',
  'roles/r1/vars/os/Linux.yml': 'role_os: linux\n',
  'roles/r1/vars/fromlookup.yml': 'from_lookup: found\n',
  'roles/r1/tasks/main.yml': `
- include_vars: extra.yml
- include_vars: { dir: os }
- include_vars: "{{ lookup('first_found', params) }}"
  vars:
    params: { files: [nope.yml, fromlookup.yml], paths: [vars] }
- set_fact: { role_seen: "{{ role_level }}" }
`,
  'templates/managed.j2': '# {{ ansible_managed }}\n# {{ template_path }}\nport={{ common.port }}\n',
  'site.yml': `
- hosts: localhost
  gather_facts: false
  vars:
    fam: Debian
    base: { a: 1, nested: { x: 1, y: 1 } }
  tasks:
    - include_vars: "{{ fam }}.yml"
    - include_vars: { file: common.json, name: common }
    - include_vars: { dir: vars/conf.d, files_matching: '^\\d+-', depth: 1 }
    - include_vars: { dir: vars/conf.d, name: deep, ignore_unknown_extensions: true }
    - include_vars: "{{ item }}"
      with_first_found:
        - nonexistent.yml
        - "{{ undefined_var }}.yml"
        - default.yml
    - set_fact:
        ff: "{{ lookup('first_found', 'missing.yml', 'vars/Debian.yml') | basename }}"
        ff_paths: "{{ lookup('first_found', {'files': ['missing.yml', 'Debian.yml'], 'paths': ['nowhere', 'vars']}) | basename }}"
        ff_skip: "{{ lookup('first_found', {'files': ['nope.yml'], 'paths': ['vars'], 'skip': true}) }}"
        ff_list: "{{ query('first_found', ['missing.yml', 'vars/default.yml']) | map('basename') | list }}"
    - include_role: { name: r1 }
    - include_vars: { file: merge.yml, hash_behaviour: merge }
    - template: { src: managed.j2, dest: "{{ out }}/managed.txt" }
    - debug:
        msg:
          debian_var: "{{ debian_var }}"
          default_var: "{{ default_var }}"
          common: "{{ common }}"
          a10: "{{ a10 }}"
          b20: "{{ b20 }}"
          shared: "{{ shared }}"
          c30: "{{ c30 | default('none') }}"
          deep: "{{ deep }}"
          ff: "{{ ff }}"
          ff_paths: "{{ ff_paths }}"
          ff_skip: "{{ ff_skip }}"
          ff_list: "{{ ff_list }}"
          role_seen: "{{ role_seen }}"
          role_extra: "{{ role_extra }}"
          role_os: "{{ role_os }}"
          from_lookup: "{{ from_lookup }}"
          base: "{{ base }}"
`,
};

const EXPECTED = {
  debian_var: 'from Debian.yml',
  default_var: 'from default.yml',
  common: { port: 8080, list: [1, 2] },
  a10: 'a',
  b20: 'b',
  shared: 'from 20',
  c30: 'none',
  deep: { a10: 'a', b20: 'b', c30: 'c', shared: 'from 30' },
  ff: 'Debian.yml',
  ff_paths: 'Debian.yml',
  ff_skip: [],
  ff_list: ['default.yml'],
  role_seen: 'extra',
  role_extra: true,
  role_os: 'linux',
  from_lookup: 'found',
  base: { a: 1, b: 2, nested: { x: 1, y: 2, z: 3 } },
};

function ansibleRun(dir: string, out: string, managed?: string): { msg: unknown; template: string } {
  const cfg = path.join(dir, 'ansible.cfg');
  writeFileSync(cfg, `[defaults]\nretry_files_enabled = False\n${managed ? `ansible_managed = ${managed}\n` : ''}`);
  mkdirSync(out, { recursive: true });
  const r = spawnSync('ansible-playbook', ['-i', 'hosts.ini', 'site.yml', '-e', `out=${out}`], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ANSIBLE_CONFIG: cfg, ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_LOCAL_TEMP: path.join(dir, '.atmp'), ANSIBLE_NOCOLOR: '1' },
    timeout: 120_000,
  });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  const json = JSON.parse(r.stdout) as { plays: { tasks: { task: { name: string }; hosts: Record<string, { msg?: unknown }> }[] }[] };
  const debug = json.plays[0]!.tasks.filter((t) => t.task.name === 'debug').at(-1)!;
  return { msg: debug.hosts['localhost']!.msg, template: readFileSync(path.join(out, 'managed.txt'), 'utf8') };
}

async function ourRun(dir: string, out: string, managed?: string): Promise<{ msg: unknown; template: string }> {
  mkdirSync(out, { recursive: true });
  const extra = ['-e', `out=${out}`, ...(managed ? ['-e', JSON.stringify({ orchestrate_ansible_managed: managed })] : [])];
  const r = await orchestrate(['run', path.join(dir, 'site.yml'), '-i', path.join(dir, 'hosts.ini'), '--json', ...extra]);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return { msg: results(r.events, 'debug').at(-1)!['output'], template: readFileSync(path.join(out, 'managed.txt'), 'utf8') };
}

describe('include_vars, first_found and ansible_managed', () => {
  it('give the variables and templates ansible-playbook gives', async () => {
    const dir = project(FILES);
    const ours = await ourRun(dir, path.join(dir, 'out-ours'));
    expect(ours.msg).toEqual(EXPECTED);
    expect(ours.template).toBe('# Ansible managed\n# managed.j2\nport=8080\n');
    if (ansible) {
      const theirs = ansibleRun(dir, path.join(dir, 'out-ansible'));
      expect(ours.msg).toEqual(theirs.msg);
      expect(ours.template).toBe(theirs.template);
    }
  }, 120_000);

  it('formats a configured ansible_managed with {file}, {uid}, {host} and strftime codes as Ansible does', async () => {
    const dir = project(FILES);
    const managed = 'Managed: {file} by {uid} in %Y';
    const ours = await ourRun(dir, path.join(dir, 'out-ours'), managed);
    expect(ours.template.split('\n')[0]).toMatch(/^# Managed: managed\.j2 by \S+ in \d{4}$/);
    if (ansible) expect(ours.template).toBe(ansibleRun(dir, path.join(dir, 'out-ansible'), managed).template);
  }, 120_000);

  it('names the file include_vars cannot find, and the places it looked', async () => {
    const dir = project({ ...FILES, 'site.yml': '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - include_vars: missing.yml\n' });
    const r = await orchestrate(['run', path.join(dir, 'site.yml'), '-i', path.join(dir, 'hosts.ini'), '--json']);
    expect(r.code).toBe(2);
    const failed = results(r.events).find((e) => e['status'] === 'failed')!;
    expect(String(failed['msg'])).toMatch(/include_vars\(missing\.yml\): could not find or access 'missing\.yml'/);
  }, 60_000);
});
