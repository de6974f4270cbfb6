/**
 * Rendering with Ansible's semantics: `render` for text templates, `templateValue` for
 * variables and task arguments (a lone `{{ expr }}` keeps its native type), `evalExpression`
 * and `evalCondition` for `when`, `changed_when`, `failed_when`, `until` and `assert`.
 */
import nunjucks from 'nunjucks';
import { didYouMean } from '../util/suggest.js';
import { UnsafeString } from '../yaml/unsafe.js';
import { bool } from './args.js';
import { compileTemplate, type Compiled } from './compile.js';
import { TemplateError } from './errors.js';
import { dataFilters } from './filters-data.js';
import { textFilters } from './filters-text.js';
import { mathFilters } from './filters-math.js';
import { globals, OMIT } from './globals.js';
import { runtimeModule } from './nj.js';
import { isMapping, pyStr, truthy } from './python.js';
import { engineRuntime, lookupMember, missingMessage } from './runtime.js';
import { tests } from './tests.js';

export type Vars = Record<string, unknown>;
type Fn = (this: unknown, ...args: unknown[]) => unknown;

interface EnvInternals {
  filters: Record<string, Fn>;
  tests: Record<string, Fn>;
  addFilter(name: string, f: Fn): void;
  addTest(name: string, f: Fn): void;
  getFilter(name: string): Fn;
  getTest(name: string): Fn;
}

const env = new nunjucks.Environment([], { autoescape: false, trimBlocks: true }) as unknown as EnvInternals;
for (const [name, f] of Object.entries({ ...textFilters, ...dataFilters, ...mathFilters })) env.addFilter(name, f as Fn);
for (const [name, t] of Object.entries(tests)) env.addTest(name, t as Fn);
env.addFilter('__iter', engineRuntime['orcIter'] as Fn);
env.addFilter('__capture', function (this: unknown, v: unknown) {
  const ctx = this as RenderContext;
  ctx.captured = true;
  ctx.value = v;
  return '';
});
env.getFilter = (name) => {
  const f = env.filters[name];
  if (!f) throw new Error(`no filter named '${name}'${didYouMean(name, Object.keys(env.filters).filter((n) => !n.startsWith('__')))}`);
  return f;
};
env.getTest = (name) => {
  const t = env.tests[name];
  if (!t) throw new Error(`no test named '${name}'${didYouMean(name, Object.keys(env.tests))}`);
  return t;
};

const PROTO_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/** A variable by name (globals such as True/None/omit/lookup come last); undefined when missing. */
export function lookupVar(vars: Vars, name: string): unknown {
  const v = PROTO_NAMES.has(name) && !Object.prototype.hasOwnProperty.call(vars, name) ? undefined : vars[name];
  return v !== undefined ? v : globals[name];
}

/** The `context` compiled templates see. */
class RenderContext {
  readonly env = env;
  captured = false;
  value: unknown;
  private local: Vars | undefined;

  constructor(
    readonly vars: Vars,
    private readonly blocks: Compiled['blocks'] = {},
  ) {}

  lookup(name: string): unknown {
    if (this.local && name in this.local) return this.local[name];
    return lookupVar(this.vars, name);
  }
  setVariable(name: string, v: unknown): void {
    (this.local ??= {})[name] = v;
  }
  getVariables(): Vars {
    return { ...this.vars, ...this.local };
  }
  addExport(): void {}
  /** A block renders in place (no `extends` here: a template is never a child of another). */
  getBlock(name: string): Compiled['blocks'][string] {
    const b = this.blocks[name];
    if (!b) throw new Error(`no block named "${name}"`);
    return b;
  }
}

export function hasTemplate(s: string): boolean {
  return s.indexOf('{') !== -1 && (s.includes('{{') || s.includes('{%') || s.includes('{#'));
}

const SIMPLE = /^\{\{\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\}\}$/;
const KEYWORDS = new Set(['true', 'false', 'none', 'not', 'and', 'or', 'in', 'is', 'if', 'else']);
const simpleCache = new Map<string, string[] | null>();

function simplePath(s: string): string[] | null {
  let p = simpleCache.get(s);
  if (p !== undefined) return p;
  const m = SIMPLE.exec(s);
  p = m && !KEYWORDS.has(m[1]!.split('.')[0]!) ? m[1]!.split('.') : null;
  if (simpleCache.size > 20_000) simpleCache.clear();
  simpleCache.set(s, p);
  return p;
}

function evalSimple(path: string[], vars: Vars, source: string, kind: string): unknown {
  let v = lookupVar(vars, path[0]!);
  if (v === undefined) throw new TemplateError(source, `'${path[0]!}' is undefined`, undefined, kind);
  for (let i = 1; i < path.length; i++) {
    const next = lookupMember(v, path[i]);
    if (next === undefined) throw new TemplateError(source, missingMessage(v, path[i]), undefined, kind);
    v = next;
  }
  return v;
}

function execute(c: Compiled, vars: Vars, source: string, kind: string, multiline: boolean): { ctx: RenderContext; text: string } {
  const ctx = new RenderContext(vars, c.blocks);
  const frame = new runtimeModule.Frame();
  frame.topLevel = true;
  let out: unknown;
  let error: unknown;
  c.root(env, ctx, frame, engineRuntime, (err, res) => {
    error = err;
    out = res;
  });
  if (error) throw toTemplateError(error, source, kind, multiline);
  return { ctx, text: typeof out === 'string' ? out : '' };
}

function toTemplateError(err: unknown, source: string, kind: string, multiline: boolean): TemplateError {
  if (err instanceof TemplateError) return err;
  const e = err as Error & { templateLine?: number };
  const line = multiline && typeof e.templateLine === 'number' ? e.templateLine + 1 : undefined;
  return new TemplateError(source, e.message ?? String(err), line, kind);
}

/** Evaluate a template string; a lone `{{ expr }}` gives its native value. */
function evaluate(s: string, vars: Vars, kind: string, name?: string): { value: unknown; native: boolean } {
  const path = simplePath(s);
  if (path) return { value: evalSimple(path, vars, name ?? s, kind), native: true };
  const c = compileTemplate(s, kind);
  const { ctx, text } = execute(c, vars, name ?? s, kind, s.includes('\n'));
  return ctx.captured ? { value: ctx.value, native: true } : { value: text, native: false };
}

/** Render a text template (the `template` module); trailing newlines are kept. */
export function render(template: string, vars: Vars, opts: { name?: string } = {}): string {
  if (!hasTemplate(template)) return template;
  const r = evaluate(template, vars, 'template', opts.name);
  return r.native ? pyStr(r.value) : (r.value as string);
}

/** Template a variable or argument value, recursively through lists and dicts. */
export function templateValue(value: unknown, vars: Vars): unknown {
  if (typeof value === 'string') {
    if (!hasTemplate(value)) return value;
    const r = evaluate(value, vars, 'template');
    return r.value instanceof UnsafeString ? r.value.value : r.value;
  }
  if (value instanceof UnsafeString) return value.value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((x) => {
      const y = templateValue(x, vars);
      if (y !== x) changed = true;
      return y;
    });
    return changed ? out : value;
  }
  if (isMapping(value)) {
    let changed = false;
    const out: Vars = {};
    for (const [k, x] of Object.entries(value)) {
      const y = templateValue(x, vars);
      if (y !== x) changed = true;
      if (y !== OMIT) out[k] = y;
    }
    return changed ? out : value;
  }
  return value;
}

/** Evaluate a bare Jinja expression (no braces), e.g. `result.rc == 0`. */
export function evalExpression(expr: string, vars: Vars, kind = 'expression'): unknown {
  const src = `{{ ${expr} }}`;
  const path = simplePath(src);
  if (path) return evalSimple(path, vars, expr, kind);
  let c: Compiled;
  try {
    c = compileTemplate(src, kind);
  } catch (e) {
    throw e instanceof TemplateError ? new TemplateError(expr, e.reason, undefined, kind) : e;
  }
  const { ctx, text } = execute(c, vars, expr, kind, false);
  return ctx.captured ? ctx.value : text;
}

const BOOLISH = /^(true|false|yes|no|on|off|1|0)$/i;

/** `when`/`failed_when`/`until`/`assert.that`: a list means all of them. */
export function evalCondition(cond: unknown, vars: Vars): boolean {
  if (typeof cond === 'boolean') return cond;
  if (cond === null || cond === undefined) return true;
  if (Array.isArray(cond)) return cond.every((c) => evalCondition(c, vars));
  if (cond instanceof UnsafeString) return cond.value !== '';
  if (typeof cond !== 'string') return truthy(cond);
  let s = cond.trim();
  if (s === '') return true;
  if (hasTemplate(s)) {
    const v = templateValue(s, vars);
    if (typeof v !== 'string') return truthy(v);
    s = v.trim();
    if (s === '') return false;
  }
  if (BOOLISH.test(s)) return bool(s);
  const value = evalExpression(s, vars, 'conditional');
  if (typeof value === 'string' && /^[A-Za-z_]\w*$/.test(s)) return stringCondition(value, vars);
  return truthy(value);
}

/**
 * Ansible evaluates a variable's string value once more (`when: flag` with flag: "false" is
 * false). Only boolean words are read that way; any other non-empty string is true, since
 * evaluating data as code is how injection happens.
 */
function stringCondition(value: string, _vars: Vars): boolean {
  const t = value.trim();
  if (t === '') return false;
  return BOOLISH.test(t) ? bool(t) : true;
}
