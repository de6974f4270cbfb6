/** Template globals: True/False/None, omit, range, dict, lookup/query/q (lookups.ts), now. */
import { bool, parseArgs, str } from './args.js';
import { runLookup } from './lookups.js';
import { isMapping } from './python.js';

/** The value of `omit`: a mapping key whose value renders to this is dropped. */
export const OMIT = '__omit_place_holder__orchestrate__';

type LookupContext = Parameters<typeof runLookup>[0];

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
  lookup(this: LookupContext, ...raw: unknown[]) {
    return runLookup(this, raw, false);
  },
  query(this: LookupContext, ...raw: unknown[]) {
    return runLookup(this, raw, true);
  },
  now: (utc?: unknown, fmt?: unknown) => {
    const d = new Date();
    const isUtc = bool(utc ?? false);
    return fmt === undefined ? strftime(d, '%Y-%m-%d %H:%M:%S', isUtc) : strftime(d, str(fmt), isUtc);
  },
};
globals['q'] = globals['query'];
