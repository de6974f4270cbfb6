/** Host patterns as Ansible evaluates them (inventory/manager.py): unions, &intersections, !exclusions, globs, ~regex, subscripts. */
import { parseAddress } from './address.js';

/** Split "a,b:&c:!d" into single patterns; ':' is a separator unless the whole string is one host (IPv6, host[1:3]). */
export function splitPatterns(pattern: string | readonly string[]): string[] {
  if (typeof pattern !== 'string') return pattern.flatMap((p) => splitPatterns(p));
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (parseAddress(pattern, true)) parts = [pattern];
  else parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Regular patterns first (or `all` when there are none), then &intersections, then !exclusions. */
export function orderPatterns(patterns: readonly string[]): string[] {
  const regular: string[] = [];
  const inter: string[] = [];
  const excl: string[] = [];
  for (const p of patterns) {
    if (!p) continue;
    if (p[0] === '!') excl.push(p);
    else if (p[0] === '&') inter.push(p);
    else regular.push(p);
  }
  return [...(regular.length > 0 ? regular : ['all']), ...inter, ...excl];
}

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/s;

export type Subscript = { start: number; end: number | null };

/** "web[1:3]" -> ["web", {start:1,end:3}]; regexes (~...) never carry subscripts. */
export function splitSubscript(pattern: string): [string, Subscript | null] {
  if (pattern[0] === '~') return [pattern, null];
  const m = SUBSCRIPT.exec(pattern);
  if (!m) return [pattern, null];
  if (m[2] !== undefined) return [m[1]!, { start: Number(m[2]), end: null }];
  return [m[1]!, { start: Number(m[3]), end: m[5] ? Number(m[5]) : -1 }];
}

/** Python slicing semantics of Ansible's _apply_subscript; null when the index is out of range. */
export function applySubscript<T>(items: T[], sub: Subscript | null): T[] | null {
  if (items.length === 0 || !sub) return items;
  const { start } = sub;
  let end = sub.end;
  if (end) {
    if (end === -1) end = items.length - 1;
    return items.slice(pyIndex(start, items.length), pyIndex(end + 1, items.length));
  }
  const i = start < 0 ? items.length + start : start;
  if (i < 0 || i >= items.length) return null;
  return [items[i]!];
}

function pyIndex(i: number, n: number): number {
  return i < 0 ? Math.max(0, n + i) : Math.min(i, n);
}

/** Python's fnmatch.translate as a JavaScript RegExp (case-sensitive, whole string). */
export function fnmatchRegExp(pat: string): RegExp {
  let res = '';
  let i = 0;
  const n = pat.length;
  while (i < n) {
    const c = pat[i++]!;
    if (c === '*') {
      while (pat[i] === '*') i++;
      res += '.*';
    } else if (c === '?') res += '.';
    else if (c === '[') {
      let j = i;
      if (pat[j] === '!') j++;
      if (pat[j] === ']') j++;
      while (j < n && pat[j] !== ']') j++;
      if (j >= n) res += '\\[';
      else {
        let stuff = pat.slice(i, j).replace(/\\/g, '\\\\');
        i = j + 1;
        if (!stuff) res += '(?!)';
        else if (stuff === '!') res += '.';
        else {
          if (stuff[0] === '!') stuff = `^${stuff.slice(1)}`;
          else if (stuff[0] === '^' || stuff[0] === '[') stuff = `\\${stuff}`;
          res += `[${stuff.replace(/\[/g, '\\[')}]`;
        }
      }
    } else res += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^(?:${res})$`, 's');
}

/** A ~regex pattern: Python's re.match (anchored at the start only). */
export function regexPattern(src: string): RegExp {
  const js = src.replace(/\(\?P<(\w+)>/g, '(?<$1>').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  return new RegExp(`^(?:${js})`);
}

/** Compile a single pattern (without &/! and subscript) to a name matcher. */
export function compileMatcher(expr: string): RegExp {
  try {
    return expr[0] === '~' ? regexPattern(expr.slice(1)) : fnmatchRegExp(expr);
  } catch (e) {
    throw new Error(`invalid host pattern ${JSON.stringify(expr)}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Whether host-name matching applies even when groups matched (regex or glob-ish patterns). */
export function matchesHostsToo(expr: string): boolean {
  return expr[0] === '~' || /[.?*[]/.test(expr);
}
