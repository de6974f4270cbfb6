/** One task on one host: its target, module context and arguments, then the until/retries loop. */
import { getModule } from '../modules/registry.js';
import type { InventoryOp } from '../modules/types.js';
import type { TaskNode } from '../playbook/model.js';
import { evalCondition, templateValue } from '../template/index.js';
import { attemptLimited } from './async.js';
import { resultVars } from './conditions.js';
import { moduleContext, taskArgs, type ContextEnv } from './context.js';
import { errMessage, failedResult, type HostTaskResult } from './result.js';
import { targetFor, type TargetEnv } from './target.js';

export interface TaskEnv extends ContextEnv, TargetEnv {
  /** -v count: a module's output shown only from a higher verbosity is skipped (debug's verbosity). */
  verbosity: number;
  /** Make an in-memory inventory change (group_by, add_host); true when the inventory changed. */
  changeInventory?(op: InventoryOp): boolean;
}

export async function runTaskOnHost(task: TaskNode, host: string, vars: Record<string, unknown>, env: TaskEnv): Promise<HostTaskResult> {
  const def = getModule(task.action);
  if (!def) return { status: 'failed', changed: false, msg: `unknown module ${task.action}`, registered: { failed: true } };
  const target = targetFor(task, def, host, vars, env);
  if ('status' in target) return target;
  let ctx;
  try {
    ctx = moduleContext(task, host, vars, target, env);
  } catch (err) {
    return failedResult(`environment: ${errMessage(err)}`, errMessage(err));
  }
  let args: unknown;
  try {
    args = taskArgs(task, vars);
  } catch (err) {
    return failedResult(`${task.action}: ${errMessage(err)}`, errMessage(err));
  }
  let retries: number;
  let delay: number;
  try {
    retries = numberOf(task.retries, vars, 'retries');
    delay = numberOf(task.delay, vars, 'delay');
  } catch (err) {
    return failedResult(errMessage(err));
  }
  // as ansible-core 2.14's TaskExecutor: with `until`, `retries: N` (N > 0) is N + 1 runs and
  // a task that never met the condition registers `attempts: N`; `retries: 0` is one run whose
  // `until` is not evaluated. Without `until` the task runs once.
  const runs = task.until !== undefined && retries > 0 ? retries + 1 : 1;
  let out: HostTaskResult | undefined;
  for (let attempt = 1; attempt <= runs; attempt++) {
    out = await attemptLimited(task, def, ctx, args, vars, { ...env, ...(task.until !== undefined ? { attempt } : {}) });
    if (out.status === 'unreachable') return out;
    if (runs === 1) break;
    let done = false;
    try {
      done = evalCondition(task.until, resultVars(task, vars, out.registered));
    } catch (err) {
      return { ...out, status: 'failed', msg: `until: ${errMessage(err)}` };
    }
    if (done) break;
    if (attempt === runs) {
      out = { ...out, status: 'failed', msg: out.msg ?? `retries exhausted after ${runs} attempts` };
      out.registered['attempts'] = retries;
      out.registered['failed'] = true;
      break;
    }
    env.log(host, `FAILED - RETRYING: ${task.name} (${runs - attempt} retries left)`);
    await env.clock.sleep(delay * 1000, env.signal).catch(() => undefined);
    if (env.signal.aborted) break;
  }
  if (out && target.delegatedTo) out.delegatedTo = target.delegatedTo;
  return out!;
}

function numberOf(v: number | string, vars: Record<string, unknown>, what: string): number {
  if (typeof v === 'number') return v;
  const n = Number(templateValue(v, vars));
  if (!Number.isFinite(n) || n < 0) throw new Error(`${what}: "${v}" is not a number`);
  return n;
}
