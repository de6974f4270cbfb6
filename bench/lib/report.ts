/** Tables for benchmark output: printed as they come, and appended as markdown to a results file. */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';

export type Row = Record<string, string | number>;

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

export function fmtMb(kb: number): string {
  return `${(kb / 1024).toFixed(0)} MiB`;
}

export function markdownTable(rows: Row[]): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]!);
  const line = (cells: (string | number)[]): string => `| ${cells.join(' | ')} |`;
  return [line(cols), line(cols.map(() => '---')), ...rows.map((r) => line(cols.map((c) => r[c] ?? '')))].join('\n');
}

/** One line describing the machine and when, for the results file. */
export function machineLine(): string {
  const cpus = os.cpus();
  return `${new Date().toISOString()}, node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, load ${os.loadavg().map((l) => l.toFixed(1)).join('/')}`;
}

/** Append a section (title, machine line, table, notes) to a markdown results file. */
export function appendResults(file: string, title: string, rows: Row[], notes: string[] = []): void {
  if (!existsSync(file)) writeFileSync(file, `# ${title.split(':')[0]} results\n`);
  const body = [``, `## ${title}`, ``, machineLine(), ``, markdownTable(rows), ...notes.map((n) => `\n${n}`), ``].join('\n');
  appendFileSync(file, body);
}
