/**
 * Lookup plugins, as ansible-core 2.14's (plugins/lookup/*.py), and the way Templar._lookup
 * calls them: `lookup(name, *terms, **options)` joins a list of strings with commas (wantlist
 * false), `query`/`q` always give the list, `errors=strict|warn|ignore` decides what a failing
 * lookup does. `with_NAME` loops call the same plugins (executor/host-task.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { didYouMean } from '../util/suggest.js';
import { firstFound } from '../vars/first-found.js';
import { templateVars } from '../vars/managed.js';
import { bool, parseArgs, str } from './args.js';
import { render, type Vars } from './engine.js';
import { UndefinedError } from './errors.js';
import { passwordLookup } from './lookup-password.js';
import { pyPercent } from './pyformat.js';
import { isMapping } from './python.js';
import { findInStack } from './search-path.js';
import { splitArgs, kvKey, kvValue } from '../modules/lib/kv.js';

/** What a lookup sees: the task's variables. */
export interface LookupEnv {
  get(name: string): unknown;
  vars: Vars;
}

/** An error a lookup plugin raises on purpose (Ansible's AnsibleError from a plugin). */
export class LookupError extends Error {}

type Plugin = (env: LookupEnv, terms: unknown[], kw: Record<string, unknown>) => unknown[];

export function basedir(env: LookupEnv): string {
  const b = env.get('playbook_dir');
  return typeof b === 'string' ? b : process.cwd();
}

export function searchPath(env: LookupEnv): string[] {
  const sp = env.get('ansible_search_path');
  return Array.isArray(sp) ? sp.map(String) : [basedir(env)];
}

export function findFile(env: LookupEnv, subdir: string, name: string): string | undefined {
  return findInStack(searchPath(env), subdir, name, basedir(env));
}

function flatten(terms: unknown[]): unknown[] {
  return terms.flatMap((t) => (Array.isArray(t) ? t : [t]));
}

/** parse_kv: k=v words into options, the other words joined as `_raw_params`. */
export function parseKvTerm(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const rest: string[] = [];
  for (const tok of splitArgs(text, true)) {
    const k = kvKey(tok);
    if (k !== undefined) out[k] = kvValue(tok);
    else rest.push(tok.value);
  }
  if (rest.length > 0) out['_raw_params'] = rest.join(' ');
  return out;
}

function shell(kind: string, env: LookupEnv, term: unknown): string {
  const cmd = str(term);
  const r = spawnSync('/bin/sh', ['-c', cmd], { cwd: basedir(env), input: '', stdio: ['pipe', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new LookupError(`lookup_plugin.${kind}(${cmd}): ${r.error.message}`);
  if (r.status !== 0) throw new LookupError(`lookup_plugin.${kind}(${cmd}) returned ${r.status ?? -1}`);
  return r.stdout.toString('utf8');
}

/** Python's str.splitlines (without the line ends). */
function splitlines(s: string): string[] {
  const out = s.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** glob.glob for one pattern (`*`, `?`, `[...]` in the last part), files only. */
function globFiles(dir: string, pattern: string): string[] {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => re.test(n) && (!n.startsWith('.') || pattern.startsWith('.')))
    .map((n) => path.join(dir, n))
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
}

function fileglob(env: LookupEnv, terms: unknown[]): unknown[] {
  const ret: string[] = [];
  for (const t of terms) {
    const term = str(t);
    const file = path.basename(term);
    const found: (string | undefined)[] = [];
    if (file !== term) found.push(findFile(env, 'files', path.dirname(term)));
    else for (const p of searchPath(env)) found.push(path.join(p, 'files'), p);
    for (const d of found) {
      if (!d) continue;
      const hits = globFiles(d, file);
      if (hits.length > 0) {
        ret.push(...hits);
        break;
      }
    }
  }
  return ret;
}

function sequence(terms: unknown[]): unknown[] {
  const SHORTCUT = /^((0?x?[0-9a-f]+)-)?(0?x?[0-9a-f]+)(\/(0?x?[0-9a-f]+))?(:(.+))?$/i;
  const int = (what: string, v: string): number => {
    const s = v.trim().toLowerCase();
    const n = /^[-+]?0x[0-9a-f]+$/.test(s) ? parseInt(s, 16) : /^[-+]?0o[0-7]+$/.test(s) ? parseInt(s.replace('0o', ''), 8) : /^[-+]?(0|[1-9][0-9]*)$/.test(s) ? parseInt(s, 10) : NaN;
    if (Number.isNaN(n)) throw new LookupError(`can't parse ${what}=${v} as integer`);
    return n;
  };
  const out: string[] = [];
  for (const t of terms) {
    const term = str(t);
    let start = 1;
    let end: number | undefined;
    let count: number | undefined;
    let stride = 1;
    let format = '%d';
    const m = SHORTCUT.exec(term);
    if (m) {
      if (m[2] !== undefined) start = int('start', m[2]);
      end = int('end', m[3]!);
      if (m[5] !== undefined) stride = int('stride', m[5]);
      if (m[7] !== undefined) format = m[7];
    } else {
      const kv = parseKvTerm(term);
      for (const k of ['start', 'end', 'count', 'stride'] as const) {
        if (kv[k] === undefined) continue;
        const n = int(k, kv[k]!);
        if (k === 'start') start = n;
        else if (k === 'end') end = n;
        else if (k === 'count') count = n;
        else stride = n;
        delete kv[k];
      }
      if (kv['format'] !== undefined) format = kv['format'];
      delete kv['format'];
      if (Object.keys(kv).length > 0) throw new LookupError(`unrecognized arguments to with_sequence: [${Object.keys(kv).map((k) => `'${k}'`).join(', ')}]`);
    }
    if (count === undefined && end === undefined) throw new LookupError('must specify count or end in with_sequence');
    if (count !== undefined && end !== undefined) throw new LookupError("can't specify both count and end in with_sequence");
    if (count !== undefined) {
      if (count !== 0) end = start + count * stride - 1;
      else [start, end, stride] = [0, 0, 0];
    }
    if (stride > 0 && end! < start) throw new LookupError('to count backwards make stride negative');
    if (stride < 0 && end! > start) throw new LookupError("to count forward don't make stride negative");
    if ((format.match(/%/g) ?? []).length !== 1) throw new LookupError(`bad formatting string: ${format}`);
    if (stride === 0) continue;
    const stop = end! + (stride >= 0 ? 1 : -1);
    for (let i = start; stride > 0 ? i < stop : i > stop; i += stride) out.push(pyPercent(format, i));
  }
  return out;
}

function subelements(terms: unknown[]): unknown[] {
  const fail = (msg = ''): never => {
    throw new LookupError(`subelements lookup expects a list of two or three items, ${msg}`);
  };
  if (terms.length < 2 || terms.length > 3) fail();
  const [first, key, flags = {}] = terms as [unknown, unknown, unknown];
  if (!(Array.isArray(first) || isMapping(first)) || typeof key !== 'string') fail('first a dict or a list, second a string pointing to the subkey');
  if (!isMapping(flags) || !Object.keys(flags).every((k) => k === 'skip_missing')) fail("the optional third item must be a dict with flags ('skip_missing',)");
  const keys = (key as string).split('.');
  let elements: unknown[];
  if (isMapping(first)) {
    if (first['skipped'] !== undefined && first['skipped'] !== false) return [];
    elements = Object.values(first);
  } else elements = first as unknown[];
  const skipMissing = bool((flags as Record<string, unknown>)['skip_missing'] ?? false);
  const ret: unknown[] = [];
  for (const item0 of elements) {
    if (!isMapping(item0)) throw new LookupError(`subelements lookup expects a dictionary, got '${str(item0)}'`);
    if (item0['skipped'] !== undefined && item0['skipped'] !== false) continue;
    let sub: Record<string, unknown> = item0;
    let sublist: unknown[] = [];
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const last = i === keys.length - 1;
      if (!(k in sub)) {
        if (skipMissing) continue;
        throw new LookupError(`could not find '${k}' key in iterated item '${str(sub)}'`);
      }
      const v = sub[k];
      if (!last) {
        if (!isMapping(v)) {
          if (skipMissing) continue;
          throw new LookupError(`the key ${k} should point to a dictionary, got '${str(v)}'`);
        }
        sub = v;
      } else {
        if (!Array.isArray(v)) throw new LookupError(`the key ${k} should point to a list, got '${str(v)}'`);
        sublist = v;
      }
    }
    // Ansible pops the subkey from the parent item it yields
    const parent = withoutPath(item0, keys);
    for (const item1 of sublist) ret.push([parent, item1]);
  }
  return ret;
}

function withoutPath(obj: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const [k, ...rest] = keys;
  if (!(k! in obj)) return obj;
  const out = { ...obj };
  if (rest.length === 0) delete out[k!];
  else if (isMapping(out[k!])) out[k!] = withoutPath(out[k!] as Record<string, unknown>, rest);
  return out;
}

function templateLookup(env: LookupEnv, terms: unknown[], kw: Record<string, unknown>): unknown[] {
  for (const k of ['variable_start_string', 'variable_end_string', 'comment_start_string', 'comment_end_string']) {
    if (kw[k] !== undefined && !['{{', '}}', '{#', '#}'].includes(str(kw[k]))) throw new LookupError(`the template lookup option ${k} is not supported`);
  }
  const extra = isMapping(kw['template_vars']) ? kw['template_vars'] : {};
  return terms.map((t) => {
    const term = str(t);
    const file = findFile(env, 'templates', term);
    if (!file) throw new LookupError(`the template file ${term} could not be found for the lookup`);
    const text = readFileSync(file, 'utf8');
    const top = { ...templateVars(env.get('orchestrate_ansible_managed'), term, file, ''), template_destpath: null, ...extra };
    return render(text, overlayVars(env.vars, top), { name: term });
  });
}

/** `top` over `base`, without reading (and so rendering) every variable of base. */
export function overlayVars(base: Vars, top: Vars): Vars {
  return new Proxy(top, {
    get: (t, k) => (typeof k === 'string' && Object.prototype.hasOwnProperty.call(t, k) ? t[k] : Reflect.get(base, k)),
    has: (t, k) => Reflect.has(t, k) || Reflect.has(base, k),
    ownKeys: (t) => [...new Set([...Reflect.ownKeys(base), ...Reflect.ownKeys(t)])],
    getOwnPropertyDescriptor: (t, k) => Reflect.getOwnPropertyDescriptor(t, k) ?? (Reflect.has(base, k) ? { configurable: true, enumerable: true, value: Reflect.get(base, k) } : undefined),
  });
}

function together(terms: unknown[]): unknown[] {
  if (terms.length === 0) throw new LookupError('with_together requires at least one element in each list');
  const lists = terms.map((t) => (Array.isArray(t) ? t : [t]));
  const n = Math.max(...lists.map((l) => l.length));
  return Array.from({ length: n }, (_x, i) => flatten(lists.map((l) => (i < l.length ? l[i] : null))));
}

function nested(terms: unknown[]): unknown[] {
  if (terms.length === 0) throw new LookupError('with_nested requires at least one element in the nested list');
  const lists = terms.map((t) => (Array.isArray(t) ? t : [t]));
  let result: unknown[] = lists[0]!;
  for (const next of lists.slice(1)) result = result.flatMap((x) => next.map((y) => flatten([x, y])));
  return result.map((x) => flatten(Array.isArray(x) ? x : [x]));
}

export const LOOKUPS: Record<string, Plugin> = {
  env: (_e, terms, kw) =>
    terms.map((t) => {
      const v = process.env[str(t).trim().split(/\s+/)[0] ?? ''];
      return v ?? (kw['default'] === undefined ? '' : kw['default']);
    }),
  file: (env, terms, kw) =>
    terms.map((t) => {
      const file = findFile(env, 'files', str(t));
      if (!file) throw new LookupError(`could not locate file in lookup: ${str(t)}`);
      let text = readFileSync(file, 'utf8');
      if (bool(kw['lstrip'] ?? false)) text = text.trimStart();
      if (bool(kw['rstrip'] ?? true)) text = text.trimEnd();
      return text;
    }),
  fileglob,
  first_found: (env, terms, kw) => firstFound(terms, kw, 'files', searchBase(env)),
  pipe: (env, terms) => terms.map((t) => shell('pipe', env, t).trimEnd()),
  lines: (env, terms) => terms.flatMap((t) => splitlines(shell('lines', env, t))),
  template: templateLookup,
  password: (env, terms, kw) => passwordLookup(terms.map(str), kw, basedir(env)),
  vars: (env, terms, kw) =>
    terms.map((t) => {
      if (typeof t !== 'string') throw new LookupError(`Invalid setting identifier, "${str(t)}" is not a string, its a ${typeof t}`);
      const v = env.get(t);
      if (v !== undefined) return v;
      if (kw['default'] !== undefined && kw['default'] !== null) return kw['default'];
      throw new UndefinedError(`No variable found with this name: ${t}`);
    }),
  items: (_e, terms) => flatten(terms),
  list: (_e, terms) => terms,
  dict: (_e, terms) =>
    terms.flatMap((t) => {
      if (!isMapping(t)) throw new LookupError('with_dict expects a dict');
      return Object.entries(t).map(([key, value]) => ({ key, value }));
    }),
  indexed_items: (_e, terms) => flatten(terms).map((x, i) => [i, x]),
  sequence: (_e, terms) => sequence(terms),
  subelements: (_e, terms) => subelements(terms),
  together: (_e, terms) => together(terms),
  nested: (_e, terms) => nested(terms),
};

function searchBase(env: LookupEnv): { playbookDir: string; rolePath?: string; stack: string[] } {
  const rolePath = env.get('role_path');
  return { playbookDir: basedir(env), stack: searchPath(env), ...(typeof rolePath === 'string' ? { rolePath } : {}) };
}

export function isLookup(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(LOOKUPS, shortName(name));
}

function shortName(name: string): string {
  return name.replace(/^ansible\.(builtin|legacy)\./, '');
}

/** Run a plugin as Templar._lookup does; `errors` says what a failure does. */
export function runPlugin(name: string, env: LookupEnv, terms: unknown[], kw: Record<string, unknown>, wantlist: boolean): unknown[] | null {
  const fn = LOOKUPS[shortName(name)];
  if (!fn) throw new Error(`lookup plugin (${name}) not found${didYouMean(shortName(name), Object.keys(LOOKUPS))}`);
  const { errors = 'strict', ...options } = kw;
  try {
    return fn(env, terms, options);
  } catch (e) {
    if (e instanceof UndefinedError) throw e;
    const msg = `An unhandled exception occurred while running the lookup plugin '${name}'. Error was a <class 'ansible.errors.AnsibleError'>, original message: ${(e as Error).message}`;
    if (errors === 'ignore' || errors === 'warn') {
      if (errors === 'warn') process.emitWarning(msg);
      return wantlist ? [] : null;
    }
    throw new Error(msg);
  }
}

/** `lookup(...)` / `query(...)` from a template (`ctx` is the render context). */
export function runLookup(ctx: { lookup(name: string): unknown; vars: Vars }, raw: unknown[], asList: boolean): unknown {
  const a = parseArgs(raw);
  const name = str(a.pos[0]);
  const { wantlist, ...kw } = a.kw;
  const want = asList || bool(wantlist ?? false);
  const env: LookupEnv = { get: (n) => ctx.lookup(n), vars: ctx.vars };
  const out = runPlugin(name, env, a.pos.slice(1), kw, want);
  if (out === null || want || out.length === 0) return out;
  // Templar._lookup: ",".join(ran) when every item is a string, else the one item or the list
  if (out.every((x) => typeof x === 'string')) return out.join(',');
  return out.length === 1 ? out[0] : out;
}
