/** Run the built CLI (dist/) as a user would, capturing output and the --json event stream. */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');
export const BIN = path.join(REPO, 'bin/orchestrate.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  events: Record<string, unknown>[];
}

export function orchestrate(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? REPO,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const events = args.includes('--json')
        ? stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
        : [];
      resolve({ code: code ?? -1, stdout, stderr, events });
    });
  });
}

/** A temp project directory with the given files (paths relative to it). */
export function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-test-'));
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return dir;
}

export function results(events: Record<string, unknown>[], task?: string): Record<string, unknown>[] {
  return events.filter((e) => e['type'] === 'host.result' && (task === undefined || e['task'] === task));
}

export function recap(events: Record<string, unknown>[]): Record<string, Record<string, number>> {
  const r = events.find((e) => e['type'] === 'recap');
  return (r?.['stats'] ?? {}) as Record<string, Record<string, number>>;
}

export function totals(events: Record<string, unknown>[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const s of Object.values(recap(events))) for (const [k, v] of Object.entries(s)) t[k] = (t[k] ?? 0) + v;
  return t;
}
