/**
 * The keywords of each level (play, block, task), as Ansible knows them, in one table per level.
 * Each entry names the file that implements the keyword and the test that shows it running
 * (test/integration/keywords-table.test.ts checks that both exist). A keyword whose value does not run
 * here for some values has `refuse`: the reason, reported at the keyword's position at load, so
 * nothing is ever silently ignored.
 */
import { LOOKUPS } from '../template/lookups.js';
import { allModules } from '../modules/registry.js';

export interface Keyword {
  /** Where the keyword takes effect (a path from the repository root). */
  impl: string;
  /** A test that runs it. */
  test: string;
  /** Why this value does not run here, or undefined when it runs. */
  refuse?: (v: unknown) => string | undefined;
}

const LOAD = 'src/playbook/load.ts';
const TASKS = 'src/playbook/tasks.ts';
const WALK = 'src/executor/walk.ts';
const HOST_TASK = 'src/executor/host-task.ts';
const RUNNER = 'src/executor/runner.ts';
const VARS = 'src/executor/vars.ts';
const FLOW = 'test/integration/engine-flow.test.ts';
const KW = 'test/integration/engine-keywords.test.ts';
const MISC = 'test/differential/cases/keywords-misc.yml';
const CONN_KW = 'src/executor/connection-keywords.ts';
const CONN_TEST = 'test/unit/connection-keywords.test.ts';
const ASYNC = 'src/executor/async.ts';
const ASYNC_TEST = 'test/differential/cases/async-poll.yml';
const MODULE_DEFAULTS = 'src/playbook/module-defaults.ts';
const MODULE_DEFAULTS_TEST = 'test/differential/cases/module-defaults.yml';

/** A keyword whose implementation is not there yet: refused whatever its value, at its position. */
const NOT_YET = (k: string): Keyword => ({ impl: 'src/playbook/keywords.ts', test: 'test/integration/keywords-table.test.ts', refuse: () => `"${k}" is not supported yet` });

const isTemplate = (v: unknown): boolean => typeof v === 'string' && v.includes('{{');

/** Collections whose modules are registered here: ansible.builtin, ansible.legacy and those of qualified names. */
export function knownCollections(): Set<string> {
  const out = new Set(['ansible.builtin', 'ansible.legacy']);
  for (const m of allModules()) {
    for (const n of m.aliases ?? []) {
      const parts = n.split('.');
      if (parts.length === 3) out.add(`${parts[0]}.${parts[1]}`);
    }
  }
  return out;
}

const refuseCollections = (v: unknown): string | undefined => {
  const known = knownCollections();
  const bad = (Array.isArray(v) ? v : [v]).filter((c) => typeof c !== 'string' || !known.has(c));
  return bad.length === 0 ? undefined : `collection${bad.length > 1 ? 's' : ''} ${bad.map((c) => JSON.stringify(c)).join(', ')} not available here (available: ${[...known].sort().join(', ')})`;
};

const BECOME_METHODS = ['sudo', 'su'];
const refuseBecomeMethod = (v: unknown): string | undefined =>
  typeof v === 'string' && (BECOME_METHODS.includes(v) || isTemplate(v)) ? undefined : `become_method ${JSON.stringify(v)} is not supported (sudo or su)`;

const CONNECTIONS = ['local', 'ssh', 'smart', 'paramiko', 'ansible.builtin.local', 'ansible.builtin.ssh'];
const refuseConnection = (v: unknown): string | undefined =>
  typeof v === 'string' && (CONNECTIONS.includes(v) || isTemplate(v)) ? undefined : `connection ${JSON.stringify(v)} is not supported (local or ssh)`;

/** Ansible's debugger is an interactive prompt at a failed task; only `never` (its default) runs here. */
const refuseDebugger = (v: unknown): string | undefined =>
  v === 'never' ? undefined : `debugger ${JSON.stringify(v)} is not supported: the interactive task debugger does not exist here (only "never")`;

const refuseStrategy = (v: unknown): string | undefined =>
  ['linear', 'free', 'ansible.builtin.linear', 'ansible.builtin.free'].includes(String(v)) ? undefined : `strategy ${JSON.stringify(v)} is not supported (linear or free)`;

/** Keywords of blocks and tasks both (and, with the same meaning, of plays). */
const COMMON: Record<string, Keyword> = {
  name: { impl: LOAD, test: FLOW },
  when: { impl: 'src/executor/conditions.ts', test: 'test/differential/cases/loop-when.yml' },
  tags: { impl: 'src/executor/tags.ts', test: 'test/differential/cases/tags-templated.yml' },
  become: { impl: 'src/executor/target.ts', test: 'test/e2e/ssh-conn-become.test.ts' },
  become_user: { impl: 'src/executor/target.ts', test: 'test/e2e/ssh-conn-become.test.ts' },
  become_method: { impl: 'src/connection/ssh/become.ts', test: 'test/e2e/ssh-conn-become.test.ts', refuse: refuseBecomeMethod },
  check_mode: { impl: 'src/executor/context.ts', test: MISC },
  diff: { impl: 'src/executor/context.ts', test: 'test/integration/engine-files.test.ts' },
  environment: { impl: 'src/executor/context.ts', test: 'test/differential/cases/environment-command.yml' },
  ignore_errors: { impl: 'src/executor/record.ts', test: 'test/differential/cases/recap-ignored.yml' },
  ignore_unreachable: { impl: 'src/executor/record.ts', test: 'test/differential/cases/ignore-unreachable.yml' },
  no_log: { impl: 'src/executor/record.ts', test: FLOW },
  vars: { impl: VARS, test: FLOW },
  delegate_to: { impl: 'src/executor/target.ts', test: 'test/differential/cases/throttle-lineinfile.yml' },
  delegate_facts: { impl: 'src/facts/store.ts', test: 'test/e2e/facts.test.ts' },
  run_once: { impl: WALK, test: 'test/differential/cases/run-once-handlers.yml' },
  any_errors_fatal: { impl: WALK, test: 'test/differential/cases/any-errors-fatal-always.yml' },
  remote_user: { impl: CONN_KW, test: 'test/e2e/ssh-conn-become.test.ts' },
  port: { impl: CONN_KW, test: 'test/e2e/ssh-conn-become.test.ts' },
  connection: { impl: CONN_KW, test: CONN_TEST, refuse: refuseConnection },
  module_defaults: { impl: MODULE_DEFAULTS, test: MODULE_DEFAULTS_TEST },
  collections: { impl: 'src/playbook/keywords.ts', test: 'test/integration/keywords-table.test.ts', refuse: refuseCollections },
  throttle: { impl: WALK, test: 'test/differential/cases/throttle-lineinfile.yml' },
  timeout: { impl: ASYNC, test: 'test/differential/cases/task-timeout.yml' },
  debugger: { impl: 'src/playbook/keywords.ts', test: 'test/integration/keywords-table.test.ts', refuse: refuseDebugger },
};

const { when: _when, delegate_to: _delegateTo, delegate_facts: _delegateFacts, ...PLAY_COMMON } = COMMON;

// play keywords first: "did you mean" prefers the earlier of two equally close names (taks → tasks)
export const PLAY_KEYWORD_TABLE: Record<string, Keyword> = {
  hosts: { impl: RUNNER, test: FLOW },
  vars_files: { impl: RUNNER, test: MISC },
  vars_prompt: { impl: 'src/cli/vars-prompt.ts', test: 'test/integration/vars-prompt.test.ts' },
  roles: { impl: 'src/playbook/roles.ts', test: FLOW },
  pre_tasks: { impl: WALK, test: MISC },
  tasks: { impl: WALK, test: FLOW },
  post_tasks: { impl: WALK, test: MISC },
  handlers: { impl: WALK, test: 'test/differential/cases/run-once-handlers.yml' },
  gather_facts: { impl: WALK, test: KW },
  gather_subset: { impl: 'src/facts/subset.ts', test: 'test/integration/facts.test.ts' },
  gather_timeout: { impl: 'src/facts/index.ts', test: 'test/integration/facts.test.ts' },
  fact_path: { impl: 'src/facts/index.ts', test: 'test/integration/facts.test.ts' },
  serial: { impl: 'src/executor/serial.ts', test: 'test/differential/cases/serial-max-fail.yml' },
  max_fail_percentage: { impl: RUNNER, test: 'test/differential/cases/serial-max-fail.yml' },
  order: { impl: RUNNER, test: FLOW },
  force_handlers: { impl: WALK, test: MISC },
  strategy: { impl: RUNNER, test: 'test/differential/cases/strategy-free.yml', refuse: refuseStrategy },
  ...PLAY_COMMON,
};

export const BLOCK_KEYWORD_TABLE: Record<string, Keyword> = {
  ...COMMON,
  block: { impl: WALK, test: FLOW },
  rescue: { impl: WALK, test: 'test/differential/cases/rescue-failed-task.yml' },
  always: { impl: WALK, test: 'test/differential/cases/any-errors-fatal-always.yml' },
  notify: { impl: WALK, test: FLOW },
};

const WITH: Keyword = { impl: 'src/executor/loop.ts', test: MISC };
/** `with_NAME` runs the lookup plugin NAME (src/template/lookups.ts) over the templated terms. */
const WITH_LOOKUPS: Record<string, Keyword> = Object.fromEntries(Object.keys(LOOKUPS).map((n) => [`with_${n}`, { impl: 'src/template/lookups.ts', test: 'test/differential/cases/lookups.yml' }]));

export const TASK_KEYWORD_TABLE: Record<string, Keyword> = {
  ...COMMON,
  register: { impl: 'src/executor/record.ts', test: FLOW },
  loop: { impl: 'src/executor/loop.ts', test: 'test/differential/cases/loop-when.yml' },
  loop_control: { impl: TASKS, test: 'test/differential/cases/loop-control-dict.yml' },
  changed_when: { impl: 'src/executor/attempt.ts', test: 'test/differential/cases/loop-changed-failed-when.yml' },
  failed_when: { impl: 'src/executor/attempt.ts', test: 'test/differential/cases/loop-changed-failed-when.yml' },
  notify: { impl: WALK, test: FLOW },
  until: { impl: HOST_TASK, test: 'test/differential/cases/until-retries.yml' },
  retries: { impl: HOST_TASK, test: 'test/differential/cases/until-retries.yml' },
  delay: { impl: HOST_TASK, test: 'test/differential/cases/until-retries.yml' },
  action: { impl: TASKS, test: MISC },
  local_action: { impl: TASKS, test: MISC },
  async: { impl: ASYNC, test: ASYNC_TEST },
  poll: { impl: ASYNC, test: ASYNC_TEST },
  args: { impl: TASKS, test: 'test/unit/modules-args.test.ts' },
  listen: { impl: WALK, test: 'test/differential/cases/run-once-handlers.yml' },
  ...WITH_LOOKUPS,
  with_items: WITH,
  with_list: WITH,
  with_dict: { ...WITH, test: 'test/differential/cases/loop-control-dict.yml' },
  with_indexed_items: WITH,
  with_first_found: { impl: 'src/vars/first-found.ts', test: 'test/integration/include-vars.test.ts' },
};

export const PLAY_KEYWORDS = new Set(Object.keys(PLAY_KEYWORD_TABLE));
export const BLOCK_KEYWORDS = new Set(Object.keys(BLOCK_KEYWORD_TABLE));
export const TASK_KEYWORDS = new Set(Object.keys(TASK_KEYWORD_TABLE));

export const LOOP_CONTROL_KEYWORDS = new Set(['loop_var', 'index_var', 'label', 'pause', 'extended', 'extended_allitems']);

export const ROLE_ENTRY_KEYWORDS = new Set(['role', 'name', 'vars', 'tags', 'when', 'become', 'become_user', 'delegate_to']);

/** Task-level "modules" handled by the loader/executor rather than the registry. */
export const INCLUDE_ACTIONS = new Set([
  'import_tasks', 'include_tasks', 'import_playbook', 'include_role', 'import_role',
  'ansible.builtin.import_tasks', 'ansible.builtin.include_tasks', 'ansible.builtin.import_playbook',
  'ansible.builtin.include_role', 'ansible.builtin.import_role',
]);

export function shortAction(name: string): string {
  return name.replace(/^ansible\.(builtin|legacy)\./, '');
}
