/**
 * The plan stage: which hosts a play runs on, in which serial batches, and the task list every
 * batch walks. Pure: no I/O, no clock; the executor runs the plan it returns.
 */
import type { Inventory } from '../inventory/index.js';
import type { Node, Play, TaskNode } from '../playbook/model.js';
import { newTaskId } from '../playbook/tasks.js';
import { templateValue } from '../template/index.js';
import { serialBatches } from './serial.js';

export interface PlanOptions {
  /**
   * Variables for the play-level expressions (`hosts`, `serial`): the play's vars and vars_files,
   * extra vars over them, `groups`, `playbook_dir` (as Ansible's get_vars(play=play)).
   */
  vars: Record<string, unknown>;
  /** --limit. */
  limit?: string;
  /** Hosts an earlier play found failed or unreachable: they take no part in this play. */
  exclude?: ReadonlySet<string>;
  /** For `order: shuffle` (Math.random unless given). */
  random?: () => number;
}

export interface PlayPlan {
  play: Play;
  /** The rendered `hosts:` pattern. */
  pattern: string;
  /** The play's hosts, in the play's `order`. */
  hosts: string[];
  /** Pattern warnings (a name that matches no host or group). */
  warnings: string[];
  /** The hosts of each serial batch, in order (one batch without `serial`). */
  batches: string[][];
  /** The implicit "Gathering Facts" task (gather_facts, on by default). */
  gather?: TaskNode;
  /** pre_tasks, tasks, post_tasks: handlers are flushed after each. */
  sections: Node[][];
}

export function planPlay(play: Play, inventory: Inventory, options: PlanOptions): PlayPlan {
  const pattern = String(templateValue(play.hosts, options.vars));
  const { hosts: selected, warnings } = inventory.select(pattern, limitFor(pattern, options.limit));
  const hosts = orderHosts(selected.filter((h) => !options.exclude?.has(h)), play.order, options.random ?? Math.random);
  const plan: PlayPlan = { play, pattern, hosts, warnings, batches: [], sections: [play.preTasks, play.tasks, play.postTasks] };
  if (hosts.length === 0) return plan;
  plan.batches = serialBatches(hosts, serialOf(play, options.vars));
  if (play.gatherFacts) plan.gather = gatherTask(play);
  return plan;
}

/**
 * The control machine is not a fleet member: a play that targets only localhost (Vault tasks)
 * runs whatever the --limit, which selects inventory hosts.
 */
export function limitFor(pattern: string, limit: string | undefined): string | undefined {
  return /^\s*(localhost|127\.0\.0\.1)\s*$/.test(pattern) ? undefined : limit;
}

/** `serial`, templated; a template may produce a whole list (`serial: "{{ client_batches }}"`). */
function serialOf(play: Play, vars: Record<string, unknown>): unknown[] {
  const serial = play.serial.flatMap((s) => {
    const v = templateValue(s, vars);
    return Array.isArray(v) ? (v as unknown[]) : [v];
  });
  const bad = serial.find((s) => !(typeof s === 'number' || /^\s*\d+\s*%?\s*$/.test(String(s))));
  if (bad !== undefined) throw new Error(`play "${play.name}": serial must be a number, a percentage like "25%" or a list of them, got ${JSON.stringify(bad)}`);
  return serial;
}

function orderHosts(hosts: string[], order: Play['order'], random: () => number): string[] {
  switch (order) {
    case 'reverse_inventory':
      return [...hosts].reverse();
    case 'sorted':
      return [...hosts].sort();
    case 'reverse_sorted':
      return [...hosts].sort().reverse();
    case 'shuffle': {
      const a = [...hosts];
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      return a;
    }
    default:
      return hosts;
  }
}

/** The implicit setup task of a play (tagged always, as Ansible's). */
function gatherTask(play: Play): TaskNode {
  const args = play.gatherSubset !== undefined ? { gather_subset: play.gatherSubset } : {};
  return { kind: 'task', id: newTaskId(), name: 'Gathering Facts', action: 'setup', args, pos: play.pos, inh: { ...play.inh, when: [], tags: ['always'] }, retries: 0, delay: 0, notify: [], listen: [], isHandler: false };
}
