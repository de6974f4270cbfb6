/** group_by and add_host: the in-memory inventory later plays target (without ansible-playbook). */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchestrate, project, recap, results } from '../helpers/cli.js';

describe('in-memory inventory', () => {
  it('group_by makes groups for later plays; add_host runs once and adds hosts with variables; --check too', async () => {
    const p = project({
      'hosts.ini': 'a ansible_connection=local role=web\nb ansible_connection=local role=db\n',
      'site.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: by role
      group_by: { key: "role_{{ role }}", parents: servers }
    - name: by role again
      group_by: { key: "role_{{ role }}", parents: servers }
    - name: new host
      add_host: { name: "extra:2200", groups: [added], ansible_connection: local, colour: blue }
- hosts: role_web
  gather_facts: false
  tasks:
    - name: web
      debug: { msg: "{{ group_names }} {{ groups.servers | sort }}" }
- hosts: added
  gather_facts: false
  tasks:
    - name: added
      debug: { msg: "{{ colour }} {{ ansible_ssh_port }}" }
`,
    });
    for (const check of [false, true]) {
      const r = await orchestrate(['run', path.join(p, 'site.yml'), '-i', path.join(p, 'hosts.ini'), '--json', ...(check ? ['--check'] : [])]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const status = (task: string) => Object.fromEntries(results(r.events, task).map((e) => [e['host'], e['status']]));
      expect(status('by role')).toEqual({ a: 'changed', b: 'changed' });
      expect(status('by role again')).toEqual({ a: 'ok', b: 'ok' });
      expect(Object.keys(status('new host'))).toHaveLength(1);
      expect(results(r.events, 'web').map((e) => [e['host'], e['output']])).toEqual([['a', "['role_web', 'servers'] ['a', 'b']"]]);
      expect(results(r.events, 'added').map((e) => [e['host'], e['output']])).toEqual([['extra', 'blue 2200']]);
      expect(recap(r.events)['extra']).toMatchObject({ ok: 1 });
    }
  });
});
