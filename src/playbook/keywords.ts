/**
 * The keywords of each level (play, block, task, loop_control, role entry), named as Ansible
 * names them. A name missing here is an error with "did you mean"; a name here whose value does
 * not run yet is refused by UNSUPPORTED_KEYWORDS below, at its position. What is left runs.
 */

export const PLAY_KEYWORDS = new Set([
  'name', 'hosts', 'vars', 'vars_files', 'roles', 'pre_tasks', 'tasks', 'post_tasks', 'handlers',
  'gather_facts', 'gather_subset', 'gather_timeout', 'fact_path', 'serial', 'max_fail_percentage', 'any_errors_fatal', 'order', 'tags', 'become',
  'become_user', 'become_method', 'check_mode', 'diff', 'environment', 'ignore_errors', 'no_log',
  'remote_user', 'connection', 'strategy', 'force_handlers', 'ignore_unreachable', 'module_defaults',
  'collections', 'run_once', 'throttle', 'timeout', 'vars_prompt', 'port', 'debugger',
]);

/** Keywords shared by blocks and tasks. */
const COMMON = [
  'name', 'when', 'tags', 'become', 'become_user', 'become_method', 'check_mode', 'diff', 'environment',
  'ignore_errors', 'ignore_unreachable', 'no_log', 'vars', 'delegate_to', 'delegate_facts', 'run_once',
  'any_errors_fatal', 'remote_user', 'connection', 'module_defaults', 'collections', 'throttle', 'timeout',
  'debugger', 'port',
];

export const BLOCK_KEYWORDS = new Set([...COMMON, 'block', 'rescue', 'always', 'notify']);

export const TASK_KEYWORDS = new Set([
  ...COMMON, 'register', 'loop', 'loop_control', 'changed_when', 'failed_when', 'notify', 'until', 'retries',
  'delay', 'action', 'local_action', 'async', 'poll', 'args', 'listen',
  'with_items', 'with_list', 'with_dict', 'with_fileglob', 'with_sequence', 'with_together', 'with_indexed_items',
  'with_nested', 'with_subelements', 'with_first_found',
]);

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

/**
 * Keywords Ansible has that run nowhere here yet: accepted by name (so a typo still gets "did you
 * mean"), refused by value with the keyword's position, never silently ignored. Each entry says
 * which values do run (and where: `connection: local` in host-task.ts, `strategy: linear` is the
 * executor's only strategy). `gather_facts` and `delegate_facts` run (src/facts, src/executor). Every other keyword of PLAY/BLOCK/TASK_KEYWORDS has its
 * implementation in src/executor (see docs/ARCHITECTURE.md).
 */
export const UNSUPPORTED_KEYWORDS: Record<string, (v: unknown) => string | undefined> = {
  async: () => '"async" is not supported yet (tasks run to completion)',
  poll: () => '"poll" is not supported yet (tasks run to completion)',
  strategy: (v) => (v === 'linear' ? undefined : `strategy "${String(v)}" is not supported (only "linear")`),
  debugger: (v) => (v === 'never' ? undefined : '"debugger" is not supported'),
  vars_prompt: () => '"vars_prompt" is not supported; give the values with -e',
  module_defaults: () => '"module_defaults" is not supported yet; give the arguments on each task',
  timeout: () => 'the task keyword "timeout" is not supported yet',
  remote_user: () => '"remote_user" is not supported yet; set ansible_user in the inventory or -u',
  port: () => 'the keyword "port" is not supported yet; set ansible_port in the inventory',
  become_method: (v) => (v === 'sudo' ? undefined : `become_method "${String(v)}" is not supported (only "sudo")`),
  collections: (v) => (Array.isArray(v) && v.every((c) => c === 'ansible.builtin' || c === 'ansible.legacy') ? undefined : 'only the ansible.builtin collection is available'),
  ignore_unreachable: () => '"ignore_unreachable" is not supported yet',
  connection: (v) => (v === 'local' || v === 'ssh' || (typeof v === 'string' && v.includes('{{')) ? undefined : `connection "${String(v)}" is not supported (local or ssh)`),
};
