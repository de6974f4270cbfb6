/** Inventory and playbook problems are reported together, in one format; inventory warnings are printed. */
import { describe, expect, it } from 'vitest';
import { orchestrate, project } from '../helpers/cli.js';

describe('problems and warnings at load time', () => {
  it('reports a bad inventory and a bad playbook in one list, each with its line, and runs nothing', async () => {
    const dir = project({
      'inv.yml': 'all:\n  hosts: [a\n',
      'site.yml': '- hosts: all\n  tasks:\n    - coppy: { dest: /tmp/x }\n',
    });
    const r = await orchestrate(['run', '-i', 'inv.yml', 'site.yml'], { cwd: dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('site.yml:3:7: unknown module "coppy" (did you mean "copy"?)');
    expect(r.stderr).toMatch(/inv\.yml:3:1: YAML syntax error: unexpected end of the stream/);
    expect(r.stderr).toContain('    3 |     - coppy: { dest: /tmp/x }');
    expect(r.stderr).toContain('2 problems found; nothing was run.');
  });

  it('prints inventory warnings (a misspelt "children") at their line, as Ansible warns', async () => {
    const dir = project({
      'inv.yml': 'all:\n  childrn:\n    web:\n      hosts:\n        a:\n',
      'site.yml': '- hosts: all\n  gather_facts: false\n  tasks: []\n',
    });
    const inv = await orchestrate(['inventory', '-i', 'inv.yml', '--list-hosts'], { cwd: dir });
    expect(inv.stderr).toContain('[WARNING]: inv.yml:2:3: Skipping unexpected key (childrn) in group (all), only "vars", "children" and "hosts" are valid');
    const run = await orchestrate(['run', '-i', 'inv.yml', 'site.yml', '--list-hosts'], { cwd: dir });
    expect(run.stderr).toContain('Skipping unexpected key (childrn)');
  });
});
