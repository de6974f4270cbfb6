/** Python methods templates call on strings, lists and dicts: `x.split(',')`, `d.get('k', 1)`. */
import { isMapping, pyEq, pySplit, pyStr, pyStrip } from './python.js';

type Method = (self: never, ...args: unknown[]) => unknown;

function prefixes(v: unknown): string[] {
  return Array.isArray(v) ? v.map(pyStr) : [pyStr(v)];
}

export const STR_METHODS: Record<string, (s: string, ...a: unknown[]) => unknown> = {
  split: (s, sep, max) => pySplit(s, sep, max),
  rsplit: (s, sep, max) => {
    if (typeof max !== 'number' || max < 0) return pySplit(s, sep);
    const rev = pySplit([...s].reverse().join(''), sep === undefined || sep === null ? sep : [...pyStr(sep)].reverse().join(''), max);
    return rev.map((p) => [...p].reverse().join('')).reverse();
  },
  splitlines: (s) => s.split(/\r\n|\r|\n/).filter((_, i, a) => i < a.length - 1 || a[i] !== ''),
  startswith: (s, p) => prefixes(p).some((x) => s.startsWith(x)),
  endswith: (s, p) => prefixes(p).some((x) => s.endsWith(x)),
  strip: (s, c) => pyStrip(s, c),
  lstrip: (s, c) => pyStrip(s, c, 'left'),
  rstrip: (s, c) => pyStrip(s, c, 'right'),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  title: (s) => s.toLowerCase().replace(/(^|[^a-z0-9])([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase()),
  replace: (s, a, b, count) => {
    const parts = s.split(pyStr(a));
    const n = typeof count === 'number' && count >= 0 ? count : parts.length;
    return parts.slice(0, n + 1).join(pyStr(b)) + (parts.length > n + 1 ? pyStr(a) + parts.slice(n + 1).join(pyStr(a)) : '');
  },
  join: (s, items) => (Array.isArray(items) ? items.map(pyStr).join(s) : pyStr(items).split('').join(s)),
  find: (s, sub) => s.indexOf(pyStr(sub)),
  count: (s, sub) => (pyStr(sub) === '' ? s.length + 1 : s.split(pyStr(sub)).length - 1),
  isdigit: (s) => /^\d+$/.test(s),
  isalpha: (s) => /^[A-Za-z]+$/.test(s),
  zfill: (s, w) => s.padStart(typeof w === 'number' ? w : 0, '0'),
  format: (s, ...args) => {
    let i = 0;
    return s.replace(/\{(\d*)\}/g, (_m, n: string) => pyStr(args[n === '' ? i++ : Number(n)]));
  },
};

const LIST: Record<string, (l: unknown[], ...a: unknown[]) => unknown> = {
  index: (l, x) => {
    const i = l.findIndex((y) => pyEq(x, y));
    if (i < 0) throw new Error(`${pyStr(x)} is not in list`);
    return i;
  },
  count: (l, x) => l.filter((y) => pyEq(x, y)).length,
};

const DICT: Record<string, (d: Record<string, unknown>, ...a: unknown[]) => unknown> = {
  keys: (d) => Object.keys(d),
  values: (d) => Object.values(d),
  items: (d) => Object.entries(d),
  get: (d, k, def) => {
    const key = pyStr(k);
    return Object.prototype.hasOwnProperty.call(d, key) && d[key] !== undefined ? d[key] : def === undefined ? null : def;
  },
};

/** The Python method `name` bound to `self`, if `self` has one. */
export function pyMethod(self: unknown, name: string): ((...args: unknown[]) => unknown) | undefined {
  let table: Record<string, Method> | undefined;
  if (typeof self === 'string') table = STR_METHODS as Record<string, Method>;
  else if (Array.isArray(self)) table = LIST as Record<string, Method>;
  else if (isMapping(self)) table = DICT as Record<string, Method>;
  if (!table || !Object.prototype.hasOwnProperty.call(table, name)) return undefined;
  const m = table[name]!;
  return (...args: unknown[]) => m(self as never, ...args.filter((a) => !isKeywords(a)));
}

export function isKeywords(v: unknown): v is Record<string, unknown> {
  return isMapping(v) && (v as { __keywords?: unknown }).__keywords === true;
}
