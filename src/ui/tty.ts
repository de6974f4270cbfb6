/**
 * Live progress on a terminal. Finished tasks, failures (as they happen), diffs, batches and a
 * stopped rollout scroll by as permanent lines; below them a live region shows the running task:
 * its per-status counts, how many hosts are still connecting or waiting for a fork, and the hosts
 * still running by name, the longest-running first, with their elapsed time and retries.
 *
 * Cheap at 1,000 hosts: an event only updates counters and a Map (insertion order is start
 * order, so the longest-running hosts are its first entries); the region is drawn on a timer.
 */
import type { RunEvent } from '../executor/events.js';
import { unifiedDiff } from './diff.js';
import { batchLine, failureLine, rolloutStopLines } from './format.js';
import { LiveRegion } from './live.js';
import { formatValue } from './plain.js';
import { recapLines } from './recap.js';

export interface TtyOptions {
  write: (s: string) => void;
  verbosity: number;
  diff: boolean;
  columns?: () => number;
  fps?: number;
  now?: () => number;
}

interface TaskState {
  title: string;
  started: number;
  hosts: number;
  done: number;
  counts: Record<string, number>;
  running: Map<string, number>;
  retries: Map<string, number>;
  bad: boolean;
}

const SPIN = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SHOWN = 5;
const c = (code: number, s: string): string => `\x1b[${code}m${s}\x1b[0m`;
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

function countsText(counts: Record<string, number>): string {
  const colour: Record<string, number> = { ok: 32, changed: 33, failed: 31, unreachable: 31, skipped: 36, ignored: 35 };
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => c(colour[k] ?? 0, `${k}=${n}`))
    .join(' ');
}

export function ttyRenderer(o: TtyOptions): { listener: (e: RunEvent) => void; drain: () => Promise<void>; region: LiveRegion } {
  const now = o.now ?? Date.now;
  const region = new LiveRegion({ write: o.write, columns: o.columns ?? (() => process.stdout.columns || 100), ...(o.fps ? { fps: o.fps } : {}) });
  const contacted = new Set<string>();
  let task: TaskState | undefined;

  const liveLines = (): string[] => {
    const t = task;
    if (!t) return [];
    const at = now();
    const counts = countsText(t.counts);
    const lines = [`${c(36, SPIN[region.frames % SPIN.length]!)} ${t.title}  ${counts}${counts ? '  ' : ''}(${t.done}/${t.hosts})  ${secs(at - t.started)}`];
    const waiting = t.hosts - t.done - t.running.size;
    let connecting = 0;
    for (const h of t.running.keys()) if (!contacted.has(h)) connecting++;
    const phase = [connecting > 0 ? `connecting to ${connecting}` : '', waiting > 0 ? `${waiting} waiting for a fork` : ''].filter(Boolean).join(', ');
    if (phase) lines.push(`  ${phase}`);
    if (t.running.size > 0) {
      const names: string[] = [];
      for (const [h, since] of t.running) {
        if (names.length === SHOWN) break;
        const r = t.retries.get(h);
        names.push(`${h} ${secs(at - since)}${r ? ` (retry ${r})` : ''}`);
      }
      const more = t.running.size - names.length;
      lines.push(`  running: ${names.join(', ')}${more > 0 ? `, +${more} more` : ''}`);
    }
    return lines;
  };

  const endTask = (): void => {
    const t = task;
    if (!t) return;
    task = undefined;
    const mark = t.bad ? c(31, '✗') : c(32, '✓');
    region.print(`${mark} ${t.title}  ${countsText(t.counts)}  ${secs(now() - t.started)}\n`);
  };

  const onResult = (e: Extract<RunEvent, { type: 'host.result' }>): void => {
    contacted.add(e.host);
    const t = task;
    if (!t) return;
    t.running.delete(e.host);
    t.done++;
    const key = e.ignored ? 'ignored' : e.status;
    t.counts[key] = (t.counts[key] ?? 0) + 1;
    if ((e.status === 'failed' && !e.ignored) || e.status === 'unreachable') t.bad = true;
    const notes: string[] = [];
    if (e.status === 'failed' || e.status === 'unreachable') notes.push(c(31, `  ${failureLine(e)} (after ${secs(e.durationMs)})${e.ignored ? ' ...ignoring' : ''}\n`));
    if (o.diff && e.diff) for (const d of e.diff) notes.push(unifiedDiff(d));
    if (e.output !== undefined) notes.push(`  ok: [${e.host}] => ${formatValue(e.output)}\n`);
    if (notes.length > 0) region.print(notes.join(''));
  };

  const listener = (e: RunEvent): void => {
    switch (e.type) {
      case 'play.start':
        region.print(`\n${c(1, `PLAY [${e.name}]`)} (${e.hosts.length} host${e.hosts.length === 1 ? '' : 's'})\n`);
        break;
      case 'batch.start':
        region.print(`${c(1, batchLine(e))}\n`);
        break;
      case 'task.start':
        endTask();
        task = { title: `${e.handler ? 'HANDLER' : 'TASK'} [${e.role ? `${e.role} : ` : ''}${e.name}]`, started: now(), hosts: e.hosts.length, done: 0, counts: {}, running: new Map(), retries: new Map(), bad: false };
        region.show(liveLines);
        break;
      case 'host.start':
        task?.running.set(e.host, now());
        break;
      case 'host.result':
        onResult(e);
        break;
      case 'task.end':
        endTask();
        break;
      case 'rollout.stop':
        region.print(`${rolloutStopLines(e).map((l) => c(31, l)).join('\n')}\n`);
        break;
      case 'warning':
        region.print(c(35, `[WARNING]: ${e.message}\n`));
        break;
      case 'log':
        if (e.host && task && e.message.startsWith('FAILED - RETRYING')) task.retries.set(e.host, (task.retries.get(e.host) ?? 0) + 1);
        if (o.verbosity >= e.verbosity) region.print(`  ${e.host ? `[${e.host}] ` : ''}${e.message}\n`);
        break;
      case 'recap':
        endTask();
        region.hide();
        o.write(`\n${c(1, 'PLAY RECAP')}\n`);
        for (const l of recapLines(e.stats, true)) o.write(`${l}\n`);
        o.write(`\nfinished in ${(e.durationMs / 1000).toFixed(2)}s${e.interrupted ? c(31, ' (interrupted: no new tasks were started)') : ''}\n`);
        break;
      default:
        break;
    }
  };
  return { listener, drain: async () => region.hide(), region };
}
