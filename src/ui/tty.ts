/**
 * Live progress on a terminal, drawn by listr2's default renderer: each play task is one listr2
 * task whose title (counts, progress, elapsed time) and output (connection phase, the hosts still
 * running by name with their elapsed time and retries, the hosts failed or unreachable so far,
 * an interrupt) are refreshed eight times a second, each refresh one listr2 redraw; when the task ends its row
 * stays, marked ✓ or ✗, followed by the failures with rc/cmd/stdout/stderr, diffs and debug output.
 * Plays, batches, stopped rollouts, warnings and the recap are written between the tasks.
 *
 * listr2's own SIGINT handler is off (registerSignalListeners: false): orchestrate's handler
 * decides (one Ctrl-C lets running tasks finish and prints the recap, a second one exits), and
 * the cursor, which listr2 hides while it draws, is shown again however the process ends.
 */
import { Listr, ListrDefaultRendererLogLevels, ListrLogger, ProcessOutput, Spinner, type ListrTaskWrapper } from 'listr2';
import type { RunEvent } from '../executor/events.js';
import { unifiedDiff } from './diff.js';
import { batchLine, failureLine, rolloutStopLines } from './format.js';
import { formatValue } from './plain.js';
import { paint, secs, TaskProgress } from './progress.js';
import { recapLines } from './recap.js';

export interface TtyOptions {
  /** The terminal (process.stdout by default): listr2 draws on it, permanent lines go to it. */
  stream?: NodeJS.WriteStream;
  verbosity: number;
  diff: boolean;
  /** Refreshes (listr2 redraws) per second. */
  fps?: number;
  now?: () => number;
}

type Wrapper = ListrTaskWrapper<unknown, never, never>;

interface Row {
  progress: TaskProgress;
  /** Lines printed under the row once it is done: failures, diffs, output, logs, warnings. */
  notes: string[];
  finish: () => void;
}

const CURSOR_SHOW = '\x1b[?25h';

/**
 * listr2's spinner, turned by the refresh timer instead of its own 100 ms interval: one redraw
 * per refresh, whatever changed (listr2 redraws on every title or output change and on every
 * spinner tick, and a redraw costs about half a millisecond).
 */
class RefreshSpinner extends Spinner {
  private redraw: (() => void) | undefined;
  override start(cb?: () => void): void {
    this.redraw = cb;
  }
  override stop(): void {
    this.redraw = undefined;
  }
  tick(redraw: boolean): void {
    this.spin();
    if (redraw) this.redraw?.();
  }
}

function listrOptions(stream: NodeJS.WriteStream, spinner: Spinner): ConstructorParameters<typeof Listr>[1] {
  const rendererOptions = {
    spinner,
    logger: new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(stream, process.stderr) }),
    formatOutput: 'truncate' as const,
    collapseErrors: true,
    showErrorMessage: false,
    icon: { [ListrDefaultRendererLogLevels.COMPLETED]: '✓', [ListrDefaultRendererLogLevels.FAILED]: '✗' },
  };
  // the caller decided this is a terminal: the default renderer also when listr2 would fall back
  return { exitOnError: false, registerSignalListeners: false, renderer: 'default', fallbackRenderer: 'default', rendererOptions, fallbackRendererOptions: rendererOptions };
}

export function ttyRenderer(o: TtyOptions): { listener: (e: RunEvent) => void; drain: () => Promise<void> } {
  const stream = o.stream ?? process.stdout;
  const now = o.now ?? Date.now;
  const interval = Math.round(1000 / (o.fps ?? 8));
  // listr2 swaps stream.write while it draws: the original is kept to show the cursor at exit
  const rawWrite = stream.write.bind(stream) as (s: string) => boolean;
  const restoreCursor = (): void => void rawWrite(CURSOR_SHOW);
  const contacted = new Set<string>();
  let row: Row | undefined;
  let pending: Promise<unknown> = Promise.resolve();
  const later = (f: () => void): void => void (pending = pending.then(f));
  const print = (s: string): void => later(() => stream.write(s));

  const drive = async (r: Row, task: Wrapper, spinner: RefreshSpinner, finished: Promise<void>): Promise<void> => {
    let output = '';
    const refresh = (): void => {
      // the title is set without its change event: the one redraw below shows it
      task.task.title = r.progress.headline();
      const out = r.progress.detail().join('\n');
      spinner.tick(out === output);
      if (out !== output) task.output = output = out;
    };
    refresh();
    const timer = setInterval(refresh, interval);
    await finished;
    clearInterval(timer);
    // the output bar goes with the running state; the final title shows with the state's redraw
    task.task.title = r.progress.headline(true);
    if (r.progress.bad) throw new Error(task.title);
  };

  const startTask = (e: Extract<RunEvent, { type: 'task.start' }>): void => {
    endTask();
    const title = `${e.handler ? 'HANDLER' : 'TASK'} [${e.role ? `${e.role} : ` : ''}${e.name}]`;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const r: Row = { progress: new TaskProgress(title, e.hosts.length, now, contacted), notes: [], finish };
    row = r;
    later(async () => {
      process.once('exit', restoreCursor);
      const spinner = new RefreshSpinner();
      const list = new Listr([{ title, task: (_ctx, task) => drive(r, task as Wrapper, spinner, finished) }], listrOptions(stream, spinner));
      await list.run().catch(() => undefined);
      process.off('exit', restoreCursor);
      for (const n of r.notes) stream.write(n);
    });
  };

  const endTask = (): void => {
    row?.finish();
    row = undefined;
  };

  const onResult = (e: Extract<RunEvent, { type: 'host.result' }>): void => {
    contacted.add(e.host);
    const r = row;
    if (!r) return;
    r.progress.result(e);
    if (e.status === 'failed' || e.status === 'unreachable') r.notes.push(paint(31, `  ${failureLine(e)} (after ${secs(e.durationMs)})${e.ignored ? ' ...ignoring' : ''}`) + '\n');
    if (o.diff && e.diff) for (const d of e.diff) r.notes.push(unifiedDiff(d));
    if (e.output !== undefined) r.notes.push(`  ok: [${e.host}] => ${formatValue(e.output)}\n`);
  };

  /** Said at once in the running task's output and kept under its row, or written between tasks. */
  const say = (line: string, colour: number): void => {
    if (row) {
      row.progress.notice(line);
      row.notes.push(`${paint(colour, line)}\n`);
    } else print(`${paint(colour, line)}\n`);
  };

  const listener = (e: RunEvent): void => {
    switch (e.type) {
      case 'play.start':
        print(`\n${paint(1, `PLAY [${e.name}]`)} (${e.hosts.length} host${e.hosts.length === 1 ? '' : 's'})\n`);
        break;
      case 'batch.start':
        print(`${paint(1, batchLine(e))}\n`);
        break;
      case 'task.start':
        startTask(e);
        break;
      case 'host.start':
        row?.progress.start(e.host);
        break;
      case 'host.result':
        onResult(e);
        break;
      case 'task.end':
        endTask();
        break;
      case 'rollout.stop':
        endTask();
        print(`${rolloutStopLines(e).map((l) => paint(31, l)).join('\n')}\n`);
        break;
      case 'warning':
        say(`[WARNING]: ${e.message}`, 35);
        break;
      case 'log':
        if (e.host && row && e.message.startsWith('FAILED - RETRYING')) row.progress.retry(e.host);
        if (o.verbosity >= e.verbosity) {
          const line = `  ${e.host ? `[${e.host}] ` : ''}${e.message}\n`;
          if (row) row.notes.push(line);
          else print(line);
        }
        break;
      case 'recap':
        endTask();
        later(() => {
          stream.write(`\n${paint(1, 'PLAY RECAP')}\n`);
          for (const l of recapLines(e.stats, true)) stream.write(`${l}\n`);
          stream.write(`\nfinished in ${(e.durationMs / 1000).toFixed(2)}s${e.interrupted ? paint(31, ' (interrupted: no new tasks were started)') : ''}\n`);
        });
        break;
      default:
        break;
    }
  };
  return {
    listener,
    drain: async () => {
      endTask();
      await pending;
    },
  };
}
