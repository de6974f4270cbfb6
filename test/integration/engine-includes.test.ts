/** include_tasks that includes itself through a variable stops at a depth limit with a clear error. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchestrate, project } from '../helpers/cli.js';

describe('include_tasks recursion', () => {
  it('stops at the depth limit, naming the file', async () => {
    const p = project({
      'hosts.ini': 'h1 ansible_connection=local\n',
      'site.yml': `
- hosts: all
  vars: { inc: self.yml }
  tasks:
    - include_tasks: "{{ inc }}"
    - debug: { msg: not reached }
`,
      'self.yml': '- include_tasks: "{{ inc }}"\n',
    });
    const r = await orchestrate(['run', path.join(p, 'site.yml'), '-i', path.join(p, 'hosts.ini'), '--json']);
    expect(r.code).toBe(2);
    const failed = r.events.filter((e) => e['type'] === 'host.result' && e['status'] === 'failed');
    expect(failed).toHaveLength(1);
    expect(String(failed[0]!['msg'])).toContain('more than 100 nested includes (self.yml includes itself?)');
    expect(r.events.some((e) => e['type'] === 'host.result' && e['output'] === 'not reached')).toBe(false);
  });
});

describe('include_tasks of another system\'s task file', () => {
  const files = (when: string): Record<string, string> => ({
    'hosts.ini': 'h1 ansible_connection=local\n',
    'site.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - include_tasks: setup-other.yml
      ${when}
    - debug: { msg: after }
`,
    'setup-other.yml': '- pacman: { name: nginx }\n',
  });

  it('is not loaded while its condition is false (as in Ansible): the run goes on', async () => {
    const p = project(files('when: false'));
    const r = await orchestrate(['run', path.join(p, 'site.yml'), '-i', path.join(p, 'hosts.ini'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.some((e) => e['type'] === 'host.result' && e['output'] === 'after')).toBe(true);
  });

  it('fails the hosts it runs on, naming the file and line, when its condition holds', async () => {
    const p = project(files('when: true'));
    const r = await orchestrate(['run', path.join(p, 'site.yml'), '-i', path.join(p, 'hosts.ini'), '--json']);
    expect(r.code).toBe(2);
    const failed = r.events.filter((e) => e['type'] === 'host.result' && e['status'] === 'failed');
    expect(String(failed[0]!['msg'])).toMatch(/setup-other\.yml:1:3: unknown module "pacman"/);
  });

  it('without a condition is checked before anything runs', async () => {
    const p = project(files(''));
    const r = await orchestrate(['run', path.join(p, 'site.yml'), '-i', path.join(p, 'hosts.ini')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/setup-other\.yml:1:3: unknown module "pacman"/);
  });
});
