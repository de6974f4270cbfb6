/**
 * `module_defaults` on plays, blocks and tasks, as ansible-core 2.14 (playbook/base.py
 * _load_module_defaults, executor/module_common.py get_action_args_with_defaults): a mapping (or
 * a list of mappings) from an action name or `group/NAME` to default arguments. Keys are static
 * and resolved when loading (`file`, `ansible.builtin.file` and `ansible.legacy.file` are one
 * action); values may be templates. The levels merge outer to inner, later entries win; a group's
 * defaults come first, then the action's own, then the task's arguments win over all.
 */
import { getModule } from '../modules/registry.js';
import { isRecord } from './common.js';

/** One level's defaults with resolved keys: a module's canonical name, or `group/<collection>.<group>`. */
export type ModuleDefaults = Record<string, unknown>;

/**
 * Action groups, as collections declare them (meta/runtime.yml action_groups). ansible.builtin's
 * groups (config/ansible_builtin_runtime.yml) gather modules of other collections, none of which
 * run here: they resolve, and give defaults to no module.
 */
export const ACTION_GROUPS: Record<string, readonly string[]> = {
  'ansible.builtin.testgroup': [],
  'ansible.builtin.testlegacy': [],
  'ansible.builtin.aws': [],
  'ansible.builtin.acme': [],
  'ansible.builtin.azure': [],
  'ansible.builtin.cpm': [],
  'ansible.builtin.docker': [],
  'ansible.builtin.gcp': [],
  'ansible.builtin.k8s': [],
  'ansible.builtin.os': [],
  'ansible.builtin.ovirt': [],
  'ansible.builtin.vmware': [],
};

const MUST_BE = "The field 'module_defaults' is supposed to be a dictionary or list of dictionaries, the keys of which must be static action, module, or group names. Only the values may contain templates. For example: {'ping': \"{{ ping_defaults }}\"}";

/** A group name as Ansible resolves it: unqualified names are ansible.builtin's. */
function fqGroup(name: string): string {
  return name.split('.').length >= 3 ? name : `ansible.builtin.${name}`;
}

/** Parse one level's `module_defaults`; problems are Ansible's load errors, each with the key it is about. */
export function parseModuleDefaults(value: unknown): { defaults: ModuleDefaults[]; problems: { key?: string; message: string }[] } {
  const problems: { key?: string; message: string }[] = [];
  const defaults: ModuleDefaults[] = [];
  if (value === undefined || value === null) return { defaults, problems };
  for (const layer of Array.isArray(value) ? value : [value]) {
    if (!isRecord(layer)) {
      problems.push({ message: MUST_BE });
      continue;
    }
    const out: ModuleDefaults = {};
    for (const [key, v] of Object.entries(layer)) {
      if (key.startsWith('group/')) {
        const group = fqGroup(key.slice('group/'.length));
        if (!(group in ACTION_GROUPS)) problems.push({ key, message: `Error loading module_defaults: could not resolve the module_defaults group ${group}` });
        else out[`group/${group}`] = v;
        continue;
      }
      const def = getModule(key);
      if (!def) problems.push({ key, message: `Could not resolve action ${key} in module_defaults` });
      else out[def.name] = v;
    }
    defaults.push(out);
  }
  return { defaults, problems };
}

/**
 * A task's arguments with the defaults of its levels (outer first) for `action` under them;
 * `render` templates a default given whole as a template (`file: "{{ file_defaults }}"`); the
 * values in it are templated with the task's arguments.
 */
export function argsWithDefaults(action: string, args: unknown, levels: readonly ModuleDefaults[], render: (v: unknown) => unknown): unknown {
  if (levels.length === 0) return args;
  const def = getModule(action);
  if (!def || !(isRecord(args) || args === undefined || args === null)) return args;
  const merged: ModuleDefaults = Object.assign({}, ...levels);
  const value = (key: string): unknown => {
    const v = merged[key];
    return typeof v === 'string' && v.includes('{{') ? render(v) : v;
  };
  const groups = Object.entries(ACTION_GROUPS).filter(([, members]) => members.includes(def.name)).map(([g]) => `group/${g}`);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(merged)) {
    if (!groups.includes(key)) continue;
    const v = value(key);
    if (isRecord(v)) Object.assign(out, v);
  }
  const own = def.name in merged ? value(def.name) : undefined;
  if (isRecord(own)) Object.assign(out, own);
  if (Object.keys(out).length === 0) return args;
  return { ...out, ...(isRecord(args) ? args : {}) };
}
