/**
 * The terminal renderer's CPU share: a 12-task playbook on N hosts (default 200) over an
 * in-memory connection whose commands take 20–400 ms (so a run lasts as long as a real one and
 * the progress is drawn throughout), with the terminal renderer (listr2's default renderer)
 * drawing on a stand-in terminal that counts bytes. Measures the CPU time spent in the
 * renderer's event handling, its title/output refreshes and listr2's redraws, against the run's
 * wall time and the process's CPU time. Usage:
 *   npm run bench:renderer [-- --hosts 200 --runs 3]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecOptions, ExecResult } from '../src/connection/connection.js';
import { DefaultRenderer } from 'listr2';
import { TaskProgress } from '../src/ui/progress.js';
import { ttyRenderer } from '../src/ui/tty.js';
import { checkArgs } from './lib/args.js';
import { loadBenchRun, runInMemory } from './lib/in-memory.js';
import { MemoryConnection } from '../src/connection/memory.js';

class SlowConnection extends MemoryConnection {
  override async exec(command: string, opts?: ExecOptions): Promise<ExecResult> {
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 380));
    return super.exec(command, opts);
  }
}

const TASKS = Array.from({ length: 10 }, (_, i) => `    - name: step ${i + 1}\n      command: echo ${i}\n      changed_when: false\n`).join('');
const PLAYBOOK = `
- hosts: all
  gather_facts: false
  serial: "25%"
  tasks:
${TASKS}    - copy: { dest: /a.conf, content: "host={{ inventory_hostname }}\\n" }
    - command: echo done
      changed_when: false
`;

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

/** Milliseconds spent inside `fn` calls, summed: synchronous code on the one JS thread, so CPU time (performance.now costs far less than getrusage per call). */
function timed<A extends unknown[], R>(fn: (this: unknown, ...a: A) => R, acc: { ms: number }): (this: unknown, ...a: A) => R {
  return function (this: unknown, ...a: A): R {
    const t0 = performance.now();
    try {
      return fn.apply(this, a);
    } finally {
      acc.ms += performance.now() - t0;
    }
  };
}

async function once(dir: string, live: boolean): Promise<{ wallMs: number; cpuMs: number; rendererMs: number; drawMs: number; frames: number; bytes: number }> {
  const r = await loadBenchRun(dir);
  const bus = r.bus;
  const acc = { ms: 0 };
  const drawAcc = { ms: 0 };
  let bytes = 0;
  let frames = 0;
  if (live) {
    const draw = DefaultRenderer.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    const progress = TaskProgress.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    const saved = { update: draw['update']!, end: draw['end']!, headline: progress['headline']!, detail: progress['detail']! };
    const update = saved.update;
    draw['update'] = timed(
      timed(function (this: unknown, ...a: unknown[]) {
        frames++;
        return update.apply(this, a);
      }, drawAcc),
      acc,
    );
    draw['end'] = timed(timed(saved.end, drawAcc), acc);
    progress['headline'] = timed(saved.headline, acc);
    progress['detail'] = timed(saved.detail, acc);
    const terminal = { isTTY: true, columns: 120, rows: 50, write: (s: string) => ((bytes += s.length), true) } as unknown as NodeJS.WriteStream;
    const tty = ttyRenderer({ stream: terminal, verbosity: 0, diff: false });
    bus.on(timed(tty.listener, acc));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await run();
    await tty.drain();
    Object.assign(draw, { update: saved.update, end: saved.end });
    Object.assign(progress, { headline: saved.headline, detail: saved.detail });
    const c = process.cpuUsage(c0);
    return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, rendererMs: acc.ms, drawMs: drawAcc.ms, frames, bytes };
  }
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await run();
  const c = process.cpuUsage(c0);
  return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, rendererMs: 0, drawMs: 0, frames, bytes };

  async function run(): Promise<void> {
    const s = await runInMemory(r, (h) => new SlowConnection(h));
    if (s.exitCode !== 0) throw new Error('bench playbook failed');
  }
}

async function main(): Promise<void> {
  checkArgs('Usage: npm run bench:renderer [-- --hosts 200 --runs 3]', ['hosts', 'runs']);
  const hosts = arg('hosts', 200);
  const runs = arg('runs', 3);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-bench-renderer-'));
  try {
    writeFileSync(path.join(dir, 'hosts.ini'), `[nodes]\nnode[0001:${String(hosts).padStart(4, '0')}]\n`);
    writeFileSync(path.join(dir, 'bench.yml'), PLAYBOOK);
    for (let i = 0; i < runs; i++) {
      const off = await once(dir, false);
      const on = await once(dir, true);
      console.log(
        `run ${i + 1}: ${hosts} hosts, wall ${(on.wallMs / 1000).toFixed(2)} s; renderer ${on.rendererMs.toFixed(0)} ms CPU (listr2 redraws ${on.drawMs.toFixed(0)} ms, events and refreshes ${(on.rendererMs - on.drawMs).toFixed(0)} ms) = ${((100 * on.rendererMs) / on.wallMs).toFixed(2)}% of one core, ` +
          `${((100 * on.rendererMs) / on.cpuMs).toFixed(1)}% of the process's CPU (${on.cpuMs.toFixed(0)} ms; without the renderer ${off.cpuMs.toFixed(0)} ms); ${on.frames} redraws, ${(on.bytes / 1024).toFixed(0)} KiB written`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
