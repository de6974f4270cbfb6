/** The executor: plays → serial batches → sections → tasks × hosts (bounded by forks). */
import path from 'node:path';
import { findInStack } from '../template/search-path.js';
import pLimit from 'p-limit';
import type { Inventory } from '../inventory/index.js';
import type { Play, Playbook } from '../playbook/model.js';
import { loadYamlFile } from '../yaml/index.js';
import { templateValue } from '../template/index.js';
import type { Secrets } from '../util/secrets.js';
import type { VaultSession } from '../vault/session.js';
import type { ConnectionPool } from './connections.js';
import { emptyStats, type EventBus, type HostStats } from './events.js';
import { serialBatches } from './serial.js';
import { VarStore } from './vars.js';
import { NodeRunner, type HostState, type PlayRun } from './nodes.js';

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
}

export interface RunSummary {
  stats: Record<string, HostStats>;
  exitCode: number;
}

export async function runPlaybook(opts: RunOptions): Promise<RunSummary> {
  const started = Date.now();
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
      const result = await runPlay(plays[p]!, opts, vars, stats, hostStates, limiter, playbookDir, later);
      if (result === 'fatal') brokePlay = true;
      if (result !== 'ok') break;
    }
  } finally {
    await opts.pool.closeAll();
  }
  const statsObj = Object.fromEntries(stats);
  opts.bus.emit({ type: 'recap', stats: statsObj, durationMs: Date.now() - started, interrupted: opts.signal.aborted });
  // failed hosts as Ansible's TQM keeps them: a rescued host or one whose errors a
  // meta: clear_host_errors cleared is not failed, whatever its recap says
  const failedNow = new Set([...hostStates.values()].filter((h) => h.failed && !h.unreachable).map((h) => h.name));
  return { stats: statsObj, exitCode: exitCodeFor(statsObj, opts.signal.aborted, brokePlay, failedNow) };
}

/**
 * The control machine is not a fleet member: a play that targets only localhost (Vault tasks)
 * runs whatever the --limit, which selects inventory hosts.
 */
export function limitFor(pattern: string, limit: string | undefined): string | undefined {
  return /^\s*(localhost|127\.0\.0\.1)\s*$/.test(pattern) ? undefined : limit;
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

function orderHosts(hosts: string[], order: Play['order']): string[] {
  switch (order) {
    case 'reverse_inventory':
      return [...hosts].reverse();
    case 'sorted':
      return [...hosts].sort();
    case 'reverse_sorted':
      return [...hosts].sort().reverse();
    case 'shuffle': {
      const a = [...hosts];
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      return a;
    }
    default:
      return hosts;
  }
}

/**
 * vars_files as VariableManager.get_vars reads them: each entry (or the first found of a list)
 * searched as path_dwim_relative_stack does from the play's directory (its vars/, itself).
 */
async function loadVarsFiles(play: Play, vars: VarStore): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const entry of play.varsFiles) {
    const candidates = (Array.isArray(entry) ? entry : [entry]).map((f) => String(templateValue(f, { ...play.vars, ...vars.forPlay() })));
    const found = candidates.map((c) => findInStack([play.baseDir], 'vars', c, play.baseDir)).find((f) => f !== undefined);
    if (!found) throw new Error(`vars file ${Array.isArray(entry) ? JSON.stringify(entry) : entry} was not found (searched ${path.relative(process.cwd(), play.baseDir) || '.'}/vars and ${path.relative(process.cwd(), play.baseDir) || '.'})`);
    const doc = await loadYamlFile(found);
    if (doc.value && typeof doc.value === 'object' && !Array.isArray(doc.value)) Object.assign(out, doc.value);
    else if (doc.value !== null && doc.value !== undefined) throw new Error(`${found}: a vars file must be a mapping`);
  }
  return out;
}

async function runPlay(
  play: Play,
  opts: RunOptions,
  vars: VarStore,
  stats: Map<string, HostStats>,
  hostStates: Map<string, HostState>,
  limiter: ReturnType<typeof pLimit>,
  playbookDir: string,
  laterPlays: string[],
): Promise<'ok' | 'stop' | 'fatal'> {
  const pattern = String(templateValue(play.hosts, { ...vars.forPlay(), ...play.vars }));
  const { hosts: selected, warnings } = opts.inventory.select(pattern, limitFor(pattern, opts.limit));
  for (const w of warnings) warnOnce(opts, w);
  const hosts = orderHosts(selected.filter((h) => !hostStates.get(h)?.failed && !hostStates.get(h)?.unreachable), play.order);
  opts.bus.emit({ type: 'play.start', name: play.name, hosts, pattern });
  if (hosts.length === 0) {
    opts.bus.emit({ type: 'warning', message: `play "${play.name}": no hosts matched "${pattern}"${opts.limit ? ` with --limit ${opts.limit}` : ''}, skipping` });
    opts.bus.emit({ type: 'play.end', name: play.name });
    return 'ok';
  }
  vars.startPlay(play, await loadVarsFiles(play, vars), hosts);
  for (const h of hosts) {
    if (!hostStates.has(h)) hostStates.set(h, { name: h, failed: false, unreachable: false, ended: false, notified: new Set() });
  }
  // A templated serial may produce a whole list (`serial: "{{ client_batches }}"`): flatten it.
  const serial = play.serial.flatMap((s) => {
    const v = templateValue(s, vars.forPlay());
    return Array.isArray(v) ? (v as unknown[]) : [v];
  });
  const badSerial = serial.find((s) => !(typeof s === 'number' || /^\s*\d+\s*%?\s*$/.test(String(s))));
  if (badSerial !== undefined) throw new Error(`play "${play.name}": serial must be a number, a percentage like "25%" or a list of them, got ${JSON.stringify(badSerial)}`);
  const batches = serialBatches(hosts, serial);
  // 'fatal': max_fail_percentage / any_errors_fatal stopped it; 'stop': every host of a batch failed
  let outcome: 'ok' | 'stop' | 'fatal' = 'ok';
  for (let i = 0; i < batches.length; i++) {
    if (opts.signal.aborted) break;
    const batch = batches[i]!;
    vars.startBatch(batch);
    if (batches.length > 1) opts.bus.emit({ type: 'batch.start', index: i + 1, count: batches.length, hosts: batch });
    for (const h of batch) if (!stats.has(h)) stats.set(h, emptyStats());
    const states = batch.map((h) => hostStates.get(h)!);
    for (const s of states) s.ended = false;
    const run: PlayRun = { play, opts, vars, stats, limiter, playbookDir, batchSize: batch.length, abort: false, batchFailed: new Set(), endPlay: false, playHosts: hosts.map((h) => hostStates.get(h)!) };
    const runner = new NodeRunner(run);
    await runner.runPlayBatch(states);
    const failedInBatch = run.batchFailed.size;
    if (run.endPlay) break;
    const allFailed = failedInBatch > 0 && failedInBatch === batch.length;
    if (run.abort || allFailed) {
      outcome = run.abort ? 'fatal' : 'stop';
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
      break;
    }
  }
  opts.bus.emit({ type: 'play.end', name: play.name });
  return outcome;
}
