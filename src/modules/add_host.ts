/**
 * add_host: a host (with variables and groups) added to the run's in-memory inventory so later
 * plays can target it, as Ansible's add_host. It runs once per task whatever the play's hosts
 * (Ansible's BYPASS_HOST_LOOP; in a loop, once per item). The executor makes the change (the
 * `inventory` channel) and reports changed when the inventory did change.
 */
import { parseAddress } from '../inventory/index.js';
import type { Plan } from './types.js';
import { defineModule } from './types.js';

const NAMED = new Set(['name', 'groups']);

/** `host:port` → name and port, as Ansible's parse_address (a name it cannot parse is kept whole). */
function splitAddress(value: string): { name: string; port?: number } {
  const a = parseAddress(value, false);
  if (!a) return { name: value };
  return a.port !== undefined ? { name: a.host, port: a.port } : { name: a.host };
}

export const add_host = defineModule({
  name: 'add_host',
  description: 'Add a host, with variables and groups, to the in-memory inventory so later plays can target it (runs once per task)',
  target: 'controller',
  checkMode: 'full',
  args: {
    name: { type: 'str', required: true, aliases: ['host', 'hostname'], description: 'the host\'s name, optionally with :port (sets ansible_ssh_port)' },
    groups: { type: 'list', elements: 'str', aliases: ['group', 'groupname'], description: 'groups to put the host in (a list, or comma-separated)' },
    '*': { type: 'raw', description: 'any other key is a variable of the host (ansible_host, ansible_user, ...)' },
  },
  check: async () => undefined,
  plan(_s, args): Plan<never> {
    const { name, port } = splitAddress(args.name);
    const groups: string[] = [];
    for (const g of (args.groups ?? []).map((x) => x.trim())) if (g && !groups.includes(g)) groups.push(g);
    const vars: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) if (!NAMED.has(k)) vars[k] = v;
    if (port !== undefined) vars['ansible_ssh_port'] = port;
    return {
      ok: true,
      reason: `${name} in the inventory${groups.length ? ` (groups ${groups.join(', ')})` : ''}`,
      data: { add_host: { host_name: name, groups, host_vars: vars } },
      inventory: { op: 'add_host', name, groups, vars },
    };
  },
});
