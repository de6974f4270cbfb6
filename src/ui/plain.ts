/** Plain line output (not a TTY, or CI=true), close to ansible-playbook's default callback. */
import type { RunEvent } from '../executor/events.js';
import { formatPosition } from '../yaml/index.js';
import { unifiedDiff } from './diff.js';
import { batchLine, failureLine, rolloutStopLines } from './format.js';
import { recapLines } from './recap.js';

export interface PlainOptions {
  write: (s: string) => void;
  verbosity: number;
  color: boolean;
  diff: boolean;
}

function banner(title: string): string {
  return `\n${title} ${'*'.repeat(Math.max(3, 78 - title.length))}\n`;
}

export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  return JSON.stringify(v, null, 4);
}

export function plainRenderer(o: PlainOptions): (e: RunEvent) => void {
  const c = (code: number, s: string): string => (o.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const taskNames = new Map<number, string>();
  return (e) => {
    switch (e.type) {
      case 'play.start':
        o.write(banner(`PLAY [${e.name}]`));
        break;
      case 'batch.start':
        o.write(`\n${batchLine(e)}\n`);
        if (o.verbosity > 0) o.write(`  ${e.hosts.join(', ')}\n`);
        break;
      case 'task.start': {
        const title = `${e.handler ? 'RUNNING HANDLER' : 'TASK'} [${e.role ? `${e.role} : ` : ''}${e.name}]`;
        taskNames.set(e.id, title);
        o.write(banner(title));
        if (o.verbosity > 1 && e.pos) o.write(`task path: ${formatPosition(e.pos)}\n`);
        break;
      }
      case 'host.result': {
        const who = e.delegatedTo ? `[${e.host} -> ${e.delegatedTo}]` : `[${e.host}]`;
        if (o.diff && e.diff) for (const d of e.diff) o.write(unifiedDiff(d));
        if (e.status === 'failed' || e.status === 'unreachable') {
          o.write(c(31, `${failureLine(e)}${o.verbosity > 0 ? ` (after ${(e.durationMs / 1000).toFixed(2)}s)` : ''}\n`));
          if (e.ignored) o.write(c(36, '...ignoring\n'));
        } else if (e.status === 'skipped') {
          // ansible's display_skipped_hosts default: a skipped host is said, not hidden
          o.write(c(36, `skipping: ${who}${o.verbosity > 0 && e.reason ? ` (${e.reason})` : ''}\n`));
        } else {
          const label = e.status === 'changed' ? c(33, `changed: ${who}`) : c(32, `ok: ${who}`);
          const why = o.verbosity > 0 && e.reason ? ` (${e.reason})` : '';
          const out = e.output !== undefined ? ` => ${formatValue(e.output)}` : '';
          o.write(`${label}${why}${out}\n`);
        }
        break;
      }
      case 'rollout.stop':
        o.write(`\n${rolloutStopLines(e).map((l) => c(31, l)).join('\n')}\n`);
        break;
      case 'warning':
        o.write(c(35, `[WARNING]: ${e.message}\n`));
        break;
      case 'log':
        if (o.verbosity >= e.verbosity) o.write(`${e.host ? `[${e.host}] ` : ''}${e.message}\n`);
        break;
      case 'recap':
        o.write(banner('PLAY RECAP'));
        for (const l of recapLines(e.stats, o.color)) o.write(`${l}\n`);
        if (e.interrupted) o.write(c(31, '\ninterrupted: no new tasks were started\n'));
        if (o.verbosity > 0) o.write(`\nfinished in ${(e.durationMs / 1000).toFixed(2)}s\n`);
        break;
      default:
        break;
    }
  };
}
