/** One task on one host: its target, module context and arguments, then the until/retries loop. */
import { getModule } from '../modules/registry.js';
import type { TaskNode } from '../playbook/model.js';
import { evalCondition, templateValue } from '../template/index.js';
import { attemptLimited } from './async.js';
import { resultVars } from './conditions.js';
import { moduleContext, taskArgs, type ContextEnv } from './context.js';
import { errMessage, failedResult, type HostTaskResult } from './result.js';
import { targetFor, type TargetEnv } from './target.js';

export interface TaskEnv extends ContextEnv, TargetEnv {
  sleep(ms: number): Promise<void>;
  /** -v count: a module's output shown only from a higher verbosity is skipped (debug's verbosity). */
  verbosity: number;
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
  // ansible-core 2.14: `retries` is the number of attempts (at least one)
  const attempts = task.until !== undefined ? Math.max(1, retries) : 1;
  let out: HostTaskResult | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    out = await attemptLimited(task, def, ctx, args, vars, env);
    if (out.status === 'unreachable') return out;
    if (task.until === undefined) break;
    const evalVars = resultVars(task, vars, out.registered);
    out.registered['attempts'] = attempt;
    let done = false;
    try {
      done = evalCondition(task.until, evalVars);
    } catch (err) {
      return { ...out, status: 'failed', msg: `until: ${errMessage(err)}` };
    }
    if (done) break;
    if (attempt === attempts) {
      out = { ...out, status: 'failed', msg: out.msg ?? `retries exhausted after ${attempts} attempts` };
      out.registered['failed'] = true;
      break;
    }
    env.log(host, `FAILED - RETRYING: ${task.name} (${attempts - attempt} retries left)`);
    await env.sleep(delay * 1000);
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
