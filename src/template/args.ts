/** Argument helpers for filters and tests: Jinja passes keyword arguments as a trailing object. */
import { isKeywords } from './methods.js';
import { isMapping, pyStr, typeName } from './python.js';
import { UnsafeString } from '../yaml/unsafe.js';

export interface Args {
  pos: unknown[];
  kw: Record<string, unknown>;
  /** Positional argument `i`, or keyword `name`, or the default. */
  get(i: number, name: string, def?: unknown): unknown;
}

export function parseArgs(raw: unknown[]): Args {
  const last = raw[raw.length - 1];
  const pos = isKeywords(last) ? raw.slice(0, -1) : raw;
  const kw: Record<string, unknown> = {};
  if (isKeywords(last)) for (const [k, v] of Object.entries(last)) if (k !== '__keywords') kw[k] = v;
  return {
    pos,
    kw,
    get: (i, name, def) => (i < pos.length && pos[i] !== undefined ? pos[i] : name in kw ? kw[name] : def),
  };
}

export function str(v: unknown): string {
  return v instanceof UnsafeString ? v.value : pyStr(v);
}

export function list(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string' || v instanceof UnsafeString) return [...str(v)];
  if (isMapping(v)) return Object.keys(v);
  if (v !== null && typeof v === 'object' && Symbol.iterator in v) return [...(v as Iterable<unknown>)];
  throw new Error(`${what} expects a list, got ${typeName(v)}`);
}

export function mapping(v: unknown, what: string): Record<string, unknown> {
  if (isMapping(v)) return v;
  throw new Error(`${what} expects a dictionary, got ${typeName(v)}`);
}

export function bool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1;
  const s = str(v).trim().toLowerCase();
  return ['yes', 'on', '1', 'true', 't', 'y'].includes(s);
}
