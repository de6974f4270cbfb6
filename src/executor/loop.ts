/** A task's loop: its items, each item's loop variables, and the items' results folded into one. */
import type { LoopSpec, TaskNode } from '../playbook/model.js';
import { evalCondition, lookupVar, TemplateError, templateValue } from '../template/index.js';
import { runPlugin, type LookupEnv } from '../template/lookups.js';
import { firstFoundLoop } from '../vars/loop.js';
import type { HostStatus } from './events.js';
import type { HostTaskResult } from './result.js';

export function resolveLoop(spec: LoopSpec, vars: Record<string, unknown>): unknown[] {
  const raw = spec.items;
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && '__with' in raw) {
    const w = raw as { __with: string; value: unknown; subdir?: string };
    if (w.__with === 'first_found') return firstFoundLoop(w.value, w.subdir ?? 'files', vars);
    // listify_lookup_plugin_terms: the templated value; a string (or scalar) becomes a one-term list
    const v = templateValue(typeof w.value === 'string' ? w.value.trim() : w.value, vars);
    const terms = Array.isArray(v) ? v : [v];
    const env: LookupEnv = { get: (n) => lookupVar(vars, n), vars };
    return runPlugin(w.__with, env, terms, {}, true) ?? [];
  }
  const v = templateValue(raw, vars);
  if (!Array.isArray(v)) throw new Error(`Invalid data passed to 'loop', it requires a list, got this instead: ${JSON.stringify(v)}`);
  return v;
}

/**
 * The loop's items, or the `when` condition that is false when the loop cannot be templated for
 * an undefined variable: ansible-core's TaskExecutor keeps that error, evaluates the task's
 * conditions without an item, and skips the task when one is false (e.g. `loop: "{{ found.files }}"`
 * after a `find` that was itself skipped); otherwise the error stands.
 */
export function loopItemsOrSkip(spec: LoopSpec, when: readonly unknown[], vars: Record<string, unknown>): { items: unknown[] } | { falseCondition: unknown } {
  try {
    return { items: resolveLoop(spec, vars) };
  } catch (err) {
    if (!(err instanceof TemplateError && /is undefined|has no attribute/.test(err.reason))) throw err;
    for (const w of when) if (!evalCondition(w, vars)) return { falseCondition: w };
    throw err;
  }
}

/** The variables one item adds: the loop variable, ansible_loop_var, index_var, ansible_loop (extended). */
export function itemVars(loop: LoopSpec, items: unknown[], i: number): Record<string, unknown> {
  const extra: Record<string, unknown> = { [loop.loopVar]: items[i], ansible_loop_var: loop.loopVar };
  if (loop.indexVar) extra[loop.indexVar] = i;
  if (loop.extended) {
    // TaskExecutor._run_loop: allitems (unless extended_allitems: false), previtem and nextitem where they exist
    const l: Record<string, unknown> = { index: i + 1, index0: i, first: i === 0, last: i === items.length - 1, length: items.length, revindex: items.length - i, revindex0: items.length - i - 1 };
    if (loop.extendedAllitems !== false) l['allitems'] = items;
    if (i > 0) l['previtem'] = items[i - 1];
    if (i < items.length - 1) l['nextitem'] = items[i + 1];
    extra['ansible_loop'] = l;
  }
  return extra;
}

export interface LoopHooks {
  /** Runs the task for one item (its `when` included) with the item's variables. */
  runItem(extra: Record<string, unknown>): Promise<HostTaskResult>;
  /** Facts an item returned, applied before the next item runs (set_fact in a loop). */
  applyFacts(facts: Record<string, unknown>): void;
  /** loop_control.pause between items. */
  sleep(ms: number): Promise<void>;
  aborted(): boolean;
}

/** Runs the items in order and folds their results as Ansible registers a loop (`results`, one status). */
export async function runLoop(task: TaskNode, items: unknown[], hooks: LoopHooks): Promise<HostTaskResult> {
  const loop = task.loop!;
  const results: Record<string, unknown>[] = [];
  let changed = false;
  let failed = false;
  let allSkipped = items.length > 0;
  const msgs: string[] = [];
  const outputs: unknown[] = [];
  // facts returned by items (set_fact, include_vars, setup in a loop) apply in item order, as Ansible's
  let facts: Record<string, unknown> | undefined;
  for (let i = 0; i < items.length; i++) {
    if (hooks.aborted()) break;
    const r = await hooks.runItem(itemVars(loop, items, i));
    if (r.status === 'unreachable') return r;
    // set_fact in a loop: each item sees the facts of the items before it
    if (r.facts) hooks.applyFacts(r.facts);
    if (r.status !== 'skipped') allSkipped = false;
    if (r.output !== undefined) outputs.push(r.output);
    if (r.facts) facts = { ...facts, ...r.facts };
    changed ||= r.changed || r.registered['changed'] === true;
    if (r.status === 'failed') {
      failed = true;
      if (r.msg) msgs.push(r.msg);
    }
    results.push({ ...r.registered, [loop.loopVar]: items[i], ansible_loop_var: loop.loopVar });
    if (loop.pause) await hooks.sleep(loop.pause * 1000);
  }
  if (items.length === 0) return { status: 'skipped', changed: false, reason: 'No items in the list', registered: { results: [], changed: false, skipped: true, skipped_reason: 'No items in the list' } };
  const status: HostStatus = failed ? 'failed' : allSkipped ? 'skipped' : changed ? 'changed' : 'ok';
  const out: HostTaskResult = { status, changed, registered: { results, changed, ...(failed ? { failed: true, msg: 'One or more items failed' } : { msg: 'All items completed' }), ...(allSkipped ? { skipped: true } : {}) } };
  if (failed) out.msg = msgs.length === 1 ? msgs[0]! : `one or more items failed: ${msgs.join('; ')}`;
  if (outputs.length > 0) out.output = outputs;
  if (facts) out.facts = facts;
  return out;
}
