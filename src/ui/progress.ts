/**
 * What the terminal shows of a running task: its per-status counts, how many hosts are still
 * connecting or waiting for a fork, the hosts still running by name (the longest-running first)
 * with their elapsed time and retries, and the hosts that failed or were unreachable so far.
 *
 * Cheap at 1,000 hosts: an event only updates counters and Maps (insertion order is start order,
 * so the longest-running hosts are the first entries); text is made only when a frame asks.
 */
import type { RunEvent } from '../executor/events.js';

type HostResult = Extract<RunEvent, { type: 'host.result' }>;

const SHOWN = 5;
export const paint = (code: number, s: string): string => `\x1b[${code}m${s}\x1b[0m`;
export const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

export function countsText(counts: Record<string, number>): string {
  const colour: Record<string, number> = { ok: 32, changed: 33, failed: 31, unreachable: 31, skipped: 36, ignored: 35 };
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => paint(colour[k] ?? 0, `${k}=${n}`))
    .join(' ');
}

/** `a, b, c, +4 more` */
function names(list: Iterable<string>, total: number): string {
  const shown: string[] = [];
  for (const n of list) {
    if (shown.length === SHOWN) break;
    shown.push(n);
  }
  return `${shown.join(', ')}${total > shown.length ? `, +${total - shown.length} more` : ''}`;
}

export class TaskProgress {
  readonly started: number;
  done = 0;
  bad = false;
  readonly counts: Record<string, number> = {};
  private readonly running = new Map<string, number>();
  private readonly retries = new Map<string, number>();
  private readonly failed = new Map<string, 'failed' | 'unreachable'>();
  private readonly notices: string[] = [];

  constructor(
    readonly title: string,
    readonly hosts: number,
    private readonly now: () => number,
    /** Hosts whose connection is open (they answered once): the others are still connecting. */
    private readonly contacted: ReadonlySet<string>,
  ) {
    this.started = now();
  }

  start(host: string): void {
    this.running.set(host, this.now());
  }

  result(e: HostResult): void {
    this.running.delete(e.host);
    this.done++;
    const key = e.ignored ? 'ignored' : e.status;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    if ((e.status === 'failed' && !e.ignored) || e.status === 'unreachable') {
      this.bad = true;
      this.failed.set(e.host, e.status);
    }
  }

  retry(host: string): void {
    this.retries.set(host, (this.retries.get(host) ?? 0) + 1);
  }

  /** A line said while the task runs (an interrupt, a warning): shown live, the last three. */
  notice(message: string): void {
    this.notices.push(message);
    if (this.notices.length > 3) this.notices.shift();
  }

  /** `TASK [name]  ok=3 changed=1  (4/200)  2.5s` while running; without the progress once done. */
  headline(finished = false): string {
    const counts = countsText(this.counts);
    const progress = finished ? '' : `(${this.done}/${this.hosts})  `;
    return `${this.title}  ${counts}${counts ? '  ' : ''}${progress}${secs(this.now() - this.started)}`;
  }

  /** The lines under the headline: connection phase, running hosts, failures so far, notices. */
  detail(): string[] {
    const at = this.now();
    const lines: string[] = [];
    const waiting = this.hosts - this.done - this.running.size;
    let connecting = 0;
    for (const h of this.running.keys()) if (!this.contacted.has(h)) connecting++;
    const phase = [connecting > 0 ? `connecting to ${connecting}` : '', waiting > 0 ? `${waiting} waiting for a fork` : ''].filter(Boolean).join(', ');
    if (phase) lines.push(phase);
    if (this.running.size > 0) {
      const running = (function* (self: TaskProgress, m: Map<string, number>) {
        for (const [h, since] of m) {
          const r = self.retries.get(h);
          yield `${h} ${secs(at - since)}${r ? ` (retry ${r})` : ''}`;
        }
      })(this, this.running);
      lines.push(`running: ${names(running, this.running.size)}`);
    }
    for (const status of ['unreachable', 'failed'] as const) {
      const hosts = [...this.failed].filter(([, s]) => s === status).map(([h]) => h);
      if (hosts.length > 0) lines.push(`${status}: ${names(hosts, hosts.length)}`);
    }
    lines.push(...this.notices);
    return lines;
  }
}
