/**
 * group_by: the host put in a group named from its variables (`key: os_{{ ansible_os_family }}`),
 * in the run's in-memory inventory, so later plays (and `groups`) see it, as Ansible's group_by.
 * The executor makes the change (the `inventory` channel) and reports changed when the host was
 * not in the group yet.
 */
import type { Plan } from './types.js';
import { defineModule } from './types.js';

export const group_by = defineModule({
  name: 'group_by',
  description: 'Put the host in a group named from its variables, in the in-memory inventory, for later plays',
  target: 'controller',
  checkMode: 'full',
  args: {
    key: { type: 'str', required: true, description: 'the group\'s name (spaces become dashes)' },
    parents: { type: 'list', elements: 'str', default: ['all'], description: 'groups the new group is made a child of' },
  },
  check: async () => undefined,
  plan(_s, args, ctx): Plan<never> {
    const group = args.key.replace(/ /g, '-');
    const parents = args.parents.map((p) => p.replace(/ /g, '-'));
    return {
      ok: true,
      reason: `${ctx.host} in group ${group}`,
      data: { add_group: group, parent_groups: parents },
      inventory: { op: 'group_by', host: ctx.host, group, parents },
    };
  },
});
