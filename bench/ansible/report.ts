/** bench/results.md for bench:ansible: header, one table per fleet size, counters, memory projection. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { median, type RunMeasure } from './measure.js';
import type { ToolName } from './tools.js';

export interface Rep {
  first: RunMeasure;
  second: RunMeasure;
  noop: RunMeasure;
}

/** What results.md keeps of a run (no output). */
export type Kept = Omit<RunMeasure, 'output'>;

export interface Cell {
  hosts: number;
  servers: number;
  tool: ToolName;
  forks: number;
  reps: { first: Kept; second: Kept; noop: Kept }[];
  problems: string[];
}

export interface Header {
  machine: string;
  versions: string[];
  command: string;
  notes: string[];
}

const CELLS = /<!-- cells: (.*) -->/;

export function keep(m: RunMeasure): Kept {
  const { output: _output, ...rest } = m;
  return rest;
}

/** Cells of an earlier results.md (to merge a partial re-run into). */
export function readCells(file: string): Cell[] {
  if (!existsSync(file)) return [];
  const m = CELLS.exec(readFileSync(file, 'utf8'));
  return m ? (JSON.parse(m[1]!) as Cell[]) : [];
}

const s = (x: number): string => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : '-');
const med = (c: Cell, pick: (r: Cell['reps'][number]) => number): number => median(c.reps.map(pick));

function sizeTable(cells: Cell[]): string[] {
  const base = cells.find((c) => c.tool === 'orchestrate');
  const ratio = (c: Cell, k: 'first' | 'second'): string => {
    if (!base || c.tool === 'orchestrate') return '1';
    return `${(med(c, (r) => r[k].wallS) / med(base, (r) => r[k].wallS)).toFixed(1)}x`;
  };
  const lines = [
    '| tool | runs | first run s | second run s | no-op s | first ÷ orchestrate | second ÷ orchestrate | CPU s first / second | peak memory MiB (tree PSS / largest RSS) |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const c of cells) {
    const cpu = `${s(med(c, (r) => r.first.cpuS))} / ${s(med(c, (r) => r.second.cpuS))}`;
    const mem = `${Math.max(...c.reps.map((r) => r.first.treePssMb)).toFixed(0)} / ${Math.max(...c.reps.map((r) => r.first.maxRssMb)).toFixed(0)}`;
    lines.push(`| ${c.tool} | ${c.reps.length} | ${s(med(c, (r) => r.first.wallS))} | ${s(med(c, (r) => r.second.wallS))} | ${s(med(c, (r) => r.noop.wallS))} | ${ratio(c, 'first')} | ${ratio(c, 'second')} | ${cpu} | ${mem} |`);
  }
  for (const c of cells) for (const p of c.problems) lines.push('', `- ${c.tool}: ${p}`);
  return lines;
}

/** Round trips per host and per executed task, handshakes per host (orchestrate's own counters). */
function counters(cells: Cell[]): string[] {
  const rows = [
    '| hosts | run | handshakes / host | exec channels / host | SFTP requests / host | tasks run / host | requests / task | round trips / task |',
    '|--:|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const c of cells.filter((x) => x.tool === 'orchestrate')) {
    for (const k of ['first', 'second'] as const) {
      const r = c.reps[c.reps.length - 1]?.[k];
      const t = r?.stats?.total;
      if (!r || !t) continue;
      const per = (n: number | undefined): number => (n ?? 0) / c.hosts;
      const tasks = r.recap.ok / c.hosts;
      const requests = per(t['execChannels']) + per(t['sftpOps']);
      // roundTrips: waits on the network (pipelined requests share one); older cells lack it.
      const trips = t['roundTrips'] !== undefined ? (per(t['roundTrips']) / tasks).toFixed(2) : '-';
      rows.push(`| ${c.hosts} | ${k} | ${per(t['handshakes']).toFixed(2)} | ${per(t['execChannels']).toFixed(1)} | ${per(t['sftpOps']).toFixed(1)} | ${tasks.toFixed(1)} | ${(requests / tasks).toFixed(2)} | ${trips} |`);
    }
  }
  return rows;
}

function projection(cells: Cell[]): string[] {
  const pts = cells
    .filter((c) => c.tool === 'orchestrate')
    .map((c) => ({ n: c.hosts, mb: Math.max(...c.reps.map((r) => r.first.treePssMb)) }))
    .sort((a, b) => a.n - b.n);
  if (pts.length < 2) return [];
  const a = pts[0]!;
  const b = pts[pts.length - 1]!;
  const perHost = (b.mb - a.mb) / (b.n - a.n);
  const at = (n: number): string => (b.mb + perHost * (n - b.n)).toFixed(0);
  return [
    `orchestrate's control-side peak memory (PSS of the process): ${a.mb.toFixed(0)} MiB at ${a.n} hosts, ${b.mb.toFixed(0)} MiB at ${b.n} hosts: ` +
      `${(perHost * 1024).toFixed(0)} KiB per host. Linear projection: ~${at(1000)} MiB at 1,000 hosts, ~${at(10000)} MiB at 10,000 hosts ` +
      `(forks bound the connections open at once only when hosts outnumber forks; today every host keeps its connection for the whole run).`,
  ];
}

export function writeResults(file: string, h: Header, cells: Cell[]): void {
  const sizes = [...new Set(cells.map((c) => c.hosts))].sort((x, y) => x - y);
  const out = [
    '# orchestrate vs Ansible: the node side of the mTLS playbook on the same fleet',
    '',
    `Reproduce: \`${h.command}\``,
    '',
    `Machine: ${h.machine}`,
    '',
    ...h.versions.map((v) => `- ${v}`),
    '',
    ...h.notes.flatMap((n) => [n, '']),
  ];
  for (const n of sizes) {
    const cs = cells.filter((c) => c.hosts === n);
    out.push(`## ${n} hosts (${cs[0]?.servers ?? 0} servers, ${n - (cs[0]?.servers ?? 0)} clients), forks ${cs[0]?.forks ?? 0}`, '', ...sizeTable(cs), '');
  }
  out.push('## orchestrate: round trips and handshakes', '', ...counters(cells), '', '## Memory at scale', '', ...projection(cells), '');
  out.push(`<!-- cells: ${JSON.stringify(cells)} -->`, '');
  writeFileSync(file, out.join('\n'));
}
