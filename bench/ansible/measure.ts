/**
 * One timed playbook run of orchestrate or ansible-playbook under `/usr/bin/time -v`: wall time,
 * control-side CPU, the largest process's peak RSS, the peak PSS summed over the whole process
 * tree (Ansible runs one process per fork plus one ssh per host), and the recap's totals.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export interface Recap {
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
  hosts: number;
}

export interface RunMeasure {
  code: number;
  wallS: number;
  cpuS: number;
  /** Peak RSS of the largest single process, MiB. */
  maxRssMb: number;
  /** Peak of the summed PSS of the process tree, MiB (sampled every 200 ms). */
  treePssMb: number;
  recap: Recap;
  stats: { total: Record<string, number> } | undefined;
  output: string;
}

const TIME = '/usr/bin/time';

function timeField(text: string, label: string): number {
  const m = new RegExp(`${label}[^:]*:\\s*([0-9.]+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

/** Sum of the PLAY RECAP lines (the same format for both tools). */
export function parseRecap(out: string): Recap {
  const r: Recap = { ok: 0, changed: 0, failed: 0, unreachable: 0, hosts: 0 };
  const start = out.lastIndexOf('PLAY RECAP');
  for (const line of out.slice(Math.max(0, start)).split('\n')) {
    const m = /^\S+\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(line);
    if (!m) continue;
    r.hosts++;
    r.ok += Number(m[1]);
    r.changed += Number(m[2]);
    r.unreachable += Number(m[3]);
    r.failed += Number(m[4]);
  }
  return r;
}

function children(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

function pssKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The summed PSS of a process and all its descendants, KiB. */
export function treePssKb(root: number): number {
  let total = 0;
  const todo = [root];
  for (let pid = todo.pop(); pid !== undefined; pid = todo.pop()) {
    total += pssKb(pid);
    todo.push(...children(pid));
  }
  return total;
}

export interface RunSpec {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutS: number;
  statsFile?: string;
}

/** Runs argv under time(1) and samples its process tree's memory until it exits. */
export async function measureRun(spec: RunSpec): Promise<RunMeasure> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-bench-ansible-'));
  const timeFile = path.join(tmp, 'time.txt');
  const useTime = existsSync(TIME);
  const [cmd, ...argv] = useTime ? [TIME, '-v', '-o', timeFile, ...spec.argv] : spec.argv;
  const t0 = performance.now();
  let peakPss = 0;
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(cmd!, argv, { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const sampler = setInterval(() => {
      if (child.pid !== undefined) peakPss = Math.max(peakPss, treePssKb(child.pid));
    }, 200);
    const killer = setTimeout(() => child.kill('SIGTERM'), spec.timeoutS * 1000);
    child.on('error', reject);
    child.on('close', (c) => {
      clearInterval(sampler);
      clearTimeout(killer);
      resolve({ code: c ?? -1, output: out });
    });
  });
  const wallS = (performance.now() - t0) / 1000;
  const t = useTime && existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '';
  const stats = spec.statsFile && existsSync(spec.statsFile) ? (JSON.parse(readFileSync(spec.statsFile, 'utf8')) as RunMeasure['stats']) : undefined;
  rmSync(tmp, { recursive: true, force: true });
  return {
    code,
    wallS,
    cpuS: timeField(t, 'User time') + timeField(t, 'System time'),
    maxRssMb: timeField(t, 'Maximum resident set size') / 1024,
    treePssMb: peakPss / 1024,
    recap: parseRecap(output),
    stats,
    output,
  };
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
