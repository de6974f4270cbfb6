import type { Position, ProblemList, YamlDoc } from '../yaml/index.js';

/** What the task and role parsers need from the playbook loader. */
export interface Loader {
  readonly problems: ProblemList;
  readonly rolesPath: string[];
  yaml(file: string, from?: Position): Promise<YamlDoc | undefined>;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asRecord(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

export function asList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

export function normaliseTags(v: unknown): string[] {
  const out: string[] = [];
  for (const t of asList(v)) {
    if (typeof t === 'string') out.push(...t.split(',').map((s) => s.trim()).filter(Boolean));
    else if (typeof t === 'number') out.push(String(t));
  }
  return out;
}

export function asStringList(v: unknown): string[] {
  return asList(v).filter((x): x is string | number => typeof x === 'string' || typeof x === 'number').map(String);
}
