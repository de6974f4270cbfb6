/**
 * The time limits of one attempt: `async`/`poll` and `timeout`, as ansible-core 2.14's
 * TaskExecutor. command, shell and raw run as background jobs on the host (lib/async-job.ts):
 * with `poll` > 0 the job is checked every `poll` seconds until it ends or `async` seconds have
 * passed ("async task did not complete within the requested time - Ns"); with `poll: 0` the task
 * returns at once with `ansible_job_id`, `results_file`, `started`, `finished` for async_status.
 * Other modules run on the control machine's side of the connection and cannot be left behind:
 * `async` with `poll` > 0 is their time limit, `poll: 0` is refused at run time. `timeout` fails
 * the task after that many seconds with Ansible's message, the running command killed.
 */
import type { Connection, ExecOptions, ExecResult } from '../connection/connection.js';
import { jobCleanup, jobStatus, startJob, type StartedJob } from '../modules/lib/async-job.js';
import type { AnyModule, ModuleContext } from '../modules/types.js';
import type { TaskNode } from '../playbook/model.js';
import { splitArgv } from '../modules/lib/kv.js';
import { templateValue } from '../template/index.js';
import { attemptOnce } from './attempt.js';
import type { Clock } from '../util/clock.js';
import type { InventoryOp } from '../modules/types.js';
import { failedResult, type HostTaskResult } from './result.js';

/** Modules whose one command can run as a background job on the host. */
const JOB_MODULES = new Set(['command', 'shell', 'raw']);
/** ansible-core's DEFAULT_POLL_INTERVAL. */
const DEFAULT_POLL = 15;

export interface LimitEnv {
  clock: Clock;
  signal: AbortSignal;
  verbosity: number;
  /** The number of this run of an `until` task. */
  attempt?: number;
  changeInventory?(op: InventoryOp): boolean;
}

function seconds(v: number | string | undefined, vars: Record<string, unknown>, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(typeof v === 'number' ? v : templateValue(v, vars));
  if (!Number.isFinite(n) || n < 0) throw new Error(`${what}: "${String(v)}" is not a number of seconds`);
  return n;
}

/** One attempt of the task under its async/poll and timeout. */
export async function attemptLimited(task: TaskNode, def: AnyModule, ctx: ModuleContext, args: unknown, vars: Record<string, unknown>, env: LimitEnv): Promise<HostTaskResult> {
  let asyncSec: number | undefined;
  let poll: number;
  let timeout: number | undefined;
  try {
    asyncSec = seconds(task.async, vars, 'async');
    poll = seconds(task.poll, vars, 'poll') ?? DEFAULT_POLL;
    timeout = seconds(task.inh.timeout, vars, 'timeout');
  } catch (err) {
    return failedResult((err as Error).message);
  }
  const run = (c: ModuleContext): Promise<HostTaskResult> =>
    asyncSec ? runAsync(task, def, c, args, vars, env, asyncSec, poll) : attemptOnce(task, def, c, args, vars, env.verbosity, env.attempt, env.changeInventory);
  if (!timeout) return run(ctx);
  return withTimeout(def, ctx, timeout, run);
}

/** `timeout`: every command of the attempt gets the time left; the attempt fails when it is up. */
async function withTimeout(def: AnyModule, ctx: ModuleContext, sec: number, run: (c: ModuleContext) => Promise<HostTaskResult>): Promise<HostTaskResult> {
  const deadline = Date.now() + sec * 1000;
  const ctl = new AbortController();
  const conn = wrapExec(ctx.connection, (inner) => (cmd, opts) => inner(cmd, { ...opts, timeoutMs: Math.max(1, Math.min(opts?.timeoutMs ?? Infinity, deadline - Date.now())) }));
  const limited: ModuleContext = { ...ctx, connection: conn, signal: AbortSignal.any([ctx.signal, ctl.signal]) };
  const msg = `The ${def.name} action failed to execute in the expected time frame (${sec}) and was terminated`;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<HostTaskResult>((resolve) => {
    timer = setTimeout(() => {
      ctl.abort();
      resolve({ status: 'failed', changed: false, msg, registered: { changed: false, failed: true, msg } });
    }, Math.max(0, deadline - Date.now()));
  });
  try {
    const r = await Promise.race([run(limited), expired]);
    // a command killed at the deadline fails with the connection's words: Ansible's are the task's
    if (r.status === 'failed' && Date.now() >= deadline - 5) return { status: 'failed', changed: false, msg, registered: { changed: false, failed: true, msg } };
    return r;
  } finally {
    clearTimeout(timer);
  }
}

type Exec = (cmd: string, opts?: ExecOptions) => Promise<ExecResult>;

/** The same connection with its exec replaced (everything else passes through). */
function wrapExec(conn: Connection, wrap: (inner: Exec) => Exec): Connection {
  const exec = wrap((cmd, opts) => conn.exec(cmd, opts));
  return new Proxy(conn, {
    get: (t, k) => {
      if (k === 'exec') return exec;
      const v = Reflect.get(t, k) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

/** What the job file records as `cmd`: argv for command, the line for shell and raw (as they register it). */
function jobCmd(action: string, args: unknown): unknown {
  const a = (args ?? {}) as Record<string, unknown>;
  const line = a['cmd'] ?? a['_raw_params'] ?? a['free_form'];
  if (action !== 'command') return line;
  try {
    return Array.isArray(a['argv']) ? a['argv'] : splitArgv(String(line ?? ''));
  } catch {
    return line;
  }
}

function asyncTimeout(asyncSec: number, asyncResult: Record<string, unknown>): HostTaskResult {
  const msg = `async task did not complete within the requested time - ${asyncSec}s`;
  return { status: 'failed', changed: false, msg, registered: { changed: false, failed: true, msg, async_result: asyncResult } };
}

async function runAsync(task: TaskNode, def: AnyModule, ctx: ModuleContext, args: unknown, vars: Record<string, unknown>, env: LimitEnv, asyncSec: number, poll: number): Promise<HostTaskResult> {
  if (!JOB_MODULES.has(def.name)) {
    if (poll === 0) return failedResult(`async with poll: 0 runs command, shell and raw here (${def.name} runs from the control machine and cannot be left running)`);
    return withTimeout(def, ctx, asyncSec, (c) => attemptOnce(task, def, c, args, vars, env.verbosity, env.attempt, env.changeInventory)).then((r) => (r.msg?.startsWith(`The ${def.name} action failed`) ? asyncTimeout(asyncSec, {}) : r));
  }
  const opts = ctx.become ? { become: ctx.become } : {};
  let job: StartedJob | undefined;
  let last: Record<string, unknown> = {};
  let timedOut = false;
  const conn = wrapExec(ctx.connection, (inner) => async (cmd, o) => {
    if (job) return inner(cmd, o);
    job = await startJob(ctx.connection, cmd, jobCmd(def.name, args), asyncSec, o ?? {});
    if (poll === 0) return { rc: 0, stdout: '', stderr: '' };
    let left = asyncSec;
    while (left > 0 && !env.signal.aborted) {
      await env.clock.sleep(poll * 1000, env.signal);
      last = await jobStatus(ctx.connection, job.jid, opts);
      left -= poll;
      if (last['finished'] === 1 || last['failed'] === true) break;
    }
    // the runner's own limit can end the job just before the last poll: the same time-out
    if (last['finished'] !== 1 || last['msg'] === 'Timeout exceeded') {
      timedOut = true;
      return { rc: -1, stdout: '', stderr: '' };
    }
    await jobCleanup(ctx.connection, job.jid, opts);
    return { rc: typeof last['rc'] === 'number' ? last['rc'] : 1, stdout: String(last['stdout'] ?? ''), stderr: String(last['stderr'] ?? '') };
  });
  const r = await attemptOnce(task, def, { ...ctx, connection: conn }, args, vars, env.verbosity, env.attempt, env.changeInventory);
  if (!job) return r;
  if (timedOut) return asyncTimeout(asyncSec, last);
  const { jid, resultsFile } = job;
  if (poll === 0) {
    const registered = { ansible_job_id: jid, results_file: resultsFile, started: 1, finished: 0, changed: true, failed: 0 };
    return { status: 'changed', changed: true, reason: `started job ${jid}`, registered };
  }
  r.registered = { ...r.registered, ansible_job_id: jid, results_file: resultsFile, started: 1, finished: 1 };
  return r;
}
