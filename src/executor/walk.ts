/** Walks a planned play's task tree for one batch: blocks/rescue/always, includes, handlers, run_once, meta. */
import path from 'node:path';
import pLimitFn from 'p-limit';
import type { IncludeNode, Node, TaskNode } from '../playbook/model.js';
import { markRaw, templateValue } from '../template/index.js';
import { factTargets } from '../facts/store.js';
import { systemClock } from '../util/clock.js';
import { whenHolds } from './conditions.js';
import { runTaskOnHost, type TaskEnv } from './host-task.js';
import { includeRuns, loadIncluded, type IncludeRun } from './include.js';
import { loopItemsOrSkip, runLoop } from './loop.js';
import type { PlayPlan } from './plan.js';
import { record, type Recorded } from './record.js';
import { errMessage, failedResult, skippedResult, type HostTaskResult } from './result.js';
import type { HostState, PlayRun } from './state.js';
import { shouldRunTags } from './tags.js';
import { getModule } from '../modules/registry.js';

/** Modules that run once per task whatever the hosts (add_host, pause: Ansible's BYPASS_HOST_LOOP). */
function bypassesHostLoop(action: string): boolean {
  const name = getModule(action)?.name;
  return name === 'add_host' || name === 'pause';
}

let dynamicId = 1_000_000;
const MAX_INCLUDE_DEPTH = 100;

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
      clock: opts.clock ?? systemClock,
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

  private record(r: Recorded): void {
    record(this.run, r);
  }

  async runPlayBatch(plan: PlayPlan, hosts: HostState[]): Promise<void> {
    // gather_facts (default true): the implicit "Gathering Facts" task opens every batch, as in Ansible
    if (plan.gather && !this.stopped()) await this.runTask(plan.gather, this.active(hosts));
    for (const section of plan.sections) {
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

  private async runInclude(node: IncludeNode, hosts: HostState[]): Promise<void> {
    const plans = new Map<HostState, IncludeRun[]>();
    const id = node.id;
    const rec = (host: HostState, result: HostTaskResult): void => this.record({ taskName: node.name, id, host, result, durationMs: 0, noLog: false });
    this.run.opts.bus.emit({ type: 'task.start', id, name: node.name, module: 'include_tasks', hosts: hosts.map((h) => h.name), handler: false, ...(node.pos ? { pos: node.pos } : {}) });
    for (const h of hosts) {
      try {
        const runs = includeRuns(node, (inh, extra) => this.varsFor(h.name, inh, extra));
        if (runs.length === 0) {
          // as Ansible: an include whose `when` is false (or whose loop brings nothing) is skipped on that host
          rec(h, { status: 'skipped', changed: false, reason: 'conditional result was False', registered: { changed: false, skipped: true } });
          continue;
        }
        plans.set(h, runs);
        // as Ansible: the include itself is ok once per file it brings in
        rec(h, { status: 'ok', changed: false, registered: {} });
        this.run.stats.get(h.name)!.ok += runs.length - 1;
      } catch (err) {
        rec(h, failedResult(errMessage(err)));
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
    const loaded = await loadIncluded(node, file);
    const fail = (msg: string, registered: HostTaskResult['registered']): void => {
      for (const host of group) this.record({ taskName: node.name, id: node.id, host, result: { status: 'failed', changed: false, msg, registered }, durationMs: 0, noLog: false });
    };
    if ('problems' in loaded) return fail(loaded.problems, {});
    if (this.includeDepth >= MAX_INCLUDE_DEPTH) {
      const msg = `include_tasks: more than ${MAX_INCLUDE_DEPTH} nested includes (${path.basename(file)} includes itself?); stopping`;
      return fail(msg, { failed: true, msg });
    }
    this.includeDepth++;
    try {
      await this.runNodes(loaded.nodes, group);
    } finally {
      this.includeDepth--;
    }
  }

  async runTask(task: TaskNode, hosts: HostState[]): Promise<void> {
    const { opts } = this.run;
    if (!task.isHandler && !shouldRunTags(this.tagsOf(task, hosts), opts.tags, opts.skipTags)) return;
    // add_host and pause bypass the host loop: it runs once, as run_once (Ansible's BYPASS_HOST_LOOP)
    const runOnce = task.inh.runOnce || bypassesHostLoop(task.action);
    const targets = runOnce ? hosts.slice(0, 1) : hosts;
    const id = task.isHandler ? dynamicId++ : task.id;
    opts.bus.emit({ type: 'task.start', id, name: task.name, module: task.action, hosts: targets.map((h) => h.name), handler: task.isHandler, ...(task.inh.role ? { role: task.inh.role.name } : {}), ...(task.pos ? { pos: task.pos } : {}) });
    const throttle = this.throttleFor(task, targets);
    const limit = throttle ? pLimitFn(throttle) : undefined;
    const results = await Promise.all(targets.map((h) => (limit ? limit(() => this.run.limiter(() => this.runOnHost(task, id, h))) : this.run.limiter(() => this.runOnHost(task, id, h)))));
    if (task.inh.runOnce && results[0]) this.shareRunOnce(task, hosts, results[0]);
    opts.bus.emit({ type: 'task.end', id, name: task.name });
    const anyFailed = results.some((r) => r && r.status === 'failed' && !r.ignored);
    if (this.rescuable === 0) {
      if (anyFailed && (this.run.play.anyErrorsFatal || task.inh.anyErrorsFatal)) this.stopRollout('any_errors_fatal');
      const mfp = this.run.play.maxFailPercentage;
      if (mfp !== undefined && this.run.batchFailed.size / this.run.batchSize > mfp / 100) this.stopRollout('max_fail_percentage');
    }
    await this.runMeta(results.find((r) => r?.meta)?.meta, hosts);
  }

  /**
   * run_once: the result (and registered value) applies to every host of the batch; a failure
   * fails them all, as in Ansible ("NO MORE HOSTS LEFT"), so none goes on without it.
   */
  private shareRunOnce(task: TaskNode, hosts: HostState[], first: HostTaskResult): void {
    const failedAll = first.status === 'failed' && !first.ignored;
    for (const h of hosts.slice(1)) {
      if (failedAll) {
        h.failed = true;
        this.run.batchFailed.add(h.name);
        continue;
      }
      if (task.register) this.run.vars.hostFacts(h.name)[task.register] = markRaw(first.registered);
      if (first.facts) this.storeFacts(task, h.name, first);
      if (first.changed) this.notify(task, h);
    }
  }

  private async runMeta(meta: string | undefined, hosts: HostState[]): Promise<void> {
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
    const t0 = this.env.clock.now();
    let result: HostTaskResult;
    try {
      const base = this.varsFor(host.name, task.inh);
      // with a loop, `when` is evaluated per item (it may use the item), as in Ansible
      const loop = task.loop ? loopItemsOrSkip(task.loop, task.inh.when, base) : undefined;
      if (loop && 'falseCondition' in loop) result = skippedResult([loop.falseCondition]);
      else if (task.loop && loop) {
        result = await runLoop(task, loop.items, {
          runItem: (extra) => this.runOne(task, host, this.varsFor(host.name, task.inh, extra)),
          applyFacts: (facts) => Object.assign(this.run.vars.hostFacts(host.name), facts),
          sleep: (ms) => this.env.clock.sleep(ms, this.run.opts.signal).catch(() => undefined),
          aborted: () => this.run.opts.signal.aborted,
        });
      } else result = await this.runOne(task, host, base);
    } catch (err) {
      result = failedResult(errMessage(err));
    }
    if (result.status === 'failed' && task.inh.ignoreErrors) result.ignored = true;
    // ignore_unreachable: the host stays in the play (its next task connects again), as Ansible's strategy
    if (result.status === 'unreachable' && task.inh.ignoreUnreachable) result.ignored = true;
    if (result.status === 'failed' && !result.ignored) {
      // what a rescue section reads, as Ansible sets them (they stay for the rest of the run)
      const facts = this.run.vars.hostFacts(host.name);
      facts['ansible_failed_task'] = { name: task.name, action: task.action, ...(task.inh.tags.length > 0 ? { tags: task.inh.tags } : {}) };
      facts['ansible_failed_result'] = markRaw({ ...result.registered, ...(result.msg !== undefined && result.registered['msg'] === undefined ? { msg: result.msg } : {}) });
    }
    // meta tasks report nothing and count nothing; one skipped by `when` shows as skipped, uncounted
    const rec: Recorded = { taskName: task.name, id, host, result, durationMs: this.env.clock.now() - t0, noLog: task.inh.noLog === true };
    if (task.action !== 'meta' || result.status === 'failed') this.record(rec);
    else if (result.status === 'skipped') this.record({ ...rec, count: false });
    // a registered result is data, never a template (a host's output may hold `{{`), as Ansible's unsafe results
    if (task.register) this.run.vars.hostFacts(host.name)[task.register] = markRaw(result.registered);
    if (result.facts) this.storeFacts(task, host.name, result);
    if (result.changed) this.notify(task, host);
    if (result.meta === 'end_host') host.ended = true;
    return result;
  }

  /** The task once on the host with these variables: skipped when its `when` does not hold. */
  private async runOne(task: TaskNode, host: HostState, vars: Record<string, unknown>): Promise<HostTaskResult> {
    try {
      if (!whenHolds(task.inh.when, vars)) return skippedResult(task.inh.when);
      return await runTaskOnHost(task, host.name, vars, this.env);
    } catch (err) {
      return failedResult(errMessage(err));
    }
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
    // group_by changes the inventory from each host's result: one host at a time, in the batch's
    // order, so groups (and their parents' children) are built in the order Ansible's strategy
    // reads the results; it runs on the control machine, so this costs nothing
    if (getModule(task.action)?.name === 'group_by') return 1;
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
