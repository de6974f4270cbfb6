/** Walks a play's task tree for one batch: blocks/rescue/always, includes, handlers, run_once. */
import path from 'node:path';
import pLimitFn from 'p-limit';
import type pLimit from 'p-limit';
import type { Node, Play, TaskNode, IncludeNode } from '../playbook/model.js';
import { TaskParser, newTaskId } from '../playbook/tasks.js';
import { templateValue } from '../template/index.js';
import { ProblemList, loadYamlFile, type YamlDoc } from '../yaml/index.js';
import { emptyStats, type HostStats, type HostStatus } from './events.js';
import { errMessage, resolveLoop, runTaskOnHost, whenHolds, type HostTaskResult, type TaskEnv } from './host-task.js';
import type { RunOptions } from './runner.js';
import { shouldRunTags } from './tags.js';
import { factTargets } from '../facts/store.js';
import type { VarStore } from './vars.js';
import { getModule } from '../modules/registry.js';

/** Modules that run once per task whatever the hosts (add_host: Ansible's BYPASS_HOST_LOOP). */
function bypassesHostLoop(action: string): boolean {
  return getModule(action)?.name === 'add_host';
}

export interface HostState {
  name: string;
  failed: boolean;
  unreachable: boolean;
  ended: boolean;
  notified: Set<string>;
}

export interface PlayRun {
  play: Play;
  opts: RunOptions;
  vars: VarStore;
  stats: Map<string, HostStats>;
  limiter: ReturnType<typeof pLimit>;
  playbookDir: string;
  batchSize: number;
  abort: boolean;
  /** What set `abort`, for the rollout.stop event. */
  abortCause?: 'max_fail_percentage' | 'any_errors_fatal';
  batchFailed: Set<string>;
  /** meta: end_play ran: no later batch of this play runs. */
  endPlay: boolean;
  /** Every host of the play (clear_host_errors reaches beyond the batch). */
  playHosts: HostState[];
}

/** Ansible's keys for why a task failed; stdout/stderr keep their last lines only. */
const DETAIL_KEYS = ['cmd', 'rc', 'msg', 'stdout', 'stderr', 'delta', 'status', 'url', 'path', 'dest'] as const;
const TAIL_LINES = 20;

function tail(s: string): string {
  const lines = s.split('\n');
  return lines.length > TAIL_LINES ? `[${lines.length - TAIL_LINES} lines before]\n${lines.slice(-TAIL_LINES).join('\n')}` : s;
}

function failureDetail(r: HostTaskResult): { detail?: Record<string, unknown> } {
  const reg = r.registered;
  const detail: Record<string, unknown> = {};
  for (const k of DETAIL_KEYS) {
    const v = reg[k];
    if (v === undefined || v === null) continue;
    detail[k] = typeof v === 'string' && (k === 'stdout' || k === 'stderr') ? tail(v) : v;
  }
  if (r.msg !== undefined) detail['msg'] = r.msg;
  return Object.keys(detail).length > 0 ? { detail } : {};
}

/** The implicit setup task of a play (tagged always, as Ansible's). */
function gatherTask(play: Play): TaskNode {
  const args = play.gatherSubset !== undefined ? { gather_subset: play.gatherSubset } : {};
  return { kind: 'task', id: newTaskId(), name: 'Gathering Facts', action: 'setup', args, pos: play.pos, inh: { ...play.inh, when: [], tags: ['always'] }, retries: 0, delay: 0, notify: [], listen: [], isHandler: false };
}

const NO_LOG_MSG = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";
let dynamicId = 1_000_000;
const MAX_INCLUDE_DEPTH = 100;

function skippedResult(when: unknown[]): HostTaskResult {
  return { status: 'skipped', changed: false, reason: 'conditional result was False', registered: { changed: false, skipped: true, skip_reason: 'Conditional result was False', false_condition: String(when.at(-1)) } };
}

export class NodeRunner {
  private readonly env: TaskEnv;
  /** Depth of blocks with a rescue being run: their failures are not counted against
   * max_fail_percentage / any_errors_fatal until the rescue has had its chance (as Ansible). */
  private rescuable = 0;
  /** include_tasks nesting: a file that includes itself stops at MAX_INCLUDE_DEPTH. */
  private includeDepth = 0;
  /** Loop variables of the include_tasks each host is inside (per host: items may differ). */
  private readonly includeExtra = new Map<string, Record<string, unknown>>();
  constructor(private readonly run: PlayRun) {
    const { opts } = run;
    this.env = {
      pool: opts.pool,
      secrets: opts.secrets,
      vault: opts.vault,
      checkMode: opts.checkMode,
      diffMode: opts.diffMode,
      playbookDir: run.playbookDir,
      signal: opts.signal,
      log: (host, message) => opts.bus.emit({ type: 'log', host, message, verbosity: 1 }),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      verbosity: opts.verbosity,
      hostVars: (host) => run.vars.hostvars[host] as Record<string, unknown> | undefined,
      changeInventory: (op) => run.vars.changeInventory(op),
    };
  }

  private active(hosts: HostState[]): HostState[] {
    return hosts.filter((h) => !h.failed && !h.unreachable && !h.ended);
  }

  private stopped(): boolean {
    return this.run.abort || this.run.opts.signal.aborted;
  }

  async runPlayBatch(hosts: HostState[]): Promise<void> {
    const { play } = this.run;
    // gather_facts (default true): the implicit "Gathering Facts" task opens every batch, as in Ansible
    if (play.gatherFacts && !this.stopped()) await this.runTask(gatherTask(play), this.active(hosts));
    for (const section of [play.preTasks, play.tasks, play.postTasks]) {
      if (this.stopped()) break;
      await this.runNodes(section, hosts);
      await this.flushHandlers(hosts);
    }
  }

  async runNodes(nodes: Node[], hosts: HostState[]): Promise<void> {
    for (const node of nodes) {
      if (this.stopped()) return;
      const active = this.active(hosts);
      if (active.length === 0) return;
      if (node.kind === 'task') await this.runTask(node, active);
      else if (node.kind === 'block') await this.runBlock(node, active);
      else await this.runInclude(node, active);
    }
  }

  private async runBlock(node: Extract<Node, { kind: 'block' }>, hosts: HostState[]): Promise<void> {
    // a failure inside a block with rescue or always does not trip any_errors_fatal /
    // max_fail_percentage while that block runs (Ansible: the host is then in RESCUE/ALWAYS)
    const guarded = node.rescue.length > 0 || node.always.length > 0;
    if (guarded) this.rescuable++;
    try {
      await this.runNodes(node.block, hosts);
    } finally {
      if (guarded) this.rescuable--;
    }
    const failed = hosts.filter((h) => h.failed && !h.unreachable);
    if (node.rescue.length > 0 && failed.length > 0 && !this.stopped()) {
      for (const h of failed) {
        h.failed = false;
        this.run.vars.hostFailed(h.name, false);
        this.run.batchFailed.delete(h.name);
        const s = this.run.stats.get(h.name)!;
        s.failed = Math.max(0, s.failed - 1);
        s.rescued++;
      }
      await this.runNodes(node.rescue, failed);
    }
    if (node.always.length > 0 && !this.run.opts.signal.aborted) {
      const stillFailed = hosts.filter((h) => h.failed && !h.unreachable);
      for (const h of stillFailed) h.failed = false;
      await this.runNodes(node.always, hosts.filter((h) => !h.unreachable));
      for (const h of stillFailed) h.failed = true;
    }
  }

  /** The variables of one task on one host, with the loop variables of the includes it is in. */
  private varsFor(host: string, inh: TaskNode['inh'], extra?: Record<string, unknown>): Record<string, unknown> {
    const inc = this.includeExtra.get(host);
    return this.run.vars.forTask(host, inh, inc || extra ? { ...inc, ...extra } : undefined);
  }

  /** Per host, the files an include brings in: one per loop item (whose `when` holds), or one. */
  private includeRuns(node: IncludeNode, h: HostState): { file: string; extra?: Record<string, unknown> }[] {
    const vars = this.varsFor(h.name, node.inh);
    const fileOf = (v: Record<string, unknown>): string => path.resolve(node.baseDir, String(templateValue(node.file, v)));
    if (!node.loop) return whenHolds(node.inh.when, vars) ? [{ file: fileOf(vars) }] : [];
    const loop = node.loop;
    const runs: { file: string; extra?: Record<string, unknown> }[] = [];
    resolveLoop(loop, vars).forEach((item, i) => {
      const extra: Record<string, unknown> = { [loop.loopVar]: item, ansible_loop_var: loop.loopVar, ...(loop.indexVar ? { [loop.indexVar]: i } : {}) };
      const iv = this.varsFor(h.name, node.inh, extra);
      if (whenHolds(node.inh.when, iv)) runs.push({ file: fileOf(iv), extra });
    });
    return runs;
  }

  private async loadInclude(node: IncludeNode, file: string, group: HostState[]): Promise<Node[] | undefined> {
    if (node.preloaded) return node.preloaded;
    const problems = new ProblemList();
    const parser = new TaskParser({ problems, rolesPath: [], yaml: async (f: string): Promise<YamlDoc | undefined> => loadYamlFile(f) });
    const nodes = (await parser.loadTaskFile(file, { doc: undefined as unknown as YamlDoc, baseDir: node.baseDir, inh: node.inh, isHandler: false, section: 'tasks' }, { ...node.inh, when: [] }, node.pos)) ?? [];
    if (!problems.hasErrors) return nodes;
    for (const h of group) this.record(node.name, node.id, h, { status: 'failed', changed: false, msg: problems.format(), registered: {} }, 0, false);
    return undefined;
  }

  private async runInclude(node: IncludeNode, hosts: HostState[]): Promise<void> {
    const plans = new Map<HostState, { file: string; extra?: Record<string, unknown> }[]>();
    const id = node.id;
    this.run.opts.bus.emit({ type: 'task.start', id, name: node.name, module: 'include_tasks', hosts: hosts.map((h) => h.name), handler: false, ...(node.pos ? { pos: node.pos } : {}) });
    for (const h of hosts) {
      try {
        const runs = this.includeRuns(node, h);
        if (runs.length === 0) continue;
        plans.set(h, runs);
        // as Ansible: the include itself is ok once per file it brings in
        this.record(node.name, id, h, { status: 'ok', changed: false, registered: {} }, 0, false);
        this.run.stats.get(h.name)!.ok += runs.length - 1;
      } catch (err) {
        this.record(node.name, id, h, { status: 'failed', changed: false, msg: errMessage(err), registered: { failed: true, msg: errMessage(err) } }, 0, false);
      }
    }
    this.run.opts.bus.emit({ type: 'task.end', id, name: node.name });
    const steps = Math.max(0, ...[...plans.values()].map((r) => r.length));
    for (let i = 0; i < steps; i++) {
      const groups = new Map<string, HostState[]>();
      const saved = new Map<string, Record<string, unknown> | undefined>();
      for (const [h, runs] of plans) {
        const r = runs[i];
        if (!r) continue;
        groups.set(r.file, [...(groups.get(r.file) ?? []), h]);
        saved.set(h.name, this.includeExtra.get(h.name));
        if (r.extra) this.includeExtra.set(h.name, { ...this.includeExtra.get(h.name), ...r.extra });
      }
      try {
        for (const [file, group] of groups) await this.runIncludedFile(node, file, group);
      } finally {
        for (const [h, v] of saved) {
          if (v) this.includeExtra.set(h, v);
          else this.includeExtra.delete(h);
        }
      }
    }
  }

  private async runIncludedFile(node: IncludeNode, file: string, group: HostState[]): Promise<void> {
    const nodes = await this.loadInclude(node, file, group);
    if (!nodes) return;
    if (this.includeDepth >= MAX_INCLUDE_DEPTH) {
      const msg = `include_tasks: more than ${MAX_INCLUDE_DEPTH} nested includes (${path.basename(file)} includes itself?); stopping`;
      for (const h of group) this.record(node.name, node.id, h, { status: 'failed', changed: false, msg, registered: { failed: true, msg } }, 0, false);
      return;
    }
    this.includeDepth++;
    try {
      await this.runNodes(nodes, group);
    } finally {
      this.includeDepth--;
    }
  }

  async runTask(task: TaskNode, hosts: HostState[]): Promise<void> {
    const { opts } = this.run;
    if (!task.isHandler && !shouldRunTags(this.tagsOf(task, hosts), opts.tags, opts.skipTags)) return;
    // add_host bypasses the host loop: it runs once, as run_once (Ansible's BYPASS_HOST_LOOP)
    const runOnce = task.inh.runOnce || bypassesHostLoop(task.action);
    const targets = runOnce ? hosts.slice(0, 1) : hosts;
    const id = task.isHandler ? dynamicId++ : task.id;
    opts.bus.emit({ type: 'task.start', id, name: task.name, module: task.action, hosts: targets.map((h) => h.name), handler: task.isHandler, ...(task.inh.role ? { role: task.inh.role.name } : {}), ...(task.pos ? { pos: task.pos } : {}) });
    const throttle = this.throttleFor(task, targets);
    const limit = throttle ? pLimitFn(throttle) : undefined;
    const results = await Promise.all(targets.map((h) => (limit ? limit(() => this.run.limiter(() => this.runOnHost(task, id, h))) : this.run.limiter(() => this.runOnHost(task, id, h)))));
    // (add_host's own bypass registers on the host that ran it only, as in Ansible)
    if (task.inh.runOnce && results[0]) {
      // run_once: the result (and registered value) applies to every host of the batch; a
      // failure fails them all, as in Ansible ("NO MORE HOSTS LEFT"), so none goes on without it
      const [first] = results;
      const failedAll = first.status === 'failed' && !first.ignored;
      for (const h of hosts.slice(1)) {
        if (failedAll) {
          h.failed = true;
          this.run.batchFailed.add(h.name);
          continue;
        }
        if (task.register) this.run.vars.hostFacts(h.name)[task.register] = first.registered;
        if (first.facts) this.storeFacts(task, h.name, first);
        if (first.changed) this.notify(task, h);
      }
    }
    opts.bus.emit({ type: 'task.end', id, name: task.name });
    const anyFailed = results.some((r) => r && r.status === 'failed' && !r.ignored);
    if (this.rescuable === 0) {
      if (anyFailed && (this.run.play.anyErrorsFatal || task.inh.anyErrorsFatal)) this.stopRollout('any_errors_fatal');
      const mfp = this.run.play.maxFailPercentage;
      if (mfp !== undefined && this.run.batchFailed.size / this.run.batchSize > mfp / 100) this.stopRollout('max_fail_percentage');
    }
    const meta = results.find((r) => r?.meta)?.meta;
    if (meta === 'flush_handlers') await this.flushHandlers(hosts);
    // end_play ends the whole play (every later serial batch too); end_batch only this batch
    if (meta === 'end_play') {
      this.run.endPlay = true;
      for (const h of hosts) h.ended = true;
    }
    if (meta === 'end_batch') for (const h of hosts) h.ended = true;
    if (meta === 'clear_host_errors') this.clearHostErrors();
  }

  private stopRollout(cause: 'max_fail_percentage' | 'any_errors_fatal'): void {
    if (!this.run.abort) this.run.abortCause = cause;
    this.run.abort = true;
  }

  private async runOnHost(task: TaskNode, id: number, host: HostState): Promise<HostTaskResult | undefined> {
    if (this.run.opts.signal.aborted) return undefined;
    this.run.opts.bus.emit({ type: 'host.start', taskId: id, host: host.name });
    const t0 = Date.now();
    const base = this.varsFor(host.name, task.inh);
    let result: HostTaskResult;
    try {
      // with a loop, `when` is evaluated per item (it may use the item), as in Ansible
      if (task.loop) result = await this.runLoop(task, host, base);
      else if (!whenHolds(task.inh.when, base)) result = skippedResult(task.inh.when);
      else result = await runTaskOnHost(task, host.name, base, this.env);
    } catch (err) {
      result = { status: 'failed', changed: false, msg: errMessage(err), registered: { failed: true, msg: errMessage(err) } };
    }
    if (result.status === 'failed' && task.inh.ignoreErrors) result.ignored = true;
    if (result.status === 'failed' && !result.ignored) {
      // what a rescue section reads, as Ansible sets them (they stay for the rest of the run)
      const facts = this.run.vars.hostFacts(host.name);
      facts['ansible_failed_task'] = { name: task.name, action: task.action, ...(task.inh.tags.length > 0 ? { tags: task.inh.tags } : {}) };
      facts['ansible_failed_result'] = { ...result.registered, ...(result.msg !== undefined && result.registered['msg'] === undefined ? { msg: result.msg } : {}) };
    }
    // meta tasks report nothing and count nothing; one skipped by `when` shows as skipped, uncounted
    if (task.action !== 'meta' || result.status === 'failed') this.record(task.name, id, host, result, Date.now() - t0, task.inh.noLog === true);
    else if (result.status === 'skipped') this.record(task.name, id, host, result, Date.now() - t0, task.inh.noLog === true, false);
    if (task.register) this.run.vars.hostFacts(host.name)[task.register] = result.registered;
    if (result.facts) this.storeFacts(task, host.name, result);
    if (result.changed) this.notify(task, host);
    if (result.meta === 'end_host') host.ended = true;
    return result;
  }

  private async runLoop(task: TaskNode, host: HostState, base: Record<string, unknown>): Promise<HostTaskResult> {
    const loop = task.loop!;
    const items = resolveLoop(loop, base);
    const results: Record<string, unknown>[] = [];
    let changed = false;
    let failed = false;
    let allSkipped = items.length > 0;
    const msgs: string[] = [];
    const outputs: unknown[] = [];
    // facts returned by items (set_fact, include_vars, setup in a loop) apply in item order, as Ansible's
    let facts: Record<string, unknown> | undefined;
    for (let i = 0; i < items.length; i++) {
      if (this.run.opts.signal.aborted) break;
      const item = items[i];
      const extra: Record<string, unknown> = { [loop.loopVar]: item, ansible_loop_var: loop.loopVar };
      if (loop.indexVar) extra[loop.indexVar] = i;
      if (loop.extended) extra['ansible_loop'] = { index: i + 1, index0: i, first: i === 0, last: i === items.length - 1, length: items.length, revindex: items.length - i, revindex0: items.length - i - 1 };
      const vars = this.varsFor(host.name, task.inh, extra);
      let r: HostTaskResult;
      try {
        if (!whenHolds(task.inh.when, vars)) r = skippedResult(task.inh.when);
        else r = await runTaskOnHost(task, host.name, vars, this.env);
      } catch (err) {
        r = { status: 'failed', changed: false, msg: errMessage(err), registered: { failed: true, msg: errMessage(err) } };
      }
      if (r.status === 'unreachable') return r;
      // set_fact in a loop: each item sees the facts of the items before it
      if (r.facts) Object.assign(this.run.vars.hostFacts(host.name), r.facts);
      if (r.status !== 'skipped') allSkipped = false;
      if (r.output !== undefined) outputs.push(r.output);
      if (r.facts) facts = { ...facts, ...r.facts };
      changed ||= r.changed || r.registered['changed'] === true;
      if (r.status === 'failed') {
        failed = true;
        if (r.msg) msgs.push(r.msg);
      }
      results.push({ ...r.registered, [loop.loopVar]: item, ansible_loop_var: loop.loopVar });
      if (loop.pause) await this.env.sleep(loop.pause * 1000);
    }
    if (items.length === 0) return { status: 'skipped', changed: false, reason: 'No items in the list', registered: { results: [], changed: false, skipped: true, skipped_reason: 'No items in the list' } };
    const status: HostStatus = failed ? 'failed' : allSkipped ? 'skipped' : changed ? 'changed' : 'ok';
    const out: HostTaskResult = { status, changed, registered: { results, changed, ...(failed ? { failed: true, msg: 'One or more items failed' } : { msg: 'All items completed' }), ...(allSkipped ? { skipped: true } : {}) } };
    if (failed) out.msg = msgs.length === 1 ? msgs[0]! : `one or more items failed: ${msgs.join('; ')}`;
    if (outputs.length > 0) out.output = outputs;
    if (facts) out.facts = facts;
    return out;
  }

  private storeFacts(task: TaskNode, host: string, r: HostTaskResult): void {
    this.run.vars.storeFacts(factTargets(host, r.delegatedTo, task.delegateFacts), task.action, r.facts ?? {}, r.registered['cacheable'] === true);
  }

  /** Tags written as templates (`tags: "{{ list }}"`) are rendered with the first host's vars. */
  private tagsOf(task: TaskNode, hosts: HostState[]): string[] {
    if (!task.inh.tags.some((t) => t.includes('{{')) || hosts.length === 0) return task.inh.tags;
    const vars = this.varsFor(hosts[0]!.name, task.inh);
    return task.inh.tags.flatMap((t) => {
      if (!t.includes('{{')) return [t];
      const v = templateValue(t, vars);
      return (Array.isArray(v) ? v : String(v).split(',')).map((x) => String(x).trim()).filter(Boolean);
    });
  }

  /** `throttle`: a positive number (0 means no limit), templated with the first host's vars. */
  private throttleFor(task: TaskNode, hosts: HostState[]): number | undefined {
    const t = task.inh.throttle;
    if (t === undefined || hosts.length === 0) return undefined;
    const n = Number(typeof t === 'number' ? t : templateValue(t, this.varsFor(hosts[0]!.name, task.inh)));
    if (!Number.isInteger(n) || n < 0) throw new Error(`throttle: "${String(t)}" is not a whole number`);
    return n > 0 ? n : undefined;
  }

  private notify(task: TaskNode, host: HostState): void {
    for (const n of task.notify) host.notified.add(String(templateValue(n, this.varsFor(host.name, task.inh))));
  }

  /**
   * meta: clear_host_errors, as Ansible: the failed hosts of the play are no longer failed (the
   * run's exit code and later plays), though they do not come back into this play's tasks.
   */
  private clearHostErrors(): void {
    for (const h of this.run.playHosts) {
      if (!h.failed) continue;
      h.failed = false;
      h.ended = true;
      this.run.vars.hostFailed(h.name, false);
      this.run.batchFailed.delete(h.name);
    }
  }

  private record(taskName: string, id: number, host: HostState, r: HostTaskResult, durationMs: number, noLog: boolean, count = true): void {
    const s = count ? this.run.stats.get(host.name)! : emptyStats();
    if (r.status === 'unreachable') {
      host.unreachable = true;
      this.run.opts.pool.markUnreachable(host.name, r.msg ?? 'unreachable');
      this.run.batchFailed.add(host.name);
      s.unreachable++;
    } else if (r.status === 'failed' && r.ignored) {
      // as Ansible's strategy: an ignored failure counts as ignored and ok (and changed)
      s.ignored++;
      s.ok++;
      if (r.registered['changed'] === true) s.changed++;
    }
    else if (r.status === 'failed') {
      host.failed = true;
      this.run.vars.hostFailed(host.name);
      this.run.batchFailed.add(host.name);
      s.failed++;
    } else if (r.status === 'skipped') s.skipped++;
    else {
      s.ok++;
      if (r.changed) s.changed++;
    }
    this.run.opts.bus.emit({
      type: 'host.result',
      taskId: id,
      task: taskName,
      host: host.name,
      status: r.status,
      changed: r.changed,
      ...(r.ignored ? { ignored: true } : {}),
      ...(r.msg !== undefined ? { msg: noLog ? NO_LOG_MSG : r.msg } : {}),
      ...(r.reason !== undefined ? { reason: noLog ? 'hidden (no_log)' : r.reason } : {}),
      ...(r.diff && !noLog ? { diff: r.diff } : {}),
      ...(r.delegatedTo ? { delegatedTo: r.delegatedTo } : {}),
      ...(r.output !== undefined ? { output: noLog ? NO_LOG_MSG : r.output } : {}),
      ...((r.status === 'failed' || r.status === 'unreachable') && !noLog ? failureDetail(r) : {}),
      durationMs,
    });
  }

  async flushHandlers(hosts: HostState[]): Promise<void> {
    const force = this.run.play.forceHandlers;
    const consumed: [HostState, string[]][] = [];
    for (const handler of this.run.play.handlers) {
      if (this.stopped()) break;
      const names = [handler.name, ...handler.listen];
      const targets = hosts.filter((h) => (force ? !h.unreachable : !h.failed && !h.unreachable) && names.some((n) => h.notified.has(n)));
      if (targets.length === 0) continue;
      for (const h of targets) consumed.push([h, names]);
      await this.runTask(handler, targets);
    }
    // Several handlers may listen to one topic: notifications are consumed after the whole flush.
    for (const [h, names] of consumed) for (const n of names) h.notified.delete(n);
  }
}
