/**
 * Host variable precedence as Ansible computes it (VariableManager.get_vars, default VARIABLE_PRECEDENCE):
 * `all` inventory vars, other groups' inventory vars (by depth, priority, name), group_vars/all beside each
 * source then beside the playbook, group_vars/<group> likewise, the host's inventory vars, host_vars/<host>.
 */
import type { Group, Host, Vars } from './data.js';
import type { VarsDir } from './varsfiles.js';

export function sortGroups(groups: Iterable<Group>): Group[] {
  return [...groups].sort((a, b) => a.depth - b.depth || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function mergeHostVars(host: Host, all: Group, sourceDirs: readonly VarsDir[], playDirs: readonly VarsDir[]): Vars {
  const groups = sortGroups([...host.groups].filter((g) => g !== all));
  const out: Vars = { ...all.vars };
  for (const g of groups) Object.assign(out, g.vars);
  for (const d of sourceDirs) Object.assign(out, d.group('all'));
  for (const d of playDirs) Object.assign(out, d.group('all'));
  for (const d of sourceDirs) for (const g of groups) Object.assign(out, d.group(g.name));
  for (const d of playDirs) for (const g of groups) Object.assign(out, d.group(g.name));
  Object.assign(out, host.vars);
  for (const d of sourceDirs) Object.assign(out, d.host(host.name));
  for (const d of playDirs) Object.assign(out, d.host(host.name));
  return out;
}
