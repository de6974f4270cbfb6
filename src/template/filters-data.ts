/** Filters over lists and dicts: default, join, map/select, set operations, combine, zip... */
import { UnsafeString } from '../yaml/unsafe.js';
import { bool, list, mapping, parseArgs, str } from './args.js';
import { UndefinedError } from './errors.js';
import type { Filter } from './filters-text.js';
import { isMapping, order, pyEq, pyStr, truthy, typeName } from './python.js';
import { lookupMember } from './runtime.js';

type Fn = (this: unknown, value: unknown, ...args: unknown[]) => unknown;
interface EnvLike {
  getFilter(name: string): Fn;
  getTest(name: string): Fn;
}

function env(ctx: unknown): EnvLike {
  const e = (ctx as { env?: EnvLike } | undefined)?.env;
  if (!e) throw new Error('filter called outside a template');
  return e;
}

/** `a.b.0` attribute path lookup, undefined when missing. */
export function attr(item: unknown, path: unknown): unknown {
  let cur = item;
  for (const part of pyStr(path).split('.')) {
    if (cur === undefined) return undefined;
    cur = lookupMember(cur, /^\d+$/.test(part) ? Number(part) : part);
  }
  return cur;
}

function uniq(items: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const x of items) if (!out.some((y) => pyEq(x, y))) out.push(x);
  return out;
}

const has = (items: unknown[], x: unknown): boolean => items.some((y) => pyEq(x, y));

function sortKey(caseSensitive: boolean, attribute: unknown): (v: unknown) => unknown {
  return (v) => {
    const x = attribute === undefined || attribute === null ? v : attr(v, attribute);
    return typeof x === 'string' && !caseSensitive ? x.toLowerCase() : x;
  };
}

function selectWith(ctx: unknown, value: unknown, raw: unknown[], want: boolean, byAttr: boolean): unknown[] {
  const items = list(value, byAttr ? 'selectattr' : 'select');
  const [attribute, name, ...rest] = byAttr ? raw : [undefined, ...raw];
  const test = name === undefined ? undefined : env(ctx).getTest(str(name));
  return items.filter((item) => {
    const v = byAttr ? attr(item, attribute) : item;
    const ok = test ? test.call(ctx, v, ...rest) === true : truthy(v);
    return ok === want;
  });
}

function mapFilter(this: unknown, value: unknown, ...raw: unknown[]): unknown[] {
  const a = parseArgs(raw);
  const items = list(value, 'map');
  if ('attribute' in a.kw) {
    return items.map((x) => {
      const v = attr(x, a.kw['attribute']);
      if (v !== undefined) return v;
      if ('default' in a.kw) return a.kw['default'];
      throw new UndefinedError(`'${typeName(x)} object' has no attribute '${pyStr(a.kw['attribute'])}'`);
    });
  }
  if (a.pos.length === 0) throw new Error('map needs a filter name or attribute=');
  const f = env(this).getFilter(str(a.pos[0]));
  return items.map((x) => f.call(this, x, ...a.pos.slice(1)));
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>, recursive: boolean, listMerge: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    if (recursive && isMapping(cur) && isMapping(v)) out[k] = merge(cur, v, true, listMerge);
    else if (Array.isArray(cur) && Array.isArray(v) && listMerge !== 'replace') out[k] = mergeLists(cur, v, listMerge);
    else out[k] = v;
  }
  return out;
}

function mergeLists(a: unknown[], b: unknown[], how: string): unknown[] {
  switch (how) {
    case 'keep': return a;
    case 'append': return [...a, ...b];
    case 'prepend': return [...b, ...a];
    case 'append_rp': return [...a.filter((x) => !has(b, x)), ...b];
    case 'prepend_rp': return [...b, ...a.filter((x) => !has(b, x))];
    default: throw new Error(`combine: unknown list_merge '${how}'`);
  }
}

function flatten(items: unknown[], levels: number, skipNulls: boolean): unknown[] {
  const out: unknown[] = [];
  for (const x of items) {
    if (Array.isArray(x) && levels !== 0) out.push(...flatten(x, levels - 1, skipNulls));
    else if (!(skipNulls && x === null)) out.push(x);
  }
  return out;
}

function seeded(seed: unknown): () => number {
  let h = 1779033703;
  for (const c of pyStr(seed)) h = Math.imul(h ^ c.charCodeAt(0), 3432918353);
  return () => {
    h = Math.imul(h ^ (h >>> 15), h | 1);
    h ^= h + Math.imul(h ^ (h >>> 7), h | 61);
    return ((h ^ (h >>> 14)) >>> 0) / 4294967296;
  };
}

function extreme(sign: 1 | -1): Filter {
  return (v, ...raw) => {
    const a = parseArgs(raw);
    const key = sortKey(bool(a.kw['case_sensitive'] ?? false), a.kw['attribute']);
    const items = list(v, sign > 0 ? 'max' : 'min');
    if (items.length === 0) return undefined;
    return items.reduce((best, x) => (order(key(x), key(best)) * sign > 0 ? x : best));
  };
}

export const dataFilters: Record<string, Filter> = {
  default: (v, def = '', boolean = false) => (v === undefined || (truthy(boolean) && !truthy(v)) ? def : v),
  mandatory: (v, msg) => {
    if (v === undefined) throw new UndefinedError(msg === undefined ? 'mandatory variable not defined' : str(msg));
    return v;
  },
  join: (v, ...raw) => {
    const a = parseArgs(raw);
    const items = list(v, 'join');
    const at = a.get(1, 'attribute');
    return items.map((x) => str(at === undefined ? x : attr(x, at))).join(str(a.get(0, 'd', '')));
  },
  length: (v) => (isMapping(v) ? Object.keys(v).length : list(v, 'length').length),
  first: (v) => list(v, 'first')[0],
  last: (v) => list(v, 'last').at(-1),
  min: extreme(-1),
  max: extreme(1),
  sum: (v, ...raw) => {
    const a = parseArgs(raw);
    const at = a.get(0, 'attribute');
    return list(v, 'sum').reduce((s: number, x) => s + Number(at === undefined ? x : attr(x, at)), Number(a.get(1, 'start', 0)));
  },
  sort: (v, ...raw) => {
    const a = parseArgs(raw);
    const key = sortKey(bool(a.get(1, 'case_sensitive', false)), a.get(2, 'attribute'));
    const sorted = [...list(v, 'sort')].sort((x, y) => order(key(x), key(y)));
    return truthy(a.get(0, 'reverse', false)) ? sorted.reverse() : sorted;
  },
  unique: (v) => uniq(list(v, 'unique')),
  union: (v, o) => uniq([...list(v, 'union'), ...list(o, 'union')]),
  intersect: (v, o) => uniq(list(v, 'intersect').filter((x) => has(list(o, 'intersect'), x))),
  difference: (v, o) => uniq(list(v, 'difference').filter((x) => !has(list(o, 'difference'), x))),
  symmetric_difference: (v, o) => {
    const a = list(v, 'symmetric_difference');
    const b = list(o, 'symmetric_difference');
    return uniq([...a.filter((x) => !has(b, x)), ...b.filter((x) => !has(a, x))]);
  },
  flatten: (v, ...raw) => {
    const a = parseArgs(raw);
    const levels = a.get(0, 'levels');
    return flatten(list(v, 'flatten'), typeof levels === 'number' ? levels : -1, bool(a.get(1, 'skip_nulls', true)));
  },
  map: mapFilter,
  select(v, ...raw) { return selectWith(this, v, raw, true, false); },
  reject(v, ...raw) { return selectWith(this, v, raw, false, false); },
  selectattr(v, ...raw) { return selectWith(this, v, raw, true, true); },
  rejectattr(v, ...raw) { return selectWith(this, v, raw, false, true); },
  list: (v) => [...list(v, 'list')],
  reverse: (v) => (typeof v === 'string' || v instanceof UnsafeString ? [...str(v)].reverse().join('') : [...list(v, 'reverse')].reverse()),
  dict2items: (v, ...raw) => {
    const a = parseArgs(raw);
    const [kn, vn] = [str(a.get(0, 'key_name', 'key')), str(a.get(1, 'value_name', 'value'))];
    return Object.entries(mapping(v, 'dict2items')).map(([k, x]) => ({ [kn]: k, [vn]: x }));
  },
  items2dict: (v, ...raw) => {
    const a = parseArgs(raw);
    const [kn, vn] = [str(a.get(0, 'key_name', 'key')), str(a.get(1, 'value_name', 'value'))];
    return Object.fromEntries(list(v, 'items2dict').map((x) => [str(mapping(x, 'items2dict')[kn]), mapping(x, 'items2dict')[vn]]));
  },
  combine: (v, ...raw) => {
    const a = parseArgs(raw);
    const dicts = [...(Array.isArray(v) ? v : [v]), ...a.pos].map((d) => mapping(d, 'combine'));
    const recursive = bool(a.kw['recursive'] ?? false);
    const how = str(a.kw['list_merge'] ?? 'replace');
    return dicts.reduce((acc, d) => merge(acc, d, recursive, how), {});
  },
  zip: (v, ...others) => {
    const lists = [list(v, 'zip'), ...others.map((o) => list(o, 'zip'))];
    const n = Math.min(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_, i) => lists.map((l) => l[i]));
  },
  zip_longest: (v, ...raw) => {
    const a = parseArgs(raw);
    const lists = [list(v, 'zip_longest'), ...a.pos.map((o) => list(o, 'zip_longest'))];
    const n = Math.max(...lists.map((l) => l.length));
    const fill = a.kw['fillvalue'] ?? null;
    return Array.from({ length: n }, (_, i) => lists.map((l) => (i < l.length ? l[i] : fill)));
  },
  extract: (key, container, more) => {
    let v = lookupMember(container, key);
    for (const k of more === undefined ? [] : Array.isArray(more) ? more : [more]) v = lookupMember(v, k);
    return v;
  },
  random: (v, ...raw) => {
    const a = parseArgs(raw);
    const rnd = a.kw['seed'] === undefined ? Math.random : seeded(a.kw['seed']);
    if (typeof v === 'number') {
      const start = Number(a.get(0, 'start', 0));
      const step = Number(a.get(1, 'step', 1));
      const n = Math.max(0, Math.ceil((v - start) / step));
      return start + Math.floor(rnd() * n) * step;
    }
    const items = list(v, 'random');
    return items[Math.floor(rnd() * items.length)];
  },
};
dataFilters['d'] = dataFilters['default']!;
dataFilters['count'] = dataFilters['length']!;
