/** Keywords that do not run here are refused at their position; the ones that do, run. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchestrate, project } from '../helpers/cli.js';

describe('accept only what runs', () => {
  it('refuses async and strategy: free with file:line:column, runs nothing (gather_facts: true runs)', async () => {
    const p = project({
      'hosts.ini': 'h1 ansible_connection=local\n',
      'site.yml': `- hosts: all
  strategy: free
  gather_facts: true
  tasks:
    - command: sleep 1
      async: 10
      poll: 0
`,
    });
    const r = await orchestrate(['run', path.join(p, 'site.yml'), '-i', path.join(p, 'hosts.ini')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('site.yml:2:3: strategy "free" is not supported (only "linear")');
    expect(r.stderr).not.toContain('gather_facts');
    expect(r.stderr).toContain('site.yml:6:7: "async" is not supported yet');
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
