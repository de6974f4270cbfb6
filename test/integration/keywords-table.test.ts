/** The keyword tables: every entry names files that exist; values that do not run are refused at their position. */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerCoreModules } from '../../src/modules/core.js';
import { BLOCK_KEYWORD_TABLE, PLAY_KEYWORD_TABLE, TASK_KEYWORD_TABLE, knownCollections } from '../../src/playbook/keywords.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { ProblemList } from '../../src/yaml/index.js';

const REPO = path.resolve(__dirname, '../..');

async function problemsOf(yaml: string): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kw-'));
  const file = path.join(dir, 'site.yml');
  writeFileSync(file, yaml);
  const problems = new ProblemList();
  await loadPlaybook(file, { problems });
  return problems.hasErrors ? problems.format() : '';
}

describe('keyword tables', () => {
  beforeAll(() => registerCoreModules());

  for (const [level, table] of Object.entries({ play: PLAY_KEYWORD_TABLE, block: BLOCK_KEYWORD_TABLE, task: TASK_KEYWORD_TABLE })) {
    it(`every ${level} keyword points at an implementation and a test that exist`, () => {
      const missing = Object.entries(table).flatMap(([k, e]) => [e.impl, e.test].filter((f) => !existsSync(path.join(REPO, f))).map((f) => `${k}: ${f}`));
      expect(missing).toEqual([]);
    });
  }

  it('plays have no task-only keywords; blocks and tasks share the common ones', () => {
    expect('when' in PLAY_KEYWORD_TABLE).toBe(false);
    expect('delegate_to' in PLAY_KEYWORD_TABLE).toBe(false);
    expect('register' in BLOCK_KEYWORD_TABLE).toBe(false);
    for (const k of ['remote_user', 'port', 'connection', 'module_defaults', 'timeout', 'ignore_unreachable', 'collections', 'debugger']) {
      expect(k in PLAY_KEYWORD_TABLE && k in BLOCK_KEYWORD_TABLE && k in TASK_KEYWORD_TABLE).toBe(true);
    }
  });

  it('collections: ansible.builtin and ansible.legacy run; others are refused with their position', async () => {
    expect(knownCollections().has('ansible.builtin')).toBe(true);
    const ok = await problemsOf('- hosts: all\n  collections: [ansible.builtin, ansible.legacy]\n  tasks: [{ping: }]\n');
    expect(ok).toBe('');
    const bad = await problemsOf('- hosts: all\n  tasks:\n    - ping:\n      collections: [my.stuff]\n');
    expect(bad).toContain('site.yml:4:7: collection "my.stuff" not available here (available: ansible.builtin, ansible.legacy');
  });

  it('debugger: only "never" runs; other values are refused at the keyword', async () => {
    expect(await problemsOf('- hosts: all\n  debugger: never\n  tasks: [{ping: }]\n')).toBe('');
    expect(await problemsOf('- hosts: all\n  tasks:\n    - ping:\n      debugger: on_failed\n')).toContain('site.yml:4:7: debugger "on_failed" is not supported: the interactive task debugger does not exist here');
  });

  it('with_NAME runs every lookup; an unknown one is refused at the keyword', async () => {
    expect(await problemsOf('- hosts: all\n  tasks:\n    - debug: var=item\n      with_nested: [[1], [2]]\n')).toBe('');
    expect(await problemsOf('- hosts: all\n  tasks:\n    - debug: var=item\n      with_nestd: [[1], [2]]\n')).toContain('site.yml:4:7: lookup plugin (nestd) not found (did you mean "nested"?)');
  });

  it('module_defaults: unknown actions and groups are refused at their key, as Ansible refuses them', async () => {
    const out = await problemsOf('- hosts: all\n  module_defaults:\n    coppy: {dest: /x}\n    group/nosuch: {}\n  tasks:\n    - file:\n      module_defaults: [{file: {path: /tmp/x}}]\n');
    expect(out).toContain('site.yml:3:5: Could not resolve action coppy in module_defaults');
    expect(out).toContain('site.yml:4:5: Error loading module_defaults: could not resolve the module_defaults group ansible.builtin.nosuch');
    // the task's required path comes from its module_defaults
    expect(out).not.toContain('path');
  });
});
