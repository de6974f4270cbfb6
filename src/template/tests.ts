/** Jinja and Ansible tests: `x is defined`, `r is failed`, `v is version('1.2', '>=')`. */
import { existsSync, lstatSync, statSync } from 'node:fs';
import { UnsafeString } from '../yaml/unsafe.js';
import { list, parseArgs, str } from './args.js';
import { pyRegex } from './filters-text.js';
import { isMapping, pyCompare, pyEq, pyIn, truthy } from './python.js';

export type Test = (this: unknown, value: unknown, ...args: unknown[]) => boolean;

function result(v: unknown, test: string): Record<string, unknown> {
  if (!isMapping(v)) throw new Error(`the '${test}' test expects a dictionary (a registered result)`);
  return v;
}

function regexTest(kind: 'match' | 'search'): Test {
  return (v, ...raw) => {
    const a = parseArgs(raw);
    const flags = (a.kw['ignorecase'] ? 'i' : '') + (a.kw['multiline'] ? 'm' : '');
    const m = pyRegex(a.pos[0], flags).exec(str(v));
    return kind === 'match' ? m !== null && m.index === 0 : m !== null;
  };
}

const VERSION_OPS: Record<string, string> = {
  '<': '<', lt: '<', '<=': '<=', le: '<=', '>': '>', gt: '>', '>=': '>=', ge: '>=',
  '==': '==', '=': '==', eq: '==', '!=': '!=', '<>': '!=', ne: '!=',
};

function versionParts(v: string): (number | string)[] {
  return v.split(/[.\-+_~]/).filter((p) => p !== '').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

export function compareVersions(a: string, b: string): number {
  const x = versionParts(a);
  const y = versionParts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i] ?? 0;
    const q = y[i] ?? 0;
    if (p === q) continue;
    if (typeof p === 'number' && typeof q === 'number') return p - q;
    if (typeof p === 'number') return 1; // 1.0 > 1.0rc1
    if (typeof q === 'number') return -1;
    return p < q ? -1 : 1;
  }
  return 0;
}

/** distutils LooseVersion: runs of digits (numbers) and of letters, compared as Python lists. */
function looseCompare(a: string, b: string): number {
  const parts = (s: string): (number | string)[] => (s.match(/\d+|[a-z]+/gi) ?? []).map((p) => (/^\d/.test(p) ? Number(p) : p));
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p === q) continue;
    if (typeof p !== typeof q) throw new Error(`Version comparison failed: '<' not supported between instances of '${typeof p === 'number' ? 'int' : 'str'}' and '${typeof q === 'number' ? 'int' : 'str'}'`);
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}

const version: Test = (v, ...raw) => {
  const a = parseArgs(raw);
  const opName = str(a.get(1, 'operator', '=='));
  const op = VERSION_OPS[opName];
  if (!op) throw new Error(`invalid version operator '${opName}'`);
  const type = str(a.get(3, 'version_type', truthy(a.get(2, 'strict', false)) ? 'strict' : 'loose'));
  const c = type === 'loose' ? looseCompare(str(v), str(a.get(0, 'version'))) : compareVersions(str(v), str(a.get(0, 'version')));
  return pyCompare(c, op, 0);
};

const cmp = (op: string): Test => (v, other) => pyCompare(v, op, other);

export const tests: Record<string, Test> = {
  defined: (v) => v !== undefined,
  undefined: (v) => v === undefined,
  none: (v) => v === null,
  string: (v) => typeof v === 'string' || v instanceof UnsafeString,
  number: (v) => typeof v === 'number',
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => typeof v === 'number' && !Number.isInteger(v),
  boolean: (v) => typeof v === 'boolean',
  mapping: (v) => isMapping(v),
  iterable: (v) => Array.isArray(v) || typeof v === 'string' || v instanceof UnsafeString || isMapping(v),
  sequence: (v) => Array.isArray(v) || typeof v === 'string' || v instanceof UnsafeString || isMapping(v),
  callable: (v) => typeof v === 'function',
  truthy: (v) => truthy(v),
  falsy: (v) => !truthy(v),
  match: regexTest('match'),
  search: regexTest('search'),
  regex: (v, ...raw) => regexTest(parseArgs(raw).kw['match_type'] === 'match' ? 'match' : 'search')(v, ...raw),
  in: (v, container) => pyIn(v, container),
  contains: (v, item) => pyIn(item, v),
  version,
  version_compare: version,
  succeeded: (v) => !truthy(result(v, 'succeeded')['failed']),
  success: (v) => !truthy(result(v, 'success')['failed']),
  failed: (v) => truthy(result(v, 'failed')['failed']),
  failure: (v) => truthy(result(v, 'failure')['failed']),
  changed: (v) => truthy(result(v, 'changed')['changed']),
  change: (v) => truthy(result(v, 'change')['changed']),
  skipped: (v) => truthy(result(v, 'skipped')['skipped']),
  skip: (v) => truthy(result(v, 'skip')['skipped']),
  equalto: (v, o) => pyEq(v, o),
  eq: (v, o) => pyEq(v, o),
  '==': (v, o) => pyEq(v, o),
  sameas: (v, o) => v === o,
  ne: (v, o) => !pyEq(v, o),
  '!=': (v, o) => !pyEq(v, o),
  gt: cmp('>'), '>': cmp('>'), greaterthan: cmp('>'),
  ge: cmp('>='), '>=': cmp('>='),
  lt: cmp('<'), '<': cmp('<'), lessthan: cmp('<'),
  le: cmp('<='), '<=': cmp('<='),
  even: (v) => typeof v === 'number' && v % 2 === 0,
  odd: (v) => typeof v === 'number' && Math.abs(v % 2) === 1,
  divisibleby: (v, n) => typeof v === 'number' && typeof n === 'number' && v % n === 0,
  lower: (v) => str(v) === str(v).toLowerCase(),
  upper: (v) => str(v) === str(v).toUpperCase(),
  subset: (v, of) => list(v, 'subset').every((x) => list(of, 'subset').some((y) => pyEq(x, y))),
  superset: (v, of) => list(of, 'superset').every((x) => list(v, 'superset').some((y) => pyEq(x, y))),
  file: (v) => existsSync(str(v)) && statSync(str(v)).isFile(),
  directory: (v) => existsSync(str(v)) && statSync(str(v)).isDirectory(),
  exists: (v) => existsSync(str(v)),
  link: (v) => existsSync(str(v)) && lstatSync(str(v)).isSymbolicLink(),
  abs: (v) => str(v).startsWith('/'),
  // os.path.ismount: another device than the parent's, or the same inode (the root)
  mount: (v) => {
    const p = str(v);
    if (!existsSync(p)) return false;
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return false;
    const parent = statSync(`${p.replace(/\/+$/, '')}/..`);
    return st.dev !== parent.dev || st.ino === parent.ino;
  },
  same_file: (v, other) => {
    if (!existsSync(str(v)) || !existsSync(str(other))) throw new Error(`No such file or directory: '${existsSync(str(v)) ? str(other) : str(v)}'`);
    const a = statSync(str(v));
    const b = statSync(str(other));
    return a.dev === b.dev && a.ino === b.ino;
  },
  nan: (v) => {
    if (typeof v !== 'number') throw new Error('must be real number, not str');
    return Number.isNaN(v);
  },
  successful: (v) => !truthy(result(v, 'successful')['failed']),
  reachable: (v) => !truthy(result(v, 'reachable')['unreachable']),
  unreachable: (v) => truthy(result(v, 'unreachable')['unreachable']),
  any: (v) => list(v, 'any').some(truthy),
  all: (v) => list(v, 'all').every(truthy),
};
