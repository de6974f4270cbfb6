/** The executor: each play is planned (plan.ts), then its batches run: sections → tasks × hosts (bounded by forks). */
import path from 'node:path';
import { findInStack } from '../template/search-path.js';
import pLimit from 'p-limit';
import type { Inventory } from '../inventory/index.js';
import type { Play, Playbook } from '../playbook/model.js';
import { loadYamlFile } from '../yaml/index.js';
import { templateValue } from '../template/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { Secrets } from '../util/secrets.js';
import type { VaultSession } from '../vault/session.js';
import type { ConnectionPool } from './connections.js';
import { emptyStats, type EventBus, type HostStats } from './events.js';
import { planPlay, type PlayPlan } from './plan.js';
import { VarStore } from './vars.js';
import type { HostState, PlayRun } from './state.js';
import { NodeRunner } from './walk.js';

export interface RunOptions {
  playbook: Playbook;
  inventory: Inventory;
  pool: ConnectionPool;
  bus: EventBus;
  secrets: Secrets;
  vault: VaultSession;
  extraVars: Record<string, unknown>;
  limit?: string;
  tags: string[];
  skipTags: string[];
  checkMode: boolean;
  diffMode: boolean;
  forks: number;
  signal: AbortSignal;
  verbosity: number;
  /** The time and every wait of the run (until/retries delays, loop pauses, wait_for); the system clock unless given. */
  clock?: Clock;
}

export interface RunSummary {
  stats: Record<string, HostStats>;
  exitCode: number;
}

export async function runPlaybook(opts: RunOptions): Promise<RunSummary> {
  const clock = opts.clock ?? systemClock;
  const started = clock.now();
  const playbookDir = path.dirname(path.resolve(opts.playbook.file));
  const vars = new VarStore({ inventory: opts.inventory, extraVars: opts.extraVars, checkMode: opts.checkMode, diffMode: opts.diffMode, playbookDir, tags: opts.tags, skipTags: opts.skipTags, forks: opts.forks, verbosity: opts.verbosity });
  const stats = new Map<string, HostStats>();
  const hostStates = new Map<string, HostState>();
  const limiter = pLimit(Math.max(1, opts.forks));
  let brokePlay = false;
  opts.bus.emit({ type: 'playbook.start', file: opts.playbook.file, check: opts.checkMode });
  try {
    const plays = opts.playbook.plays;
    for (let p = 0; p < plays.length; p++) {
      if (opts.signal.aborted) break;
      const later = plays.slice(p + 1).map((x) => x.name);
      const result = await runPlay(plays[p]!, { opts, vars, stats, hostStates, limiter, playbookDir }, later);
      if (result === 'fatal') brokePlay = true;
      if (result !== 'ok') break;
    }
  } finally {
    await opts.pool.closeAll();
  }
  const statsObj = Object.fromEntries(stats);
  opts.bus.emit({ type: 'recap', stats: statsObj, durationMs: clock.now() - started, interrupted: opts.signal.aborted });
  // failed hosts as Ansible's TQM keeps them: a rescued host or one whose errors a
  // meta: clear_host_errors cleared is not failed, whatever its recap says
  const failedNow = new Set([...hostStates.values()].filter((h) => h.failed && !h.unreachable).map((h) => h.name));
  return { stats: statsObj, exitCode: exitCodeFor(statsObj, opts.signal.aborted, brokePlay, failedNow) };
}

/**
 * An unreachable host (3) takes precedence over a failed one (2), also when it is what stopped a
 * rollout (max_fail_percentage / any_errors_fatal: 2 otherwise, even when every failure was
 * rescued later).
 */
export function exitCodeFor(stats: Record<string, HostStats>, interrupted: boolean, brokePlay: boolean, failedHosts?: Set<string>): number {
  if (interrupted) return 99;
  const all = Object.values(stats);
  if (all.some((s) => s.unreachable > 0)) return 3;
  if (brokePlay) return 2;
  if (failedHosts ? failedHosts.size > 0 : all.some((s) => s.failed > 0)) return 2;
  return 0;
}

const warned = new WeakMap<RunOptions, Set<string>>();

/** The same pattern warning from every play of a playbook is said once. */
function warnOnce(opts: RunOptions, message: string): void {
  const seen = warned.get(opts) ?? new Set<string>();
  warned.set(opts, seen);
  if (seen.has(message)) return;
  seen.add(message);
  opts.bus.emit({ type: 'warning', message });
}

/**
 * vars_files as VariableManager.get_vars reads them, before the play's hosts are known: each entry
 * (or the first found of a list) searched as path_dwim_relative_stack does from the play's
 * directory (its vars/, itself). A file that cannot be read is an error only when the play has
 * hosts (`problem`, thrown once the plan says so).
 */
async function loadVarsFiles(play: Play, vars: VarStore): Promise<{ values: Record<string, unknown>; problem?: Error }> {
  const values: Record<string, unknown> = {};
  try {
    for (const entry of play.varsFiles) {
      const candidates = (Array.isArray(entry) ? entry : [entry]).map((f) => String(templateValue(f, vars.playLevel(play.vars))));
      const found = candidates.map((c) => findInStack([play.baseDir], 'vars', c, play.baseDir)).find((f) => f !== undefined);
      const dir = path.relative(process.cwd(), play.baseDir) || '.';
      if (!found) throw new Error(`vars file ${Array.isArray(entry) ? JSON.stringify(entry) : String(entry)} was not found (searched ${dir}/vars and ${dir})`);
      const doc = await loadYamlFile(found);
      if (doc.value && typeof doc.value === 'object' && !Array.isArray(doc.value)) Object.assign(values, doc.value);
      else if (doc.value !== null && doc.value !== undefined) throw new Error(`${found}: a vars file must be a mapping`);
    }
  } catch (err) {
    return { values, problem: err instanceof Error ? err : new Error(String(err)) };
  }
  return { values };
}

interface PlayState {
  opts: RunOptions;
  vars: VarStore;
  stats: Map<string, HostStats>;
  hostStates: Map<string, HostState>;
  limiter: ReturnType<typeof pLimit>;
  playbookDir: string;
}

/** Plan the play, then run its plan: 'fatal' when max_fail_percentage / any_errors_fatal stopped it, 'stop' when every host of a batch failed. */
async function runPlay(play: Play, st: PlayState, laterPlays: string[]): Promise<'ok' | 'stop' | 'fatal'> {
  const { opts, vars, hostStates } = st;
  const varsFiles = await loadVarsFiles(play, vars);
  const exclude = new Set([...hostStates.values()].filter((h) => h.failed || h.unreachable).map((h) => h.name));
  const plan = planPlay(play, opts.inventory, { vars: vars.playLevel({ ...play.vars, ...varsFiles.values }), limit: opts.limit, exclude });
  for (const w of plan.warnings) warnOnce(opts, w);
  const { hosts, pattern } = plan;
  opts.bus.emit({ type: 'play.start', name: play.name, hosts, pattern });
  if (hosts.length === 0) {
    opts.bus.emit({ type: 'warning', message: `play "${play.name}": no hosts matched "${pattern}"${opts.limit ? ` with --limit ${opts.limit}` : ''}, skipping` });
    opts.bus.emit({ type: 'play.end', name: play.name });
    return 'ok';
  }
  if (varsFiles.problem) throw varsFiles.problem;
  vars.startPlay(play, varsFiles.values, hosts);
  for (const h of hosts) {
    if (!hostStates.has(h)) hostStates.set(h, { name: h, failed: false, unreachable: false, ended: false, notified: new Set() });
  }
  const outcome = await runBatches(plan, st, laterPlays);
  opts.bus.emit({ type: 'play.end', name: play.name });
  return outcome;
}

async function runBatches(plan: PlayPlan, st: PlayState, laterPlays: string[]): Promise<'ok' | 'stop' | 'fatal'> {
  const { opts, vars, stats, hostStates } = st;
  const { play, batches, hosts } = plan;
  for (let i = 0; i < batches.length; i++) {
    if (opts.signal.aborted) break;
    const batch = batches[i]!;
    vars.startBatch(batch);
    if (batches.length > 1) opts.bus.emit({ type: 'batch.start', index: i + 1, count: batches.length, hosts: batch });
    for (const h of batch) if (!stats.has(h)) stats.set(h, emptyStats());
    const states = batch.map((h) => hostStates.get(h)!);
    for (const s of states) s.ended = false;
    const run: PlayRun = { play, opts, vars, stats, limiter: st.limiter, playbookDir: st.playbookDir, batchSize: batch.length, abort: false, batchFailed: new Set(), endPlay: false, playHosts: hosts.map((h) => hostStates.get(h)!) };
    // strategy: free — each host walks the tasks on its own (its own walker: blocks, includes and
    // handlers per host); the batch's forks limit stays shared. linear: the hosts go task by task.
    if (play.strategy === 'free') await Promise.all(states.map((s) => new NodeRunner(run).runPlayBatch(plan, [s])));
    else await new NodeRunner(run).runPlayBatch(plan, states);
    const failedInBatch = run.batchFailed.size;
    if (run.endPlay) break;
    const allFailed = failedInBatch > 0 && failedInBatch === batch.length;
    if (!run.abort && !allFailed) continue;
    if (i < batches.length - 1 || laterPlays.length > 0) {
      const failed = [...run.batchFailed].map((h) => ({ host: h, status: hostStates.get(h)?.unreachable ? ('unreachable' as const) : ('failed' as const) }));
      opts.bus.emit({
        type: 'rollout.stop',
        play: play.name,
        batch: i + 1,
        count: batches.length,
        cause: run.abort ? (run.abortCause ?? 'max_fail_percentage') : 'all_failed',
        ...(play.maxFailPercentage !== undefined ? { maxFailPercentage: play.maxFailPercentage } : {}),
        failed,
        notStarted: batches.slice(i + 1).flat(),
        playsNotRun: laterPlays,
      });
    }
    return run.abort ? 'fatal' : 'stop';
  }
  return 'ok';
}
