/** One task on one host: when, loop, templating, until/retries, changed_when/failed_when, register. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConnectionError, type BecomeOptions, type Connection } from '../connection/connection.js';
import { getModule } from '../modules/registry.js';
import { runModule } from '../modules/run.js';
import type { FileDiff, ModuleContext } from '../modules/types.js';
import type { LoopSpec, TaskNode } from '../playbook/model.js';
import { evalCondition, lookupVar, render, templateValue } from '../template/index.js';
import { runPlugin, type LookupEnv } from '../template/lookups.js';
import { findInStack, searchCandidates } from '../template/search-path.js';
import type { Secrets } from '../util/secrets.js';
import type { VaultSession } from '../vault/session.js';
import type { ConnectionPool } from './connections.js';
import { OMIT } from './vars.js';
import { firstFoundLoop } from '../vars/loop.js';

export interface HostTaskResult {
  status: 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';
  changed: boolean;
  msg?: string;
  reason?: string;
  diff?: FileDiff[];
  /** The registered value. */
  registered: Record<string, unknown>;
  facts?: Record<string, unknown>;
  meta?: string;
  ignored?: boolean;
  output?: unknown;
  delegatedTo?: string;
}

export interface TaskEnv {
  pool: ConnectionPool;
  secrets: Secrets;
  vault: VaultSession;
  checkMode: boolean;
  diffMode: boolean;
  playbookDir: string;
  signal: AbortSignal;
  log(host: string, message: string): void;
  sleep(ms: number): Promise<void>;
  /** -v count: a module's output shown only from a higher verbosity is skipped (debug's verbosity). */
  verbosity: number;
  /** Variables of another inventory host (connection settings for delegate_to). */
  hostVars(host: string): Record<string, unknown> | undefined;
}

interface BecomeCapable {
  withBecome(b: BecomeOptions | false): Connection;
}

function hasWithBecome(c: Connection): c is Connection & BecomeCapable {
  return typeof (c as Partial<BecomeCapable>).withBecome === 'function';
}

function stripOmit(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== OMIT).map(stripOmit);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== OMIT) out[k] = stripOmit(x);
    return out;
  }
  return v;
}

function conditions(c: unknown): unknown[] {
  if (c === undefined || c === null) return [];
  return Array.isArray(c) ? c : [c];
}

/** `top` over `base` without copying base (a lazy view whose every read may render a template). */
export function overlay(base: Record<string, unknown>, top: Record<string, unknown>): Record<string, unknown> {
  const own = (k: string | symbol): k is string => typeof k === 'string' && Object.prototype.hasOwnProperty.call(top, k);
  return new Proxy(top, {
    get: (t, k) => (own(k) ? t[k] : Reflect.get(base, k)),
    has: (_t, k) => own(k) || Reflect.has(base, k),
    ownKeys: () => [...new Set([...Reflect.ownKeys(base), ...Reflect.ownKeys(top)])],
    getOwnPropertyDescriptor: (t, k) => (own(k) ? Reflect.getOwnPropertyDescriptor(t, k) : Reflect.getOwnPropertyDescriptor(base, k) && { configurable: true, enumerable: true, value: Reflect.get(base, k) }),
  });
}

/** Variables for changed_when/failed_when/until: the registered result by its name (or at top level). */
function resultVars(task: TaskNode, vars: Record<string, unknown>, registered: Record<string, unknown>): Record<string, unknown> {
  return overlay(vars, task.register ? { [task.register]: registered } : registered);
}

export function whenHolds(when: unknown[], vars: Record<string, unknown>): boolean {
  return when.every((w) => evalCondition(w, vars));
}

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

/** ActionBase._find_needle: the task's search path (its roles, its file's directory), then the playbook dir. */
function findFileFor(task: TaskNode, playbookDir: string) {
  return (kind: 'files' | 'templates', name: string): string => {
    if (path.isAbsolute(name)) return name;
    const stack = task.inh.searchPath ?? (task.inh.role ? [task.inh.role.path] : []);
    const found = findInStack(stack, kind, name, playbookDir);
    if (found) return found;
    const looked = [...new Set(searchCandidates(stack, kind, name, playbookDir).map((c) => path.dirname(c)))];
    throw new Error(`could not find ${name} in ${looked.map((d) => path.relative(process.cwd(), d) || '.').join(', ')}`);
  };
}

export async function runTaskOnHost(task: TaskNode, host: string, vars: Record<string, unknown>, env: TaskEnv): Promise<HostTaskResult> {
  const def = getModule(task.action);
  if (!def) return { status: 'failed', changed: false, msg: `unknown module ${task.action}`, registered: { failed: true } };
  let conn: Connection | undefined;
  let delegatedTo: string | undefined;
  const delegate = task.inh.delegateTo ? String(templateValue(task.inh.delegateTo, vars)) : undefined;
  try {
    if (def.target === 'local' || delegate === 'localhost' || delegate === '127.0.0.1' || (!delegate && task.inh.connection === 'local')) {
      conn = env.pool.localConnection();
      if (delegate) delegatedTo = delegate;
    } else if (def.target === 'remote') {
      conn = env.pool.get(delegate ?? host, delegate ? (env.hostVars(delegate) ?? { ansible_host: delegate }) : vars);
      if (delegate) delegatedTo = delegate;
    } else {
      conn = env.pool.localConnection();
      if (delegate) delegatedTo = delegate;
    }
  } catch (err) {
    if (err instanceof ConnectionError) return { status: 'unreachable', changed: false, msg: err.message, registered: { unreachable: true, msg: err.message } };
    throw err;
  }
  const checkMode = task.inh.checkMode ?? env.checkMode;
  const diffMode = task.inh.diff ?? env.diffMode;
  let become: BecomeOptions | undefined;
  try {
    // become_user may be a template (`become_user: "{{ app_user }}"`)
    become = task.inh.become ? { method: 'sudo', user: task.inh.becomeUser ? String(templateValue(task.inh.becomeUser, vars)) : 'root' } : undefined;
  } catch (err) {
    return { status: 'failed', changed: false, msg: `become_user: ${errMessage(err)}`, registered: { failed: true, msg: errMessage(err) } };
  }
  // become on the task (or its block/play) also covers file operations, not only commands
  if (task.inh.become !== undefined && hasWithBecome(conn)) conn = conn.withBecome(become ?? false);
  let environment: Record<string, string> | undefined;
  try {
    environment = environmentOf(task, vars);
  } catch (err) {
    return { status: 'failed', changed: false, msg: `environment: ${errMessage(err)}`, registered: { failed: true, msg: errMessage(err) } };
  }
  const ctx: ModuleContext = {
    host,
    ...(environment ? { environment } : {}),
    connection: conn,
    vars,
    checkMode,
    diffMode,
    secrets: env.secrets,
    vault: env.vault,
    ...(become ? { become } : {}),
    taskName: task.name,
    findFile: findFileFor(task, env.playbookDir),
    render: (t, extra) => render(t, extra ? overlay(vars, extra) : vars),
    log: (m) => env.log(host, m),
    signal: env.signal,
  };
  let args: unknown;
  try {
    args = stripOmit(templateValue(task.args, vars));
  } catch (err) {
    return { status: 'failed', changed: false, msg: `${task.action}: ${errMessage(err)}`, registered: { failed: true, msg: errMessage(err) } };
  }
  let retries: number;
  let delay: number;
  try {
    retries = numberOf(task.retries, vars, 'retries');
    delay = numberOf(task.delay, vars, 'delay');
  } catch (err) {
    return { status: 'failed', changed: false, msg: errMessage(err), registered: { failed: true, msg: errMessage(err) } };
  }
  // ansible-core 2.14: `retries` is the number of attempts (at least one)
  const attempts = task.until !== undefined ? Math.max(1, retries) : 1;
  let out: HostTaskResult | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    out = await attemptOnce(task, def.name, ctx, args, vars, env.verbosity);
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
  if (out && delegatedTo) out.delegatedTo = delegatedTo;
  return out!;
}

async function attemptOnce(task: TaskNode, action: string, ctx: ModuleContext, args: unknown, vars: Record<string, unknown>, verbosity: number): Promise<HostTaskResult> {
  const def = getModule(action)!;
  let res;
  try {
    res = await runModule(def, ctx, args as Record<string, unknown>);
  } catch (err) {
    if (err instanceof ConnectionError) return { status: 'unreachable', changed: false, msg: err.message, registered: { unreachable: true, msg: err.message } };
    return { status: 'failed', changed: false, msg: `${action}: ${errMessage(err)}`, registered: { failed: true, msg: errMessage(err) } };
  }
  if (res.output && res.output.verbosity > verbosity) {
    // As Ansible's debug: below its verbosity the task is skipped, and registered as such.
    return { status: 'skipped', changed: false, reason: 'verbosity threshold not met', registered: { changed: false, failed: false, skipped: true, skipped_reason: 'Verbosity threshold not met.' } };
  }
  const registered: Record<string, unknown> = { ...res.data, changed: res.changed, failed: res.failed };
  delete registered['__verbosity'];
  if (res.msg !== undefined) registered['msg'] = res.msg;
  if (res.skipped) registered['skipped'] = true;
  if (res.diff && res.diff.length > 0) registered['diff'] = res.diff;
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

/** `environment` of the play, blocks and task, merged (inner wins) and templated; values as strings. */
function environmentOf(task: TaskNode, vars: Record<string, unknown>): Record<string, string> | undefined {
  if (task.inh.environment.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const layer of task.inh.environment) {
    const v = templateValue(layer, vars);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('must be a mapping of variable names to values');
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`"${k}" is not a valid environment variable name`);
      if (x !== OMIT) out[k] = typeof x === 'string' ? x : typeof x === 'boolean' ? (x ? 'True' : 'False') : JSON.stringify(x);
    }
  }
  return out;
}

function numberOf(v: number | string, vars: Record<string, unknown>, what: string): number {
  if (typeof v === 'number') return v;
  const n = Number(templateValue(v, vars));
  if (!Number.isFinite(n) || n < 0) throw new Error(`${what}: "${v}" is not a number`);
  return n;
}

export function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
