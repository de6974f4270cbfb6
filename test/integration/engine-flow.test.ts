/** Control flow: blocks, handlers, loops, tags, serial, failures, precedence, validation, exit codes. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchestrate, project, recap, results, totals } from '../helpers/cli.js';

const HOSTS5 = `[web]
h1 ansible_connection=local
h2 ansible_connection=local
h3 ansible_connection=local
h4 ansible_connection=local
h5 ansible_connection=local
`;

async function play(yaml: string, extra: string[] = [], more: Record<string, string> = {}) {
  const p = project({ 'hosts.ini': HOSTS5, 'site.yml': yaml, ...more });
  const r = await orchestrate(['run', path.join(p, 'site.yml'), '-i', path.join(p, 'hosts.ini'), '--json', ...extra]);
  return { ...r, dir: p };
}

describe('control flow', () => {
  it('block/rescue/always, ignore_errors, failed_when, changed_when, register, loops', async () => {
    const r = await play(`
- hosts: h1
  tasks:
    - block:
        - command: "false"
        - debug: { msg: never }
      rescue:
        - set_fact: { rescued: true }
      always:
        - set_fact: { always_ran: true }
    - command: "false"
      ignore_errors: true
    - command: echo hi
      register: out
      changed_when: false
      failed_when: "'hi' not in out.stdout"
    - debug: { msg: "{{ item.0 }}-{{ idx }}-{{ out.stdout }}" }
      loop: [[a], [b]]
      loop_control: { loop_var: item, index_var: idx }
    - assert: { that: [rescued, always_ran, "out.rc == 0"] }
`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const s = recap(r.events)['h1']!;
    expect(s['rescued']).toBe(1);
    expect(s['ignored']).toBe(1);
    expect(s['failed']).toBe(0);
    const loop = results(r.events).find((e) => String(e['task']).startsWith('debug') && e['output'] !== undefined);
    expect(loop).toBeDefined();
  });

  it('handlers: notify, listen, flush at meta and at section end, once per host', async () => {
    const r = await play(`
- hosts: h1
  gather_facts: false
  tasks:
    - name: a
      command: echo a
      notify: [restart, topic]
    - name: b
      command: echo b
      notify: restart
    - meta: flush_handlers
    - name: c
      command: echo c
      notify: restart
  handlers:
    - name: restart
      command: echo restart
    - name: other
      command: echo other
      listen: topic
`);
    expect(r.code).toBe(0);
    const starts = r.events.filter((e) => e['type'] === 'task.start').map((e) => `${e['handler'] ? 'H:' : ''}${e['name']}`);
    expect(starts).toEqual(['a', 'b', 'meta', 'H:restart', 'H:other', 'c', 'H:restart']);
  });

  it('tags: --tags, --skip-tags, always, never', async () => {
    const yaml = `
- hosts: h1
  gather_facts: false
  tasks:
    - { debug: { msg: a }, tags: [a] }
    - { debug: { msg: b }, tags: [b] }
    - { debug: { msg: al }, tags: [always] }
    - { debug: { msg: nv }, tags: [never, debugonly] }
    - { debug: { msg: un } }
`;
    const names = (ev: Record<string, unknown>[]) => results(ev).map((e) => e['output']);
    expect(names((await play(yaml)).events)).toEqual(['a', 'b', 'al', 'un']);
    expect(names((await play(yaml, ['--tags', 'b'])).events)).toEqual(['b', 'al']);
    expect(names((await play(yaml, ['--skip-tags', 'a,always'])).events)).toEqual(['b', 'un']);
    expect(names((await play(yaml, ['--tags', 'debugonly'])).events)).toEqual(['al', 'nv']);
  });

  it('serial batches and max_fail_percentage stop later batches; exit 2', async () => {
    const r = await play(`
- hosts: web
  serial: [1, 2]
  max_fail_percentage: 0
  tasks:
    - command: "{{ 'false' if inventory_hostname == 'h2' else 'true' }}"
    - debug: { msg: after }
`);
    expect(r.code).toBe(2);
    const batches = r.events.filter((e) => e['type'] === 'batch.start').map((e) => e['hosts']);
    expect(batches).toEqual([['h1'], ['h2', 'h3']]);
    const stats = recap(r.events);
    expect(Object.keys(stats).sort()).toEqual(['h1', 'h2', 'h3']);
    expect(stats['h2']!['failed']).toBe(1);
    expect(results(r.events, 'debug').map((e) => e['host'])).toEqual(['h1']);
  });

  it('a failed host drops out while the others go on; any_errors_fatal stops all', async () => {
    const yaml = (fatal: boolean) => `
- hosts: web
  any_errors_fatal: ${fatal}
  tasks:
    - command: "{{ 'false' if inventory_hostname == 'h3' else 'true' }}"
    - debug: { msg: next }
`;
    const goOn = await play(yaml(false));
    expect(goOn.code).toBe(2);
    expect(results(goOn.events, 'debug').map((e) => e['host']).sort()).toEqual(['h1', 'h2', 'h4', 'h5']);
    const stop = await play(yaml(true));
    expect(stop.code).toBe(2);
    expect(results(stop.events, 'debug')).toHaveLength(0);
  });

  it('variable precedence: role defaults < group < host < play < role vars < set_fact < extra', async () => {
    const r = await play(
      `
- hosts: h1
  vars: { v_play: play, v_role: play, v_fact: play, v_extra: play }
  roles: [r]
  tasks:
    - set_fact: { v_fact: fact, v_extra: fact }
    - debug: { msg: "{{ v_def }} {{ v_group }} {{ v_host }} {{ v_play }} {{ v_role }} {{ v_fact }} {{ v_extra }}" }
`,
      ['-e', 'v_extra=extra'],
      {
        'group_vars/web.yml': 'v_def: group\nv_group: group\nv_host: group\n',
        'host_vars/h1.yml': 'v_host: host\nv_play: host\n',
        'roles/r/defaults/main.yml': 'v_def: default\nv_group: default\n',
        'roles/r/vars/main.yml': 'v_role: role\n',
        'roles/r/tasks/main.yml': '- debug: { msg: role }\n',
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = results(r.events).map((e) => e['output']);
    expect(out).toContain('group group host play role fact extra');
  });

  it('include_tasks, import_tasks, import_playbook, run_once, delegate_to, no_log', async () => {
    const r = await play(
      `
- import_playbook: other.yml
- hosts: web
  tasks:
    - import_tasks: tasks/a.yml
    - include_tasks: "tasks/{{ which }}.yml"
      vars: { which: b }
    - name: once
      command: echo once
      run_once: true
      register: once
    - debug: { msg: "{{ once.stdout }}" }
      delegate_to: localhost
    - command: echo supersecret
      no_log: true
`,
      [],
      {
        'other.yml': '- hosts: h1\n  tasks:\n    - debug: { msg: other }\n',
        'tasks/a.yml': '- debug: { msg: a }\n',
        'tasks/b.yml': '- debug: { msg: b }\n',
      },
    );
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = results(r.events);
    expect(out.filter((e) => e['output'] === 'other')).toHaveLength(1);
    expect(out.filter((e) => e['output'] === 'a')).toHaveLength(5);
    expect(out.filter((e) => e['output'] === 'b')).toHaveLength(5);
    expect(out.filter((e) => e['task'] === 'once')).toHaveLength(1);
    expect(out.filter((e) => e['output'] === 'once')).toHaveLength(5);
    expect(r.stdout).not.toContain('supersecret');
  });

  it('validation: every problem at once with file:line:column, did-you-mean, exit 4, nothing run', async () => {
    const r = await play(`
- hosts: web
  taks: []
  tasks:
    - name: typo module
      coppy: { dest: /tmp/x, content: y }
    - name: typo keyword
      command: echo x
      whenn: true
    - name: bad arg
      file: { path: /tmp/x, stat: directory }
`);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/site\.yml:3:3: unknown play keyword "taks" \(did you mean "tasks"\?\)/);
    expect(r.stderr).toMatch(/site\.yml:6:7: unknown module "coppy" \(did you mean "copy"\?\)/);
    expect(r.stderr).toMatch(/site\.yml:9:7: unknown keyword "whenn" \(did you mean "when"\?\)/);
    expect(r.stderr).toMatch(/site\.yml:11:\d+: file: .*"stat".*did you mean "state"/);
    expect(r.stdout).not.toContain('TASK');
  });

  it('--syntax-check, --list-hosts, --list-tasks', async () => {
    const yaml = '- hosts: web\n  tasks:\n    - { name: one, debug: { msg: x }, tags: [t1] }\n';
    expect((await play(yaml, ['--syntax-check'])).code).toBe(0);
    const lh = await play(yaml, ['--list-hosts', '-l', 'h2:h4']);
    expect(lh.stdout).toMatch(/hosts \(2\):\n\s+h2\n\s+h4/);
    const lt = await play(yaml, ['--list-tasks']);
    expect(lt.stdout).toMatch(/one\tTAGS: \[t1\]/);
  });

  it('writes are per host and templated per host', async () => {
    const out = project({});
    const r = await play(`
- hosts: web
  tasks:
    - copy: { dest: "${out}/{{ inventory_hostname }}.txt", content: "{{ inventory_hostname }} of {{ groups['web'] | length }}" }
`);
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(out, 'h4.txt'), 'utf8')).toBe('h4 of 5');
    expect(totals(r.events)['changed']).toBe(5);
  });

  it('--limit selects fleet hosts; a play on localhost (the control machine) still runs once', async () => {
    const r = await play(`
- hosts: localhost
  gather_facts: false
  tasks:
    - debug: { msg: control }
- hosts: web
  gather_facts: false
  tasks:
    - debug: { msg: fleet }
`, ['-l', 'h2']);
    expect(r.code).toBe(0);
    expect(results(r.events).map((e) => `${e['host']}:${e['output']}`)).toEqual(['localhost:control', 'h2:fleet']);
  });

  it('import_playbook with loop repeats the plays per item, in order, and stops at the first failing fleet', async () => {
    const yaml = `
- import_playbook: fleet.yml
  loop: "{{ fleets }}"
  loop_control: { loop_var: fleet }
`;
    const fleet = `
- hosts: "{{ fleet }}"
  max_fail_percentage: 0
  tasks:
    - command: "{{ 'false' if inventory_hostname == bad | default('') else 'true' }}"
    - debug: { msg: "{{ fleet }}" }
`;
    const ok = await play(yaml, ['-e', '{"fleets": ["h3:h4", "h1"]}'], { 'fleet.yml': fleet });
    expect(ok.code, ok.stderr).toBe(0);
    expect(results(ok.events).filter((e) => e['output']).map((e) => `${e['host']}:${e['output']}`).sort()).toEqual(['h1:h1', 'h3:h3:h4', 'h4:h3:h4']);
    expect(ok.events.filter((e) => e['type'] === 'play.start').map((e) => e['pattern'])).toEqual(['h3:h4', 'h1']);
    const stop = await play(yaml, ['-e', '{"fleets": ["h2", "h5"], "bad": "h2"}'], { 'fleet.yml': fleet });
    expect(stop.code).toBe(2);
    expect(results(stop.events).map((e) => e['host'])).not.toContain('h5');
  });

  it('a failed run_once task fails the whole batch, as Ansible does', async () => {
    const r = await play(`
- hosts: web
  tasks:
    - command: "false"
      run_once: true
    - debug: { msg: next }
`);
    expect(r.code).toBe(2);
    expect(results(r.events, 'debug')).toHaveLength(0);
  });

  it('a loop over an undefined value: skipped when the task\'s when is false (as ansible-core), failed when it holds', async () => {
    const r = await play(`
- hosts: h1
  gather_facts: false
  vars: { purge: false }
  tasks:
    - stat: { path: /nonexistent }
      register: found
      when: purge
    - debug: { msg: "{{ item }}" }
      loop: "{{ found.files }}"
      when:
        - purge
        - item != 'x'
    - debug: { msg: "{{ item }}" }
      loop: "{{ found.files }}"
      ignore_errors: true
`);
    expect(r.code, r.stderr).toBe(0);
    const [skipped, failed] = results(r.events).filter((e) => e['task'] === 'debug');
    expect(skipped).toMatchObject({ status: 'skipped', reason: 'conditional result was False' });
    expect(failed).toMatchObject({ status: 'failed' });
    expect(String(failed!['msg'])).toMatch(/has no attribute 'files'/);
  });
});
