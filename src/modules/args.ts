/**
 * Argument validation against a module's schema, with Ansible's coercions: free-form and k=v
 * strings, aliases, defaults, bool/int/list/mode coercion, required, choices, requiredOneOf and
 * mutuallyExclusive. Every problem is collected; secret values never appear in messages.
 *
 * A schema key "*" accepts any other key with its spec (set_fact).
 */
import { didYouMean } from '../util/suggest.js';
import { parseKv } from './lib/kv.js';
import { parseModeArg } from './lib/mode.js';
import type { ArgSchema, ArgSpec, ArgType, ModuleInfo } from './types.js';

export interface ArgProblem {
  key?: string;
  message: string;
  /**
   * A problem Ansible finds only when the task runs (a missing or contradictory argument, a
   * value of the wrong type or not among the choices): the loader lets it through where the task
   * is meant to fail, and the task then fails with `ansible` (AnsibleModule's message).
   * Unknown parameters and aliases given twice are certain and always reported at load.
   */
  runtime?: boolean;
  ansible?: string;
}

export interface ValidatedArgs {
  args: Record<string, unknown>;
  problems: ArgProblem[];
}

type SchemaHolder = Pick<ModuleInfo, 'name' | 'args' | 'freeForm' | 'requiredOneOf' | 'mutuallyExclusive'> & {
  validate?(args: never): string[];
};

const TRUE = new Set(['yes', 'on', '1', 'true', 'y', 't']);
const FALSE = new Set(['no', 'off', '0', 'false', 'n', 'f']);

export function isTemplated(v: unknown): boolean {
  return typeof v === 'string' && (v.includes('{{') || v.includes('{%'));
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a dict';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Coerce one value to a type; throws with a message (without the value when secret). */
export function coerce(type: ArgType, v: unknown, secret = false, elements?: ArgType): unknown {
  const what = secret ? '' : ` (got ${describe(v)})`;
  switch (type) {
    case 'raw':
      return v;
    case 'str':
    case 'path':
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      throw new Error(`expected a string${what}`);
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number' && (v === 0 || v === 1)) return v === 1;
      if (typeof v === 'string' && TRUE.has(v.trim().toLowerCase())) return true;
      if (typeof v === 'string' && FALSE.has(v.trim().toLowerCase())) return false;
      throw new Error(`expected a boolean (yes/no/true/false)${what}`);
    case 'int':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return parseInt(v, 10);
      throw new Error(`expected an integer${what}`);
    case 'float':
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
      throw new Error(`expected a number${what}`);
    case 'list': {
      let list: unknown[];
      if (Array.isArray(v)) list = v;
      else if (typeof v === 'string') list = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
      else if (v === null || v === undefined) list = [];
      else if (typeof v === 'object') throw new Error(`expected a list${what}`);
      else list = [v];
      return elements ? list.map((x) => (isTemplated(x) ? x : coerce(elements, x, secret))) : list;
    }
    case 'dict':
      return coerceDict(v, what);
    case 'mode':
      try {
        return parseModeArg(v);
      } catch (e) {
        throw new Error(secret ? 'invalid mode' : (e as Error).message);
      }
  }
}

function coerceDict(v: unknown, what: string): Record<string, unknown> {
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t.startsWith('{')) {
      try {
        const parsed: unknown = JSON.parse(t);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
      } catch {
        /* fall through */
      }
    }
    const kv = parseKv(t);
    if (kv.problems.length === 0) return kv.args;
  }
  throw new Error(`expected a dict${what}`);
}

/**
 * A task's argument string as Ansible's parse_kv reads it when the task is loaded: `k=v` words
 * (Jinja blocks with spaces stay one word) become keys, the rest the free-form text; each value is
 * then templated on its own (so `msg="{{ list }}"` stays a list).
 */
export function argsStringToDict(def: SchemaHolder, raw: string): ValidatedArgs {
  const problems: ArgProblem[] = [];
  const args = normalizeRaw(def, raw, problems);
  return { args, problems };
}

/** Turn the raw task value into a key→value map (free form / k=v strings). */
function normalizeRaw(def: SchemaHolder, raw: Record<string, unknown> | string | null, problems: ArgProblem[]): Record<string, unknown> {
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'string') {
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push({ message: `arguments must be a dict or a string, got ${describe(raw)}` });
      return {};
    }
    const out = { ...raw };
    // `_raw_params` (Ansible's name) or `free_form` carry the free-form text in dict form.
    for (const k of ['_raw_params', 'free_form']) {
      if (def.freeForm && k in out && !(def.freeForm in out)) {
        out[def.freeForm] = out[k];
        delete out[k];
      }
    }
    return out;
  }
  if (def.freeForm) {
    const keys = new Set(Object.keys(def.args).filter((k) => k !== def.freeForm));
    for (const spec of Object.values(def.args)) for (const a of spec.aliases ?? []) keys.add(a);
    const kv = parseKv(raw, keys);
    for (const p of kv.problems) problems.push({ message: p });
    const out: Record<string, unknown> = { ...kv.args };
    if (kv.rest !== '') out[def.freeForm] = kv.rest;
    return out;
  }
  const kv = parseKv(raw);
  for (const p of kv.problems) problems.push({ message: p });
  return kv.args;
}

function aliasMap(schema: ArgSchema): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, spec] of Object.entries(schema)) {
    if (k === '*') continue;
    m.set(k, k);
    for (const a of spec.aliases ?? []) m.set(a, k);
  }
  return m;
}

function checkValue(key: string, spec: ArgSpec, value: unknown, templated: boolean, problems: ArgProblem[]): unknown {
  if (!templated && isTemplated(value)) return value;
  if (value === null && !spec.required) return undefined;
  let v: unknown;
  try {
    v = coerce(spec.type, value, spec.secret, spec.elements);
  } catch (e) {
    const pyType = typeof value === 'string' ? 'str' : typeof value === 'number' ? (Number.isInteger(value) ? 'int' : 'float') : typeof value === 'boolean' ? 'bool' : Array.isArray(value) ? 'list' : 'dict';
    const ansible = `argument '${key}' is of type <class '${pyType}'> and we were unable to convert to ${spec.type}: ${(e as Error).message}`;
    problems.push({ key, message: `${key}: ${(e as Error).message}`, runtime: true, ansible });
    return value;
  }
  if (spec.choices && !spec.choices.includes(v as string | number | boolean)) {
    const got = spec.secret ? '' : `, got ${JSON.stringify(v)}`;
    const ansible = `value of ${key} must be one of: ${[...spec.choices].map(String).sort().join(', ')}, got: ${spec.secret ? '********' : String(v)}`;
    problems.push({ key, message: `${key} must be one of: ${spec.choices.join(', ')}${got}`, runtime: true, ansible });
  }
  return v;
}

/** Validate raw task arguments against a module definition. */
export function validateArgs(def: SchemaHolder, raw: Record<string, unknown> | string | null, opts: { templated?: boolean } = {}): ValidatedArgs {
  const templated = opts.templated ?? true;
  const problems: ArgProblem[] = [];
  const given = normalizeRaw(def, raw, problems);
  const aliases = aliasMap(def.args);
  const wildcard = def.args['*'];
  const args: Record<string, unknown> = {};
  const seenVia = new Map<string, string>();
  for (const [k, value] of Object.entries(given)) {
    const canon = aliases.get(k);
    if (canon === undefined) {
      if (wildcard) args[k] = checkValue(k, wildcard, value, templated, problems);
      else problems.push({ key: k, message: `unsupported parameter "${k}" for ${def.name}${didYouMean(k, aliases.keys())}` });
      continue;
    }
    const prev = seenVia.get(canon);
    if (prev !== undefined) {
      problems.push({ key: canon, message: `parameters "${prev}" and "${k}" are aliases of each other; give only one` });
      continue;
    }
    seenVia.set(canon, k);
    args[canon] = checkValue(canon, def.args[canon]!, value, templated, problems);
  }
  applyDefaults(def.args, args, problems);
  checkGroups(def, args, problems);
  if (problems.length === 0 && def.validate && (templated || !Object.values(args).some(isTemplated))) {
    for (const message of def.validate(args as never)) problems.push({ message, runtime: true });
  }
  for (const k of Object.keys(args)) if (args[k] === undefined) delete args[k];
  return { args, problems };
}

function applyDefaults(schema: ArgSchema, args: Record<string, unknown>, problems: ArgProblem[]): void {
  const missing: string[] = [];
  for (const [k, spec] of Object.entries(schema)) {
    if (k === '*' || args[k] !== undefined) continue;
    if (spec.default !== undefined) args[k] = spec.default;
    else if (spec.required) {
      missing.push(k);
      problems.push({ key: k, message: `missing required argument: ${k}`, runtime: true });
    }
  }
  // AnsibleModule names them all in one message
  const first = problems.find((p) => p.message.startsWith('missing required argument: '));
  if (first) first.ansible = `missing required arguments: ${missing.sort().join(', ')}`;
}

function checkGroups(def: SchemaHolder, args: Record<string, unknown>, problems: ArgProblem[]): void {
  const has = (k: string): boolean => args[k] !== undefined;
  for (const group of def.requiredOneOf ?? []) {
    if (!group.some(has)) problems.push({ message: `one of the following is required: ${group.join(', ')}`, runtime: true });
  }
  for (const group of def.mutuallyExclusive ?? []) {
    const given = group.filter(has);
    if (given.length > 1) problems.push({ message: `parameters are mutually exclusive: ${given.join('|')}`, runtime: true });
  }
}

/**
 * One line for all problems (what runModule fails with): AnsibleModule's own message when every
 * problem is one Ansible finds at run time, else ours, prefixed with the module's name.
 */
export function formatProblems(name: string, problems: readonly ArgProblem[]): string {
  if (problems.every((p) => p.runtime)) {
    // AnsibleModule fails with the first error of its checks, in the order it makes them
    const rank = (p: ArgProblem): number => {
      const order = [/^parameters are mutually exclusive/, /^missing required argument/, /^one of the following is required/, /^argument '/, /^value of /];
      const i = order.findIndex((re) => re.test(p.ansible ?? p.message));
      return i === -1 ? order.length : i;
    };
    const first = [...problems].filter((p) => p.ansible !== undefined || !p.message.startsWith('missing required argument: ')).sort((a, b) => rank(a) - rank(b))[0]!;
    return first.ansible ?? first.message;
  }
  return `${name}: ${problems.map((p) => p.message).join('; ')}`;
}
