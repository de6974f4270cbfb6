/** Shared helpers for the lab stand-ins (systemctl, nomad, consul-template). Lab-only code. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HclError, parseHclValue, type HclObjectValue, type HclValue } from '../hcl/index.js';

/** Prefixes an absolute host path with LAB_ROOT (empty on lab hosts, a temp dir in tests). */
export function labPath(p: string): string {
  const root = process.env['LAB_ROOT'] ?? '';
  return root ? join(root, p) : p;
}

export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Logs one line to stdout in the style of HashiCorp agents: `time [LEVEL] component: message`. */
export function logLine(level: Level, component: string, msg: string): void {
  process.stdout.write(`${new Date().toISOString()} [${level}] ${component}: ${msg}\n`);
}

export interface ConfigFile {
  file: string;
  value: HclObjectValue;
}

/** Lists the *.hcl and *.json files of a path in lexical order (a file path is returned as is). */
export function configFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => f.endsWith('.hcl') || f.endsWith('.json'))
    .sort()
    .map((f) => join(path, f));
}

/** Reads one HCL or JSON config file; errors name the file (and line:column for HCL). */
export function readConfigFile(file: string): ConfigFile {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new Error(`${file}: invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!isObject(parsed)) throw new Error(`${file}: expected a JSON object at the top level`);
    return { file, value: parsed as HclObjectValue };
  }
  return { file, value: parseHclValue(text, file) };
}

export function errorText(e: unknown): string {
  if (e instanceof HclError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** First element when a block was repeated (HCL arrays of blocks), else the object itself. */
export function blockOf(v: HclValue | undefined): HclObjectValue {
  const first = Array.isArray(v) ? v[0] : v;
  return isObject(first) ? (first as HclObjectValue) : {};
}

/** Parses Go-style durations: `1s`, `24h`, `1h30m`, `500ms`, or bare seconds. Returns milliseconds. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return v * 1000;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let consumed = 0;
  for (const m of v.matchAll(re)) {
    total += Number(m[1]) * (units[m[2] ?? 's'] ?? 1000);
    consumed += m[0].length;
  }
  return consumed === v.length ? total : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function bool(v: unknown): boolean {
  return v === true || v === 'true';
}

export function statSafe(p: string): import('node:fs').Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}
