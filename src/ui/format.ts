/** Lines shared by the plain and live renderers: failures, batches, a stopped rollout. */
import type { RunEvent } from '../executor/events.js';

type HostResult = Extract<RunEvent, { type: 'host.result' }>;
type RolloutStop = Extract<RunEvent, { type: 'rollout.stop' }>;

/** `client13..client25` for a run of hosts, the names themselves when there are four or fewer. */
export function hostRange(hosts: readonly string[]): string {
  if (hosts.length <= 4) return hosts.join(', ');
  return `${hosts[0]}..${hosts[hosts.length - 1]}`;
}

export function batchLine(e: Extract<RunEvent, { type: 'batch.start' }>): string {
  return `batch ${e.index}/${e.count}: ${hostRange(e.hosts)} (${e.hosts.length} host${e.hosts.length === 1 ? '' : 's'})`;
}

/** Python-json-like `{"k": v, ...}`, keys sorted, as Ansible prints a failed result. */
function ansibleJson(o: Record<string, unknown>): string {
  const keys = Object.keys(o).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(o[k])}`).join(', ')}}`;
}

/** `fatal: [host]: FAILED! => {"changed": false, "cmd": ..., "msg": ..., "rc": 1, ...}`. */
export function failureLine(e: HostResult): string {
  const who = e.delegatedTo ? `[${e.host} -> ${e.delegatedTo}]` : `[${e.host}]`;
  const body: Record<string, unknown> = { changed: false, ...(e.msg !== undefined ? { msg: e.msg } : {}), ...e.detail };
  if (e.status === 'unreachable') return `fatal: ${who}: UNREACHABLE! => ${ansibleJson({ ...body, unreachable: true })}`;
  return `fatal: ${who}: FAILED! => ${ansibleJson(body)}`;
}

function who(failed: RolloutStop['failed'], max = 5): string {
  const named = failed.slice(0, max).map((f) => `${f.host} (${f.status})`);
  return failed.length > max ? `${named.join(', ')} and ${failed.length - max} more` : named.join(', ');
}

/**
 * "rollout stopped after batch 2 of 5: max_fail_percentage 0 exceeded by client7 (unreachable);
 * 38 hosts not started", then the hosts not started and the plays not run.
 */
export function rolloutStopLines(e: RolloutStop): string[] {
  const where = e.count > 1 ? `rollout stopped after batch ${e.batch} of ${e.count}` : `play "${e.play}" stopped`;
  const why =
    e.cause === 'max_fail_percentage'
      ? `max_fail_percentage ${e.maxFailPercentage ?? 0} exceeded by ${who(e.failed)}`
      : e.cause === 'any_errors_fatal'
        ? `any_errors_fatal: ${who(e.failed)}`
        : `every host of the batch failed: ${who(e.failed)}`;
  const n = e.notStarted.length;
  const lines = [`${where}: ${why}; ${n} host${n === 1 ? '' : 's'} not started`];
  if (n > 0) lines.push(`  not started: ${e.notStarted.join(', ')}`);
  if (e.playsNotRun.length > 0) lines.push(`  plays not run: ${e.playsNotRun.join(', ')}`);
  return lines;
}
