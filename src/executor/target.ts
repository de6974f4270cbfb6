/** Where a task runs: the connection it uses (the host's, a delegate's, or the control machine's) and become. */
import { ConnectionError, type BecomeOptions, type Connection } from '../connection/connection.js';
import type { ModuleInfo } from '../modules/types.js';
import type { TaskNode } from '../playbook/model.js';
import { templateValue } from '../template/index.js';
import { connectionVars } from './connection-keywords.js';
import type { ConnectionPool } from './connections.js';
import { errMessage, failedResult, unreachableResult, type HostTaskResult } from './result.js';

export interface Target {
  connection: Connection;
  /** The delegate_to host, when the task is delegated. */
  delegatedTo?: string;
  become?: BecomeOptions;
}

export interface TargetEnv {
  pool: ConnectionPool;
  /** Variables of another inventory host (connection settings for delegate_to). */
  hostVars(host: string): Record<string, unknown> | undefined;
}

interface BecomeCapable {
  withBecome(b: BecomeOptions | false): Connection;
}

function hasWithBecome(c: Connection): c is Connection & BecomeCapable {
  return typeof (c as Partial<BecomeCapable>).withBecome === 'function';
}

/** The task's connection and become, or why there is none (unreachable, a bad become_user). */
export function targetFor(task: TaskNode, def: Pick<ModuleInfo, 'target'>, host: string, vars: Record<string, unknown>, env: TargetEnv): Target | HostTaskResult {
  let conn: Connection;
  const delegate = task.inh.delegateTo ? String(templateValue(task.inh.delegateTo, vars)) : undefined;
  try {
    if (def.target === 'remote' && !(delegate === 'localhost' || delegate === '127.0.0.1')) {
      // remote_user/port/connection keywords apply where no ansible_* variable says otherwise
      conn = env.pool.get(delegate ?? host, connectionVars(task.inh, delegate ? (env.hostVars(delegate) ?? { ansible_host: delegate }) : vars));
    } else conn = env.pool.localConnection();
  } catch (err) {
    if (err instanceof ConnectionError) return unreachableResult(err.message);
    throw err;
  }
  let become: BecomeOptions | undefined;
  try {
    // become_user may be a template (`become_user: "{{ app_user }}"`)
    if (task.inh.become) become = { method: 'sudo', user: task.inh.becomeUser ? String(templateValue(task.inh.becomeUser, vars)) : 'root' };
  } catch (err) {
    return failedResult(`become_user: ${errMessage(err)}`, errMessage(err));
  }
  if (become && task.inh.becomeMethod) {
    // become_method may be a template too; sudo and su run (ansible_become_method wins over it)
    let method: string;
    try {
      method = String(templateValue(task.inh.becomeMethod, vars));
    } catch (err) {
      return failedResult(`become_method: ${errMessage(err)}`, errMessage(err));
    }
    if (method !== 'sudo' && method !== 'su') return failedResult(`become_method "${method}" is not supported (sudo or su)`);
    become.method = method;
  }
  // become on the task (or its block/play) also covers file operations, not only commands
  if (task.inh.become !== undefined && hasWithBecome(conn)) conn = conn.withBecome(become ?? false);
  return { connection: conn, ...(delegate ? { delegatedTo: delegate } : {}), ...(become ? { become } : {}) };
}
