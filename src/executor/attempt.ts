/** One run of a task's module on a host, its result read through changed_when / failed_when. */
import { ConnectionError } from '../connection/connection.js';
import type { AnyModule, InventoryOp, ModuleContext } from '../modules/types.js';
import { runModule } from '../modules/run.js';
import type { TaskNode } from '../playbook/model.js';
import { evalCondition } from '../template/index.js';
import { conditions, resultVars } from './conditions.js';
import { errMessage, failedResult, unreachableResult, type HostTaskResult } from './result.js';

/** `attempt`: the number of this run of an `until` task (registered as `attempts`, which changed_when/failed_when see). */
export async function attemptOnce(task: TaskNode, def: AnyModule, ctx: ModuleContext, args: unknown, vars: Record<string, unknown>, verbosity: number, attempt?: number, changeInventory?: (op: InventoryOp) => boolean): Promise<HostTaskResult> {
  let res;
  try {
    res = await runModule(def, ctx, args as Record<string, unknown>);
  } catch (err) {
    if (err instanceof ConnectionError) return unreachableResult(err.message);
    return failedResult(`${def.name}: ${errMessage(err)}`, errMessage(err));
  }
  if (res.output && res.output.verbosity > verbosity) {
    // As Ansible's debug: below its verbosity the task is skipped, and registered as such.
    return { status: 'skipped', changed: false, reason: 'verbosity threshold not met', registered: { changed: false, failed: false, skipped: true, skipped_reason: 'Verbosity threshold not met.' } };
  }
  // group_by / add_host: the executor changes the inventory; the task is changed when it did
  if (res.inventory && !res.failed && changeInventory?.(res.inventory)) res.changed = true;
  const registered: Record<string, unknown> = { ...res.data, changed: res.changed, failed: res.failed };
  delete registered['__verbosity'];
  if (res.msg !== undefined) registered['msg'] = res.msg;
  if (res.skipped) registered['skipped'] = true;
  if (res.diff && res.diff.length > 0) registered['diff'] = res.diff;
  if (attempt !== undefined) registered['attempts'] = attempt;
  let changed = res.changed;
  let failed = res.failed;
  let msg = res.msg;
  try {
    const evalVars = resultVars(task, vars, registered);
    if (task.changedWhen !== undefined && !res.skipped) {
      changed = conditions(task.changedWhen).every((c) => evalCondition(c, evalVars));
      registered['changed'] = changed;
    }
    if (task.failedWhen !== undefined && !res.skipped) {
      failed = conditions(task.failedWhen).some((c) => evalCondition(c, evalVars));
      registered['failed'] = failed;
      registered['failed_when_result'] = failed;
      if (failed && !msg) msg = 'failed_when condition was met';
      if (!failed) msg = res.failed ? undefined : msg;
    }
  } catch (err) {
    return { status: 'failed', changed: false, msg: errMessage(err), registered };
  }
  const status = failed ? 'failed' : res.skipped ? 'skipped' : changed ? 'changed' : 'ok';
  const out: HostTaskResult = { status, changed: changed && !failed, registered };
  if (msg !== undefined) out.msg = msg;
  if (res.reason !== undefined) out.reason = res.reason;
  if (res.diff) out.diff = res.diff;
  if (res.facts) out.facts = res.facts;
  if (res.control) out.meta = res.control;
  if (res.output) out.output = res.output.value;
  return out;
}
