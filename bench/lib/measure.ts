/**
 * Run the built CLI as a child under `/usr/bin/time -v`: wall time, peak RSS of the control side,
 * CPU, exit code, and the SSH counters it writes to $ORCHESTRATE_STATS_FILE.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { HostCounters } from '../../src/connection/ssh/stats.js';

/** What ORCHESTRATE_STATS_FILE holds per host and in total: the SSH layer's own counters. */
export type SshCounters = HostCounters;

export interface CliMeasure {
  code: number;
  wallMs: number;
  /** Peak resident set size of the CLI process, KiB (0 when /usr/bin/time is missing). */
  maxRssKb: number;
  userS: number;
  sysS: number;
  stats: { total: SshCounters; perHost: Record<string, SshCounters> } | undefined;
  stdout: string;
  stderr: string;
}

/** The repo root, from dist/bench/lib/ or bench/lib/. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('repo root not found above the benchmark');
    dir = up;
  }
  return dir;
}

const TIME = '/usr/bin/time';

function field(text: string, label: string): number {
  const m = new RegExp(`${label}[^:]*:\\s*([0-9.]+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

/** `orchestrate ARGS` from the repo root; the time(1) report is split off stderr. */
export async function measureCli(args: string[], env: Record<string, string> = {}): Promise<CliMeasure> {
  const root = repoRoot();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-bench-'));
  const statsFile = path.join(tmp, 'stats.json');
  const timeFile = path.join(tmp, 'time.txt');
  const useTime = existsSync(TIME);
  const node = [process.execPath, path.join(root, 'bin/orchestrate.js'), ...args];
  const [cmd, ...argv] = useTime ? [TIME, '-v', '-o', timeFile, ...node] : node;
  const t0 = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(cmd!, argv, {
      cwd: root,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', ORCHESTRATE_STATS_FILE: statsFile, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c ?? -1, stdout: out, stderr: err }));
  });
  const wallMs = performance.now() - t0;
  const timeText = useTime && existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '';
  const stats = existsSync(statsFile) ? (JSON.parse(readFileSync(statsFile, 'utf8')) as CliMeasure['stats']) : undefined;
  rmSync(tmp, { recursive: true, force: true });
  return {
    code,
    wallMs,
    maxRssKb: field(timeText, 'Maximum resident set size'),
    userS: field(timeText, 'User time'),
    sysS: field(timeText, 'System time'),
    stats,
    stdout,
    stderr,
  };
}

/** Peak RSS of this process so far, MiB. */
export function selfPeakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** The 1-minute load average, to read noisy numbers against. */
export function loadAverage(): number {
  return os.loadavg()[0] ?? 0;
}
