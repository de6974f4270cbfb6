/** group: a local group present (gid, system) or absent, with groupadd/groupmod/groupdel as Ansible's group module. */
import { shellQuote } from '../connection/connection.js';
import { argv, sh, why } from './lib/sh.js';
import type { Plan } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

const ARGS = {
  name: { type: 'str', required: true, description: 'Name of the group.' },
  state: { type: 'str', default: 'present', choices: ['present', 'absent'], description: 'Whether the group should exist.' },
  gid: { type: 'int', description: 'The numeric GID; an existing group with another GID is changed (groupmod -g).' },
  system: { type: 'bool', default: false, description: 'Create a system group (groupadd -r); only when the group is created.' },
  non_unique: { type: 'bool', default: false, description: 'Allow a GID that another group has (-o); needs gid.' },
  local: { type: 'bool', default: false, description: 'Accepted for compatibility; only false (groupadd and friends) is supported.' },
} as const;

/** A line of /etc/group as getent prints it. */
export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parseGroupLine(line: string): GroupEntry | undefined {
  const f = line.split(':');
  if (f.length < 4 || !/^\d+$/.test(f[2] ?? '')) return undefined;
  return { name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) };
}

interface GroupChange {
  name: string;
  script: string;
  /** Look the group up again afterwards (present). */
  reread: boolean;
  system: boolean;
}

export const group = defineModule({
  name: 'group',
  target: 'remote',
  checkMode: 'full',
  description: 'Add, change or remove a local group (groupadd, groupmod, groupdel), as ansible.builtin.group.',
  args: ARGS,
  validate(a) {
    const p: string[] = [];
    if (a.non_unique && a.gid === undefined) p.push('non_unique is true but gid is missing');
    if (a.local) p.push('local: true (luseradd/lgroupadd) is not supported');
    return p;
  },
  async check(ctx, args): Promise<GroupEntry | undefined> {
    const r = await sh(ctx, `getent group ${shellQuote(args.name)}`);
    if (r.rc === 2) return undefined;
    if (r.rc !== 0) throw new ModuleFailure(`group(${args.name}): getent group failed: ${why(r)}`);
    return parseGroupLine(r.stdout.trim().split('\n')[0] ?? '');
  },
  plan(cur, args): Plan<GroupChange> {
    const base = { name: args.name, state: args.state };
    if (args.state === 'absent') {
      if (!cur) return { ok: true, reason: `group ${args.name} does not exist`, data: base };
      return { change: { name: args.name, script: argv(['groupdel', args.name]), reread: false, system: args.system }, summary: `remove group ${args.name}`, diff: [{ path: `group ${args.name}`, before: `${args.name} (gid ${cur.gid})\n`, after: '' }] };
    }
    if (!cur) {
      const cmd: (string | number)[] = ['groupadd'];
      if (args.gid !== undefined) cmd.push('-g', args.gid, ...(args.non_unique ? ['-o'] : []));
      if (args.system) cmd.push('-r');
      cmd.push(args.name);
      return { change: { name: args.name, script: argv(cmd), reread: true, system: args.system }, summary: `add group ${args.name}${args.gid !== undefined ? ` (gid ${args.gid})` : ''}`, diff: [{ path: `group ${args.name}`, before: '', after: `${args.name}${args.gid !== undefined ? ` (gid ${args.gid})` : ''}\n` }] };
    }
    if (args.gid !== undefined && cur.gid !== args.gid) {
      const cmd = argv(['groupmod', '-g', args.gid, ...(args.non_unique ? ['-o'] : []), args.name]);
      return { change: { name: args.name, script: cmd, reread: true, system: args.system }, summary: `group ${args.name}: gid ${cur.gid} → ${args.gid}`, diff: [{ path: `group ${args.name}`, before: `gid ${cur.gid}\n`, after: `gid ${args.gid}\n` }] };
    }
    return { ok: true, reason: `group ${args.name} exists (gid ${cur.gid})`, data: { ...base, system: args.system, gid: cur.gid } };
  },
  async apply(ctx, c) {
    const r = await sh(ctx, c.reread ? `${c.script} && getent group ${shellQuote(c.name)}` : c.script);
    if (r.rc !== 0) throw new ModuleFailure(`group(${c.name}): ${why(r)}`, { name: c.name, msg: r.stderr.trim() });
    const data: Record<string, unknown> = { name: c.name, state: c.reread ? 'present' : 'absent' };
    if (c.reread) {
      const e = parseGroupLine(r.stdout.trim().split('\n').pop() ?? '');
      data['system'] = c.system;
      if (e) data['gid'] = e.gid;
    }
    return data;
  },
});
