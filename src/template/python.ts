/** Python semantics the templates rely on: str(), repr(), truthiness, equality, `in`. */
import { UnsafeString } from '../yaml/unsafe.js';

export function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof UnsafeString) && !(v instanceof Date);
}

/** Python str(): what `{{ x }}` prints. None prints as '' (Ansible's finalize). */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof UnsafeString) return v.value;
  if (Array.isArray(v) || isMapping(v)) return pyRepr(v);
  return String(v);
}

/** Python repr(), as Jinja prints lists and dicts: ['a', 1, True, None]. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string' || v instanceof UnsafeString) return quoteRepr(String(v));
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isMapping(v)) return `{${Object.entries(v).map(([k, x]) => `${quoteRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return pyStr(v);
}

function quoteRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
}

/** Python truthiness: empty lists, dicts and strings are false. */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof UnsafeString) return v.value.length > 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

/** Python ==: deep for lists and dicts, no string/number coercion. */
export function pyEq(a: unknown, b: unknown): boolean {
  if (a instanceof UnsafeString) a = a.value;
  if (b instanceof UnsafeString) b = b.value;
  if (a === b) return true;
  if (a === undefined || b === undefined) return a === b;
  if (typeof a === 'boolean' && typeof b === 'number') return Number(a) === b;
  if (typeof a === 'number' && typeof b === 'boolean') return a === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEq(x, b[i]));
  if (isMapping(a) && isMapping(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && pyEq(a[k], b[k]));
  }
  return false;
}

export function pyCompare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==':
    case '===':
      return pyEq(a, b);
    case '!=':
    case '!==':
      return !pyEq(a, b);
  }
  const x = a instanceof UnsafeString ? a.value : a;
  const y = b instanceof UnsafeString ? b.value : b;
  if (typeof x !== typeof y || (typeof x !== 'number' && typeof x !== 'string')) {
    if (!(Array.isArray(x) && Array.isArray(y))) {
      throw new Error(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
    }
  }
  const c = order(x, y);
  if (op === '<') return c < 0;
  if (op === '<=') return c <= 0;
  if (op === '>') return c > 0;
  return c >= 0;
}

/** Ordering for sort/min/max and comparisons: numbers, strings, lists element-wise. */
export function order(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = order(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = pyStr(a);
  const sb = pyStr(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export function pyIn(item: unknown, container: unknown): boolean {
  const c = container instanceof UnsafeString ? container.value : container;
  if (typeof c === 'string') return c.includes(pyStr(item));
  if (Array.isArray(c)) return c.some((x) => pyEq(x, item));
  if (isMapping(c)) return Object.prototype.hasOwnProperty.call(c, pyStr(item));
  throw new Error(`argument of type '${typeName(container)}' is not iterable`);
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'string' || v instanceof UnsafeString) return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (Array.isArray(v)) return 'list';
  if (isMapping(v)) return 'dict';
  if (typeof v === 'function') return 'function';
  return typeof v;
}

/** Python str.split(sep=None, maxsplit=-1). */
export function pySplit(s: string, sep?: unknown, maxsplit?: unknown): string[] {
  const max = typeof maxsplit === 'number' ? maxsplit : -1;
  if (sep === undefined || sep === null) {
    const parts = s.trim().split(/\s+/).filter((p) => p !== '');
    if (max < 0 || parts.length <= max + 1) return parts;
    const head = parts.slice(0, max);
    let rest = s.trimStart();
    for (const h of head) rest = rest.slice(rest.indexOf(h) + h.length).trimStart();
    return [...head, rest];
  }
  const d = pyStr(sep);
  if (d === '') throw new Error('empty separator');
  const parts = s.split(d);
  if (max < 0 || parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(d)];
}

export function pyStrip(s: string, chars?: unknown, side: 'both' | 'left' | 'right' = 'both'): string {
  if (chars === undefined || chars === null) {
    return side === 'both' ? s.trim() : side === 'left' ? s.trimStart() : s.trimEnd();
  }
  const set = new Set(pyStr(chars));
  let a = 0;
  let b = s.length;
  if (side !== 'right') while (a < b && set.has(s[a]!)) a++;
  if (side !== 'left') while (b > a && set.has(s[b - 1]!)) b--;
  return s.slice(a, b);
}
