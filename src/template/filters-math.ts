/**
 * Ansible's mathstuff, urls and a few core filters: log/pow/root, human_readable/human_to_bytes,
 * product/permutations/combinations, subelements, splitext, to_uuid, urlencode/urldecode.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { bool, list, parseArgs, str } from './args.js';
import type { Filter } from './filters-text.js';
import { pyPercent } from './pyformat.js';
import { isMapping } from './python.js';
import { lookupMember } from './runtime.js';

const SIZE_RANGES: [string, number][] = [['Y', 2 ** 80], ['Z', 2 ** 70], ['E', 2 ** 60], ['P', 2 ** 50], ['T', 2 ** 40], ['G', 2 ** 30], ['M', 2 ** 20], ['K', 2 ** 10], ['B', 1]];

function toNumber(v: unknown, what: string): number {
  const n = typeof v === 'number' ? v : Number(str(v));
  if (!Number.isFinite(n)) throw new Error(`${what}() can only be used on numbers: ${str(v)}`);
  return n;
}

/** module_utils/common/text/formatters.py bytes_to_human. */
function humanReadable(v: unknown, ...raw: unknown[]): string {
  const a = parseArgs(raw);
  const size = toNumber(v, 'human_readable');
  const base = bool(a.get(0, 'isbits', false)) ? 'bits' : 'Bytes';
  const unit = a.get(1, 'unit', null);
  let suffix = 'B';
  let limit = 1;
  for ([suffix, limit] of SIZE_RANGES) {
    if ((unit === null && size >= limit) || (unit !== null && str(unit).toUpperCase() === suffix)) break;
  }
  return `${(size / limit).toFixed(2)} ${limit !== 1 ? suffix + base[0] : base}`;
}

/** Python's round(): halves to even. */
function pyRound(n: number): number {
  const f = Math.floor(n);
  const d = n - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
}

/** formatters.py human_to_bytes. */
function humanToBytes(v: unknown, ...raw: unknown[]): number {
  const a = parseArgs(raw);
  const isbits = bool(a.get(1, 'isbits', false));
  const m = /^\s*(\d*\.?\d*)\s*([A-Za-z]+)?/.exec(str(v));
  const num = m && m[1] !== '' && m[1] !== '.' ? Number(m[1]) : NaN;
  if (!m || Number.isNaN(num)) throw new Error(`human_to_bytes() can't interpret a valid unit for ${str(v)}`);
  const unit = m[2] ?? (a.get(0, 'default_unit', null) === null ? undefined : str(a.get(0, 'default_unit')));
  if (unit === undefined) return pyRound(num);
  const key = unit[0]!.toUpperCase();
  const limit = SIZE_RANGES.find(([s]) => s === key)?.[1];
  if (limit === undefined) throw new Error(`human_to_bytes() failed to convert ${str(v)} (unit = ${unit}). The suffix must be one of Y, Z, E, P, T, G, M, K, B`);
  const cls = isbits ? 'b' : 'B';
  if (unit.length > 1 && !unit.toLowerCase().includes(isbits ? 'bit' : 'byte') && unit[1] !== cls) {
    throw new Error(`human_to_bytes() failed to convert ${str(v)}. Value is not a valid string (expect ${key === 'B' ? `${cls} or ${isbits ? 'bit' : 'byte'}` : `${key}${cls} or ${key}`})`);
  }
  return pyRound(num * limit);
}

function product(...lists: unknown[][]): unknown[][] {
  return lists.reduce<unknown[][]>((acc, l) => acc.flatMap((p) => l.map((x) => [...p, x])), [[]]);
}

function permutations(items: unknown[], r: number): unknown[][] {
  if (r === 0) return [[]];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)], r - 1).map((p) => [x, ...p]));
}

function combinations(items: unknown[], r: number): unknown[][] {
  if (r === 0) return [[]];
  return items.flatMap((x, i) => combinations(items.slice(i + 1), r - 1).map((p) => [x, ...p]));
}

/** plugins/filter/core.py subelements. */
function subelements(obj: unknown, ...raw: unknown[]): unknown[] {
  const a = parseArgs(raw);
  const elements = isMapping(obj) ? Object.values(obj) : list(obj, 'subelements');
  const key = a.get(0, 'subelements');
  const path = Array.isArray(key) ? key.map(str) : str(key).split('.');
  const skipMissing = bool(a.get(1, 'skip_missing', false));
  const out: unknown[] = [];
  for (const el of elements) {
    let values: unknown = el;
    for (const p of path) {
      values = lookupMember(values, p);
      if (values === undefined) {
        if (skipMissing) break;
        throw new Error(`could not find '${p}' key in iterated item '${str(el)}'`);
      }
    }
    if (values === undefined) continue;
    if (!Array.isArray(values)) throw new Error('the key provided is not a list');
    for (const v of values) out.push([el, v]);
  }
  return out;
}

/** Python's uuid.uuid5 with Ansible's namespace (plugins/filter/core.py to_uuid). */
function toUuid(v: unknown, namespace: unknown = '361E6D51-FAEC-444A-9079-341386DA8E2E'): string {
  const ns = Buffer.from(str(namespace).replace(/[{}-]/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(Buffer.from(str(v), 'utf8')).digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** posixpath.splitext: the last dot of the base name, leading dots not counted. */
function splitext(v: unknown): [string, string] {
  const p = str(v);
  const base = posix.basename(p);
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || /^\.+$/.test(base.slice(0, dot + 1))) return [p, ''];
  const cut = p.length - base.length + dot;
  return [p.slice(0, cut), p.slice(cut)];
}

/** urllib.parse.quote (safe '/'), and with quote_via plus for query strings. */
function quote(s: string, safe: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9_.~-]/.test(c) || safe.includes(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/** jinja2.filters.do_urlencode. */
function urlencode(v: unknown): string {
  const qs = (s: unknown): string => quote(str(s), ' ').replace(/ /g, '+');
  if (typeof v === 'string') return quote(v, '/');
  const pairs = isMapping(v) ? Object.entries(v) : (list(v, 'urlencode') as [unknown, unknown][]);
  return pairs.map(([k, x]) => `${qs(k)}=${qs(x)}`).join('&');
}

export const mathFilters: Record<string, Filter> = {
  log: (v, base) => (base === undefined ? Math.log(toNumber(v, 'log')) : Math.log(toNumber(v, 'log')) / Math.log(toNumber(base, 'log'))),
  pow: (v, y) => Math.pow(toNumber(v, 'pow'), toNumber(y, 'pow')),
  root: (v, base = 2) => (Number(base) === 2 ? Math.sqrt(toNumber(v, 'root')) : Math.pow(toNumber(v, 'root'), 1 / Number(base))),
  human_readable: humanReadable,
  human_to_bytes: humanToBytes,
  product: (v, ...raw) => product(list(v, 'product'), ...parseArgs(raw).pos.map((l) => list(l, 'product'))),
  permutations: (v, r) => { const l = list(v, 'permutations'); return permutations(l, r === undefined || r === null ? l.length : Number(r)); },
  combinations: (v, r) => combinations(list(v, 'combinations'), Number(r)),
  subelements,
  to_uuid: toUuid,
  splitext,
  urlencode,
  // jinja2 do_round: 'common' is Python's round() (halves to even), 'ceil' and 'floor'
  round: (v, ...raw) => {
    const a = parseArgs(raw);
    const n = toNumber(v, 'round');
    const p = Number(a.get(0, 'precision', 0));
    const method = str(a.get(1, 'method', 'common'));
    const f = 10 ** p;
    if (method === 'ceil') return Math.ceil(n * f) / f;
    if (method === 'floor') return Math.floor(n * f) / f;
    if (method !== 'common') throw new Error('method must be common, ceil or floor');
    const exact = Number(n.toFixed(p));
    const scaled = n * f;
    return Math.abs(scaled - Math.trunc(scaled)) === 0.5 ? (Math.sign(n) * pyRound(Math.abs(scaled))) / f : exact;
  },
  // jinja2 do_format: `value % args` (or the keyword mapping)
  format: (v, ...raw) => {
    const a = parseArgs(raw);
    if (a.pos.length <= 1) return pyPercent(str(v), a.pos[0]);
    let i = 0;
    return str(v).replace(/%[-+ #0]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]/g, (spec) => (spec === '%%' ? '%' : pyPercent(spec, a.pos[i++])));
  },
  urldecode: (v) => decodeURIComponent(str(v).replace(/\+/g, ' ')),
};
