/**
 * The HTML report at fleet size: the events of a rolling rotation on N hosts (default 1,000: one
 * server play of 3 batches, then clients in 5% batches, 12 tasks each with a gate and a rollback,
 * 1% failing their gate, diffs on every change) are turned into the report, whose size, build
 * time and time to load and draw in headless chromium are measured. Usage:
 *   npm run bench:report [-- --hosts 1000 --runs 3]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunEvent } from '../src/executor/events.js';
import { ReportBuilder, writeReport } from '../src/report/index.js';
import { checkArgs } from './lib/args.js';
import { Chromium } from './lib/chromium.js';

const TASKS = ['issue certificate', 'write key', 'write certificate', 'write CA', 'reload nomad', 'gate: nomad healthy', 'gate: mTLS handshake', 'rollback: restore key', 'rollback: restore certificate', 'rollback: reload', 'remove backup', 'record serial'];

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

function events(hosts: number): (RunEvent & { ts: number })[] {
  const out: (RunEvent & { ts: number })[] = [];
  let ts = Date.UTC(2026, 0, 1);
  const push = (e: RunEvent, dt = 0): void => void out.push({ ...e, ts: (ts += dt) });
  const names = Array.from({ length: hosts }, (_, i) => (i < 3 ? `server${i + 1}` : `client${i - 2}`));
  push({ type: 'playbook.start', file: 'playbooks/rotate-certs.yml', check: false });
  let id = 0;
  const plays: [string, string[], number][] = [['servers', names.slice(0, 3), 1], ['clients', names.slice(3), Math.max(1, Math.ceil((hosts - 3) * 0.05))]];
  for (const [play, members, size] of plays) {
    push({ type: 'play.start', name: `Rotate certificates - ${play}`, hosts: members, pattern: play });
    const count = Math.ceil(members.length / size);
    for (let b = 0; b < count; b++) {
      const batch = members.slice(b * size, (b + 1) * size);
      push({ type: 'batch.start', index: b + 1, count, hosts: batch });
      for (const name of TASKS) {
        const rollback = name.startsWith('rollback');
        push({ type: 'task.start', id: ++id, name, module: 'command', hosts: batch, handler: false, role: 'cert_rotate' }, 5);
        for (const h of batch) push({ type: 'host.start', taskId: id, host: h });
        for (const h of batch) {
          const bad = name === 'gate: nomad healthy' && (names.indexOf(h) * 7919) % 100 === 0;
          const status = rollback ? 'skipped' : bad ? 'failed' : name.startsWith('write') ? 'changed' : 'ok';
          const diff = status === 'changed' ? [{ path: `/opt/nomad/agent-certs/${name.slice(6)}.pem`, before: 'serial 01\n', after: 'serial 02\n' }] : undefined;
          push({ type: 'host.result', taskId: id, task: name, host: h, status, changed: status === 'changed', durationMs: 40, ...(diff ? { diff } : {}), ...(bad ? { msg: 'non-zero return code', detail: { rc: 1, cmd: 'nomad agent-info', stderr: 'connection refused' } } : {}) }, 2);
        }
        push({ type: 'task.end', id, name }, 3);
      }
    }
    push({ type: 'play.end', name: play });
  }
  const stats = Object.fromEntries(names.map((h) => [h, { ok: 9, changed: 3, unreachable: 0, failed: 0, skipped: 3, rescued: 0, ignored: 0 }]));
  push({ type: 'recap', stats, durationMs: ts - out[0]!.ts, interrupted: false });
  return out;
}

async function main(): Promise<void> {
  checkArgs('Usage: npm run bench:report [-- --hosts 1000 --runs 3]', ['hosts', 'runs']);
  const hosts = arg('hosts', 1000);
  const runs = arg('runs', 3);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-bench-report-'));
  const browser = new Chromium();
  try {
    const evs = events(hosts);
    for (let i = 0; i < runs; i++) {
      const file = path.join(dir, 'run.html');
      const t0 = performance.now();
      const b = new ReportBuilder();
      for (const e of evs) b.add(e);
      writeReport(file, b.model());
      const buildMs = performance.now() - t0;
      const page = await browser.open(`file://${file}`, "document.body.classList.contains('ready')", "({ drawn: Number(document.body.dataset.renderedMs), elements: document.getElementsByTagName('*').length })");
      const v = page.value as { drawn: number; elements: number };
      console.log(
        `run ${i + 1}: ${hosts} hosts, ${evs.length} events: report ${(statSync(file).size / 1024 / 1024).toFixed(2)} MiB, built in ${buildMs.toFixed(0)} ms; ` +
          `chromium: loaded and drawn in ${page.loadMs} ms (its script ${v.drawn} ms), ${v.elements} elements, ${page.errors.length} console errors`,
      );
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
