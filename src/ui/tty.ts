/**
 * Live progress on a TTY with listr2: a row per task with per-host status counts, updated as
 * results arrive (cheap at 200+ hosts: only counters change between frames). Failures, diffs
 * and debug output are printed under the finished row.
 */
import { Listr } from 'listr2';
import type { RunEvent } from '../executor/events.js';
import { unifiedDiff } from './diff.js';
import { formatValue } from './plain.js';
import { recapLines } from './recap.js';

interface Row {
  title: string;
  hosts: number;
  counts: Record<string, number>;
  notes: string[];
  done: () => void;
  failed: boolean;
  update?: (title: string) => void;
}

export function ttyRenderer(o: { write: (s: string) => void; verbosity: number; diff: boolean }): { listener: (e: RunEvent) => void; drain: () => Promise<void> } {
  let current: Row | undefined;
  let pending: Promise<unknown> = Promise.resolve();

  const label = (r: Row): string => {
    const seen = Object.values(r.counts).reduce((a, b) => a + b, 0);
    const parts = Object.entries(r.counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k}=${n}`);
    return `${r.title}  ${parts.join(' ')}${seen < r.hosts ? `  (${seen}/${r.hosts})` : ''}`;
  };

  const start = (title: string, hosts: number): void => {
    let resolve!: () => void;
    const finished = new Promise<void>((r) => (resolve = r));
    const row: Row = { title, hosts, counts: {}, notes: [], done: resolve, failed: false };
    current = row;
    const list = new Listr(
      [
        {
          title,
          task: async (_ctx, task) => {
            row.update = (t) => (task.title = t);
            row.update(label(row));
            await finished;
            task.title = label(row);
            if (row.failed) throw new Error(label(row));
          },
        },
      ],
      { exitOnError: false, renderer: 'default', rendererOptions: { collapseErrors: true, showErrorMessage: false } },
    );
    pending = pending.then(() => list.run().catch(() => undefined));
  };

  const finish = (): void => {
    const row = current;
    if (!row) return;
    current = undefined;
    row.done();
    pending = pending.then(() => {
      for (const n of row.notes) o.write(n);
    });
  };

  const listener = (e: RunEvent): void => {
    switch (e.type) {
      case 'play.start':
        pending = pending.then(() => o.write(`\nPLAY [${e.name}] (${e.hosts.length} hosts)\n`));
        break;
      case 'task.start':
        start(`${e.handler ? 'handler: ' : ''}${e.role ? `${e.role} : ` : ''}${e.name}`, e.hosts.length);
        break;
      case 'host.result': {
        const r = current;
        if (!r) break;
        const key = e.ignored ? 'ignored' : e.status;
        r.counts[key] = (r.counts[key] ?? 0) + 1;
        if (e.status === 'failed' && !e.ignored) r.failed = true;
        if (e.status === 'unreachable') r.failed = true;
        if (e.status === 'failed' || e.status === 'unreachable') r.notes.push(`  ${e.status === 'failed' ? 'FAILED' : 'UNREACHABLE'} [${e.host}]: ${e.msg ?? ''}\n`);
        if (o.diff && e.diff) for (const d of e.diff) r.notes.push(unifiedDiff(d));
        if (e.output !== undefined) r.notes.push(`  [${e.host}] => ${formatValue(e.output)}\n`);
        r.update?.(label(r));
        break;
      }
      case 'task.end':
        finish();
        break;
      case 'warning':
        pending = pending.then(() => o.write(`[WARNING]: ${e.message}\n`));
        break;
      case 'log':
        if (o.verbosity >= e.verbosity && current) current.notes.push(`  ${e.host ? `[${e.host}] ` : ''}${e.message}\n`);
        break;
      case 'recap':
        finish();
        pending = pending.then(() => {
          o.write('\nPLAY RECAP\n');
          for (const l of recapLines(e.stats, true)) o.write(`${l}\n`);
          o.write(`\nfinished in ${(e.durationMs / 1000).toFixed(2)}s${e.interrupted ? ' (interrupted)' : ''}\n`);
        });
        break;
      default:
        break;
    }
  };
  return { listener, drain: () => pending.then(() => undefined) };
}
