/**
 * The run report's data: built from the executor's events (already masked by the event bus, or
 * read back from a saved --json stream), compact enough to embed for 1,000 hosts: hosts and tasks
 * are named once, each result is a small tuple.
 */
import type { HostStats, RunEvent } from '../executor/events.js';
import { unifiedDiff } from '../ui/diff.js';

export type Timed = RunEvent & { ts: number };

export const STATUS = ['ok', 'changed', 'failed', 'unreachable', 'skipped', 'ignored'] as const;

export interface ReportTask {
  name: string;
  role?: string;
  handler: boolean;
  module: string;
  play: number;
  batch: number;
  start: number;
  end: number;
}

export interface ReportDetail {
  task: number;
  host: number;
  status: string;
  msg?: string;
  detail?: Record<string, unknown>;
  diff?: string;
  output?: unknown;
}

export interface ReportModel {
  file: string;
  check: boolean;
  start: number;
  durationMs: number;
  interrupted: boolean;
  hosts: string[];
  plays: { name: string; start: number; end: number; hosts: number; batches: { index: number; count: number; hosts: number[]; start: number; end: number }[] }[];
  tasks: ReportTask[];
  /** [task, host, status index in STATUS, start (ms from run start), duration ms, detail index or -1] */
  results: [number, number, number, number, number, number][];
  details: ReportDetail[];
  stops: Extract<RunEvent, { type: 'rollout.stop' }>[];
  warnings: string[];
  recap: Record<string, HostStats>;
}

/** Builds the model as events arrive (the --report listener) or from a saved stream. */
export class ReportBuilder {
  private readonly m: ReportModel = { file: '', check: false, start: 0, durationMs: 0, interrupted: false, hosts: [], plays: [], tasks: [], results: [], details: [], stops: [], warnings: [], recap: {} };
  private readonly hostIdx = new Map<string, number>();
  private readonly taskIdx = new Map<number, number>();
  private readonly started = new Map<string, number>();

  private host(name: string): number {
    let i = this.hostIdx.get(name);
    if (i === undefined) {
      i = this.m.hosts.push(name) - 1;
      this.hostIdx.set(name, i);
    }
    return i;
  }

  private rel(ts: number): number {
    if (!this.m.start) this.m.start = ts;
    return ts - this.m.start;
  }

  add(e: Timed): void {
    const t = this.rel(e.ts);
    const play = this.m.plays.at(-1);
    switch (e.type) {
      case 'playbook.start':
        this.m.file = this.m.file ? `${this.m.file}, ${e.file}` : e.file;
        this.m.check = e.check;
        break;
      case 'play.start':
        this.m.plays.push({ name: e.name, start: t, end: t, hosts: e.hosts.length, batches: [] });
        for (const h of e.hosts) this.host(h);
        break;
      case 'batch.start':
        play?.batches.push({ index: e.index, count: e.count, hosts: e.hosts.map((h) => this.host(h)), start: t, end: t });
        break;
      case 'task.start':
        this.taskIdx.set(e.id, this.m.tasks.length);
        this.m.tasks.push({ name: e.name, ...(e.role ? { role: e.role } : {}), handler: e.handler, module: e.module, play: this.m.plays.length - 1, batch: play && play.batches.length > 0 ? play.batches.length - 1 : 0, start: t, end: t });
        break;
      case 'host.start':
        this.started.set(`${e.taskId}\0${e.host}`, t);
        break;
      case 'host.result':
        this.result(e, t);
        break;
      case 'task.end': {
        const i = this.taskIdx.get(e.id);
        if (i !== undefined) this.m.tasks[i]!.end = t;
        break;
      }
      case 'rollout.stop':
        this.m.stops.push(e);
        break;
      case 'warning':
        if (this.m.warnings.length < 200) this.m.warnings.push(e.message);
        break;
      case 'play.end':
        if (play) play.end = t;
        break;
      case 'recap':
        this.m.recap = { ...this.m.recap, ...e.stats };
        this.m.durationMs = t;
        this.m.interrupted ||= e.interrupted;
        break;
      default:
        break;
    }
    const batch = play?.batches.at(-1);
    if (batch) batch.end = Math.max(batch.end, t);
  }

  private result(e: Extract<RunEvent, { type: 'host.result' }>, t: number): void {
    const task = this.taskIdx.get(e.taskId);
    if (task === undefined) return;
    const host = this.host(e.host);
    const key = `${e.taskId}\0${e.host}`;
    const start = this.started.get(key) ?? Math.max(0, t - e.durationMs);
    this.started.delete(key);
    const status = STATUS.indexOf(e.ignored ? 'ignored' : e.status);
    let detail = -1;
    const bad = e.status === 'failed' || e.status === 'unreachable';
    if (bad || (e.diff && e.diff.length > 0) || e.output !== undefined) {
      const d: ReportDetail = { task, host, status: STATUS[status]! };
      if (bad && e.msg !== undefined) d.msg = e.msg;
      if (bad && e.detail) d.detail = e.detail;
      if (e.diff && e.diff.length > 0) d.diff = e.diff.map((x) => unifiedDiff(x)).join('');
      if (e.output !== undefined) d.output = e.output;
      detail = this.m.details.push(d) - 1;
    }
    this.m.results.push([task, host, status, start, Math.max(0, t - start), detail]);
  }

  model(): ReportModel {
    return this.m;
  }
}

/** Reads a saved `--json` stream (one event per line with its `ts`). */
export function modelFromJsonLines(text: string, file = 'events'): ReportModel {
  const b = new ReportBuilder();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${file}:${i + 1}:1: not a JSON event (expected the output of orchestrate run --json)`);
    }
    if (typeof e['type'] !== 'string') throw new Error(`${file}:${i + 1}:1: a JSON object without "type" is not an orchestrate event`);
    const ts = typeof e['ts'] === 'string' ? Date.parse(e['ts']) : Number.NaN;
    b.add({ ...(e as unknown as RunEvent), ts: Number.isFinite(ts) ? ts : 0 });
  }
  return b.model();
}
