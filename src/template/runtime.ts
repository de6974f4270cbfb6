/**
 * The functions compiled templates call (passed in as `runtime`): strict variable and attribute
 * lookups with Ansible's messages, Python truthiness, comparisons, `in` and printing.
 */
import { UnsafeString } from '../yaml/unsafe.js';
import { UndefinedError } from './errors.js';
import { pyMethod } from './methods.js';
import { runtimeModule, type NjFrame } from './nj.js';
import { isMapping, pyCompare, pyIn, pyStr, truthy, typeName } from './python.js';

interface LookupContext {
  lookup(name: string): unknown;
}

function contextOrFrameLookup(context: LookupContext, frame: NjFrame, name: string): unknown {
  const v = frame.lookup(name);
  return v !== undefined ? v : context.lookup(name);
}

/** Attribute or item lookup with Python semantics; `undefined` when missing. */
export function lookupMember(obj: unknown, key: unknown): unknown {
  const o = obj instanceof UnsafeString ? obj.value : obj;
  if (o === null || o === undefined) return undefined;
  if (typeof o === 'string' || Array.isArray(o)) {
    if (Array.isArray(key) && key.length === 4 && key[3] === '__orc_slice__') return pySlice(o, key[0], key[1], key[2]);
    const idx = toIndex(key, o.length);
    if (idx !== undefined) return idx >= 0 && idx < o.length ? o[idx] : undefined;
    return typeof key === 'string' ? pyMethod(o, key) : undefined;
  }
  if (typeof o !== 'object' && typeof o !== 'function') return undefined;
  const k = typeof key === 'string' ? key : pyStr(key);
  const rec = o as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(rec, k) || (!isMapping(o) && k in rec)) {
    const v = rec[k];
    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(o) : v;
  }
  return pyMethod(o, k);
}

/** Python's `seq[start:stop:step]` (from a subscript the compiler rewrote). */
export function pySlice<T extends string | unknown[]>(seq: T, start: unknown, stop: unknown, step: unknown): T {
  const n = seq.length;
  const st = step === null || step === undefined ? 1 : Number(step);
  if (!Number.isInteger(st) || st === 0) throw new Error('slice step cannot be zero');
  const norm = (v: unknown, def: number, lo: number, hi: number): number => {
    if (v === null || v === undefined) return def;
    let x = Number(v);
    if (x < 0) x += n;
    return Math.min(Math.max(x, lo), hi);
  };
  const a = norm(start, st > 0 ? 0 : n - 1, st > 0 ? 0 : -1, st > 0 ? n : n - 1);
  const b = norm(stop, st > 0 ? n : -1, st > 0 ? 0 : -1, st > 0 ? n : n - 1);
  const idx: number[] = [];
  for (let i = a; st > 0 ? i < b : i > b; i += st) idx.push(i);
  if (typeof seq === 'string') return idx.map((i) => seq[i]).join('') as T;
  return idx.map((i) => (seq as unknown[])[i]) as T;
}

function toIndex(key: unknown, length: number): number | undefined {
  const n = typeof key === 'number' ? key : typeof key === 'string' && /^-?\d+$/.test(key) ? Number(key) : NaN;
  if (!Number.isInteger(n)) return undefined;
  return n < 0 ? length + n : n;
}

export function missingMessage(obj: unknown, key: unknown): string {
  if (obj === null || obj === undefined) return `'None' has no attribute '${pyStr(key)}'`;
  const t = typeName(obj);
  if ((Array.isArray(obj) || typeof obj === 'string') && typeof key === 'number') return `'${t} object' has no element ${key}`;
  return `'${t} object' has no attribute '${pyStr(key)}'`;
}

/** Keeps the original error (nunjucks would wrap it) and notes the template line (0-based). */
function handleError(error: unknown, lineno: unknown): unknown {
  const e = error instanceof Error ? error : new Error(String(error));
  const tagged = e as Error & { templateLine?: number };
  if (tagged.templateLine === undefined && typeof lineno === 'number') tagged.templateLine = lineno;
  return e;
}

export const engineRuntime: Record<string, unknown> = {
  ...runtimeModule,
  handleError,
  suppressValue: (v: unknown) => pyStr(v),
  orcSym(context: LookupContext, frame: NjFrame, name: string): unknown {
    const v = contextOrFrameLookup(context, frame, name);
    if (v === undefined) throw new UndefinedError(`'${name}' is undefined`);
    return v;
  },
  orcMember(obj: unknown, key: unknown): unknown {
    const v = lookupMember(obj, key);
    if (v === undefined) throw new UndefinedError(missingMessage(obj, key));
    return v;
  },
  orcMemberSoft: lookupMember,
  orcTruthy: truthy,
  orcCompare(values: unknown[], ops: string[]): boolean {
    for (let i = 0; i < ops.length; i++) if (!pyCompare(values[i], ops[i]!, values[i + 1])) return false;
    return true;
  },
  orcConcat: (a: unknown, b: unknown) => pyStr(a) + pyStr(b),
  /** Python's `+`: lists concatenate, strings concatenate, numbers add; mixing is a TypeError. */
  orcAdd(a: unknown, b: unknown): unknown {
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : v instanceof UnsafeString ? v.value : undefined);
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
    const sa = str(a);
    const sb = str(b);
    if (sa !== undefined && sb !== undefined) return sa + sb;
    const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : undefined);
    const na = num(a);
    const nb = num(b);
    if (na !== undefined && nb !== undefined) return na + nb;
    throw new Error(`unsupported operand type(s) for +: '${typeName(a)}' and '${typeName(b)}'`);
  },
  /** Python's `*`: a string or list times an integer repeats it; numbers multiply. */
  orcMul(a: unknown, b: unknown): unknown {
    const seq = (v: unknown): string | unknown[] | undefined => (typeof v === 'string' || Array.isArray(v) ? v : v instanceof UnsafeString ? v.value : undefined);
    const int = (v: unknown): number | undefined => (typeof v === 'boolean' ? Number(v) : typeof v === 'number' && Number.isInteger(v) ? v : undefined);
    const repeat = (s: string | unknown[], n: number): unknown => (typeof s === 'string' ? s.repeat(Math.max(0, n)) : Array.from({ length: Math.max(0, n) }, () => s).flat());
    const sa = seq(a);
    const sb = seq(b);
    if (sa !== undefined && int(b) !== undefined) return repeat(sa, int(b)!);
    if (sb !== undefined && int(a) !== undefined) return repeat(sb, int(a)!);
    const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : undefined);
    if (num(a) !== undefined && num(b) !== undefined) return num(a)! * num(b)!;
    throw new Error(sa !== undefined || sb !== undefined ? `can't multiply sequence by non-int of type '${typeName(sa !== undefined ? b : a)}'` : `unsupported operand type(s) for *: '${typeName(a)}' and '${typeName(b)}'`);
  },
  orcIn: (a: unknown, b: unknown) => pyIn(a, b),
  orcIter(v: unknown): unknown {
    if (v instanceof UnsafeString) return [...v.value];
    if (typeof v === 'string') return [...v];
    if (isMapping(v)) return Object.keys(v);
    if (v === null || v === undefined) throw new Error("'NoneType' object is not iterable");
    return v;
  },
};
