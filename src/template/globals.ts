/** Template globals: True/False/None, omit, range, dict, lookup('env'|'file'|'first_found'|'vars'), now. */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { didYouMean } from '../util/suggest.js';
import { bool, parseArgs, str } from './args.js';
import { UndefinedError } from './errors.js';
import { isMapping, pyStr } from './python.js';
import { firstFound } from '../vars/first-found.js';

/** The value of `omit`: a mapping key whose value renders to this is dropped. */
export const OMIT = '__omit_place_holder__orchestrate__';

interface VarsContext {
  lookup(name: string): unknown;
}

function varOf(ctx: unknown, name: string): unknown {
  return (ctx as VarsContext).lookup(name);
}

function findFile(ctx: unknown, path: string): string {
  if (isAbsolute(path)) return path;
  const bases: string[] = [];
  for (const v of ['role_path', 'playbook_dir']) {
    const b = varOf(ctx, v);
    if (typeof b === 'string') bases.push(join(b, 'files', path), join(b, path));
  }
  bases.push(path);
  for (const p of bases) {
    try {
      readFileSync(p);
      return p;
    } catch {
      // try the next place
    }
  }
  throw new Error(`lookup('file'): could not find or read '${path}'`);
}

type Lookup = (ctx: unknown, terms: unknown[], kw: Record<string, unknown>) => unknown[];

const LOOKUPS: Record<string, Lookup> = {
  env: (_ctx, terms, kw) => terms.map((t) => process.env[str(t)] ?? (kw['default'] === undefined ? '' : kw['default'])),
  file: (ctx, terms, kw) =>
    terms.map((t) => {
      const text = readFileSync(findFile(ctx, str(t)), 'utf8');
      return bool(kw['rstrip'] ?? true) ? text.trimEnd() : text;
    }),
  first_found: (ctx, terms, kw) => {
    const rolePath = varOf(ctx, 'role_path');
    return firstFound(terms, kw, 'files', { playbookDir: String(varOf(ctx, 'playbook_dir') ?? '.'), ...(typeof rolePath === 'string' ? { rolePath } : {}) });
  },
  vars: (ctx, terms, kw) =>
    terms.map((t) => {
      const v = varOf(ctx, str(t));
      if (v !== undefined) return v;
      if (kw['default'] !== undefined) return kw['default'];
      throw new UndefinedError(`'${str(t)}' is undefined`);
    }),
};

function runLookup(ctx: unknown, raw: unknown[], asList: boolean): unknown {
  const a = parseArgs(raw);
  const name = str(a.pos[0]);
  const fn = LOOKUPS[name];
  if (!fn) throw new Error(`lookup plugin '${name}' not found${didYouMean(name, Object.keys(LOOKUPS))}`);
  const terms = a.pos.slice(1).flatMap((t) => (Array.isArray(t) ? t : [t]));
  const out = fn(ctx, terms, a.kw);
  // an empty result stays a list, as Ansible's Templar._lookup returns it
  if (asList || bool(a.kw['wantlist'] ?? false) || out.length === 0) return out;
  return out.length === 1 ? out[0] : out.map(pyStr).join(',');
}

function range(start: unknown, stop?: unknown, step: unknown = 1): number[] {
  const [a, b] = stop === undefined ? [0, Number(start)] : [Number(start), Number(stop)];
  const s = Number(step);
  if (s === 0) throw new Error('range() step must not be zero');
  const out: number[] = [];
  for (let i = a; s > 0 ? i < b : i > b; i += s) out.push(i);
  return out;
}

function strftime(d: Date, fmt: string, utc: boolean): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const f: Record<string, number> = utc
    ? { Y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate(), H: d.getUTCHours(), M: d.getUTCMinutes(), S: d.getUTCSeconds() }
    : { Y: d.getFullYear(), m: d.getMonth() + 1, d: d.getDate(), H: d.getHours(), M: d.getMinutes(), S: d.getSeconds() };
  return fmt.replace(/%([YmdHMSs%])/g, (_m, c: string) =>
    c === '%' ? '%' : c === 's' ? String(Math.floor(d.getTime() / 1000)) : p(f[c]!, c === 'Y' ? 4 : 2),
  );
}

export const globals: Record<string, unknown> = {
  True: true,
  False: false,
  None: null,
  omit: OMIT,
  range,
  dict: (...raw: unknown[]) => {
    const a = parseArgs(raw);
    const pairs = a.pos[0];
    const base = Array.isArray(pairs) ? Object.fromEntries(pairs.map((p) => [str((p as unknown[])[0]), (p as unknown[])[1]])) : isMapping(pairs) ? { ...pairs } : {};
    return { ...base, ...a.kw };
  },
  lookup(this: unknown, ...raw: unknown[]) {
    return runLookup(this, raw, false);
  },
  query(this: unknown, ...raw: unknown[]) {
    return runLookup(this, raw, true);
  },
  now: (utc?: unknown, fmt?: unknown) => {
    const d = new Date();
    const isUtc = bool(utc ?? false);
    return fmt === undefined ? strftime(d, '%Y-%m-%d %H:%M:%S', isUtc) : strftime(d, str(fmt), isUtc);
  },
};
globals['q'] = globals['query'];
