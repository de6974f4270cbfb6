/** Keywords that do not run here are refused at their position; the ones that do, run. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchestrate, project } from '../helpers/cli.js';

describe('accept only what runs', () => {
  it('refuses a strategy that does not exist and a debugger with file:line:column, runs nothing (gather_facts: true runs)', async () => {
    const p = project({
      'hosts.ini': 'h1 ansible_connection=local\n',
      'site.yml': `- hosts: all
  strategy: host_pinned
  gather_facts: true
  tasks:
    - command: sleep 1
      debugger: on_failed
`,
    });
    const r = await orchestrate(['run', path.join(p, 'site.yml'), '-i', path.join(p, 'hosts.ini')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('site.yml:2:3: strategy "host_pinned" is not supported');
    expect(r.stderr).not.toContain('gather_facts');
    expect(r.stderr).toContain('site.yml:6:7: debugger "on_failed" is not supported');
  });

  it('async: a job past its time limit fails with Ansible\'s message; poll: 0 is for commands; timeout kills', async () => {
    const p = project({
      'hosts.ini': 'h1 ansible_connection=local\n',
      'site.yml': `- hosts: all
  gather_facts: false
  tasks:
    - name: too long
      command: sleep 4
      async: 1
      poll: 1
      ignore_errors: true
    - name: not a command
      copy: { content: x, dest: "{{ root }}/x" }
      async: 5
      poll: 0
      ignore_errors: true
    - name: copy under async with poll
      copy: { content: x, dest: "{{ root }}/y" }
      async: 5
      poll: 1
    - name: wait_for timed out
      wait_for: { timeout: 30, path: "{{ root }}/never" }
      timeout: 1
      ignore_errors: true
`,
    });
    const r = await orchestrate(['run', path.join(p, 'site.yml'), '-i', path.join(p, 'hosts.ini'), '--json', '-e', `root=${p}`]);
    const msg = (t: string): unknown => r.events.find((e) => e['type'] === 'host.result' && e['task'] === t)?.['msg'];
    expect(msg('too long')).toBe('async task did not complete within the requested time - 1s');
    expect(msg('not a command')).toContain('async with poll: 0 runs command, shell and raw here');
    expect(r.events.find((e) => e['type'] === 'host.result' && e['task'] === 'copy under async with poll')?.['status']).toBe('changed');
    expect(msg('wait_for timed out')).toBe('The wait_for action failed to execute in the expected time frame (1) and was terminated');
  });

  it('environment reaches commands; connection: local and strategy: linear run', async () => {
    const p = project({
      'hosts.ini': 'h1 ansible_connection=local\n',
      'site.yml': `- hosts: all
  connection: local
  strategy: linear
  gather_facts: false
  environment: { GREETING: hello }
  tasks:
    - shell: echo "$GREETING $OTHER"
      environment: { OTHER: "{{ inventory_hostname }}" }
      register: out
    - debug: { msg: "{{ out.stdout }}" }
`,
    });
    const r = await orchestrate(['run', path.join(p, 'site.yml'), '-i', path.join(p, 'hosts.ini'), '--json']);
    expect(r.code).toBe(0);
    expect(r.events.some((e) => e['type'] === 'host.result' && e['output'] === 'hello h1')).toBe(true);
  });
});
