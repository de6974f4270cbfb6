/** --list-hosts, --list-tasks, --list-tags in ansible-playbook's layout. */
import type { Inventory } from '../inventory/index.js';
import type { Node, Playbook } from '../playbook/model.js';
import { templateValue } from '../template/index.js';
import { shouldRunTags } from '../executor/tags.js';
import { limitFor } from '../executor/plan.js';

function tagList(tags: string[]): string {
  return `TAGS: [${[...new Set(tags)].join(', ')}]`;
}

export function listHosts(pb: Playbook, inv: Inventory, limit: string | undefined, extra: Record<string, unknown>): string {
  let s = `\nplaybook: ${pb.file}\n`;
  pb.plays.forEach((p, i) => {
    const pattern = String(templateValue(p.hosts, { ...p.vars, ...extra }));
    const { hosts } = inv.select(pattern, limitFor(pattern, limit));
    s += `\n  play #${i + 1} (${pattern}): ${p.name}\t${tagList(p.tags)}\n    pattern: ['${pattern}']\n    hosts (${hosts.length}):\n`;
    for (const h of hosts) s += `      ${h}\n`;
  });
  return s;
}

function* walk(nodes: Node[]): Generator<Extract<Node, { kind: 'task' | 'include' }>> {
  for (const n of nodes) {
    if (n.kind === 'block') {
      yield* walk(n.block);
      yield* walk(n.rescue);
      yield* walk(n.always);
    } else yield n;
  }
}

export function listTasks(pb: Playbook, only: string[], skip: string[]): string {
  let s = `\nplaybook: ${pb.file}\n`;
  pb.plays.forEach((p, i) => {
    s += `\n  play #${i + 1} (${p.hosts}): ${p.name}\t${tagList(p.tags)}\n    tasks:\n`;
    for (const t of walk([...p.preTasks, ...p.tasks, ...p.postTasks])) {
      if (!shouldRunTags(t.inh.tags, only, skip)) continue;
      const prefix = t.inh.role ? `${t.inh.role.name} : ` : '';
      s += `      ${prefix}${t.name}\t${tagList(t.inh.tags)}\n`;
    }
  });
  return s;
}

export function listTags(pb: Playbook): string {
  let s = `\nplaybook: ${pb.file}\n`;
  pb.plays.forEach((p, i) => {
    const all = new Set<string>(p.tags);
    for (const t of walk([...p.preTasks, ...p.tasks, ...p.postTasks])) for (const tag of t.inh.tags) all.add(tag);
    s += `\n  play #${i + 1} (${p.hosts}): ${p.name}\t${tagList(p.tags)}\n      TASK TAGS: [${[...all].sort().join(', ')}]\n`;
  });
  return s;
}
