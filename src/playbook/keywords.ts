/** Keywords accepted at each level, as Ansible knows them (those we implement). */

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
