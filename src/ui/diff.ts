/** Unified line diffs for --diff output (LCS on lines; large inputs are summarised). */
import type { FileDiff } from '../modules/types.js';

const MAX_CELLS = 4_000_000;

export function unifiedDiff(d: FileDiff, context = 3): string {
  const a = d.before === '' ? [] : d.before.replace(/\n$/, '').split('\n');
  const b = d.after === '' ? [] : d.after.replace(/\n$/, '').split('\n');
  const header = `--- before${d.path ? `: ${d.path}` : ''}\n+++ after${d.path ? `: ${d.path}` : ''}\n`;
  if (a.length * b.length > MAX_CELLS) return `${header}@@ file too large to diff (${a.length} → ${b.length} lines) @@\n`;
  const ops = lineOps(a, b);
  const out: string[] = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]![0] === ' ') {
      i++;
      continue;
    }
    const start = Math.max(0, i - context);
    let end = i;
    while (end < ops.length) {
      if (ops[end]![0] !== ' ') {
        end++;
        continue;
      }
      let run = 0;
      while (end + run < ops.length && ops[end + run]![0] === ' ') run++;
      if (run > context * 2 || end + run >= ops.length) {
        end = Math.min(ops.length, end + context);
        break;
      }
      end += run;
    }
    const hunk = ops.slice(start, end);
    out.push(hunkHeader(ops, start, hunk));
    for (const [op, line] of hunk) out.push(`${op}${line}`);
    i = end;
  }
  return header + out.join('\n') + (out.length ? '\n' : '');
}

/** `@@ -a,n +b,m @@` as diff -u writes it (1-based; a side with no lines names the line before). */
function hunkHeader(ops: [string, string][], start: number, hunk: [string, string][]): string {
  let a = 0;
  let b = 0;
  for (const [op] of ops.slice(0, start)) {
    if (op !== '+') a++;
    if (op !== '-') b++;
  }
  const n = hunk.filter(([op]) => op !== '+').length;
  const m = hunk.filter(([op]) => op !== '-').length;
  const range = (at: number, len: number): string => (len === 1 ? `${at + 1}` : `${len === 0 ? at : at + 1},${len}`);
  return `@@ -${range(a, n)} +${range(b, m)} @@`;
}

function lineOps(a: string[], b: string[]): [string, string][] {
  const n = a.length;
  const m = b.length;
  const dp: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  }
  const ops: [string, string][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push([' ', a[i]!]);
      i++;
      j++;
    } else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) ops.push(['-', a[i++]!]);
    else ops.push(['+', b[j++]!]);
  }
  while (i < n) ops.push(['-', a[i++]!]);
  while (j < m) ops.push(['+', b[j++]!]);
  return ops;
}
