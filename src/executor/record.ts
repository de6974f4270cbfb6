/** Recording a host's result: the recap counters, the host's state, and the host.result event. */
import { emptyStats } from './events.js';
import type { HostTaskResult } from './result.js';
import type { HostState, PlayRun } from './state.js';

export const NO_LOG_MSG = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

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

export interface Recorded {
  taskName: string;
  id: number;
  host: HostState;
  result: HostTaskResult;
  durationMs: number;
  noLog: boolean;
  /** false: shown, not counted in the recap (a meta task skipped by `when`). */
  count?: boolean;
}

export function record(run: PlayRun, { taskName, id, host, result: r, durationMs, noLog, count = true }: Recorded): void {
  const s = count ? run.stats.get(host.name)! : emptyStats();
  if (r.status === 'unreachable' && r.ignored) {
    // as Ansible's strategy: an ignored unreachable host counts as ok and ignored, and goes on
    s.ok++;
    s.ignored++;
  } else if (r.status === 'unreachable') {
    host.unreachable = true;
    run.opts.pool.markUnreachable(host.name, r.msg ?? 'unreachable');
    run.batchFailed.add(host.name);
    s.unreachable++;
  } else if (r.status === 'failed' && r.ignored) {
    // as Ansible's strategy: an ignored failure counts as ignored and ok (and changed)
    s.ignored++;
    s.ok++;
    if (r.registered['changed'] === true) s.changed++;
  } else if (r.status === 'failed') {
    host.failed = true;
    run.vars.hostFailed(host.name);
    run.batchFailed.add(host.name);
    s.failed++;
  } else if (r.status === 'skipped') s.skipped++;
  else {
    s.ok++;
    if (r.changed) s.changed++;
  }
  run.opts.bus.emit({
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
