/** debug: print a message or a variable (data.msg / data[var]); data.__verbosity gates display. */
import type { ModuleContext, ModuleDef } from './types.js';
import { legacyModule } from './legacy.js';

export type DebugArgs = { msg?: unknown; var?: string; verbosity: number };

const PATH = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*|\[\d+\]|\[['"][^'"]+['"]\])*$/;

function lookup(vars: Readonly<Record<string, unknown>>, expr: string): { found: boolean; value: unknown } {
  const parts = expr.match(/[A-Za-z_][\w]*|\[\d+\]|\[['"][^'"]+['"]\]/g) ?? [];
  let v: unknown = vars;
  for (const raw of parts) {
    const key = raw.startsWith('[') ? raw.slice(1, -1).replace(/^['"]|['"]$/g, '') : raw;
    if (v === null || typeof v !== 'object' || !(key in v)) return { found: false, value: undefined };
    v = (v as Record<string, unknown>)[key];
  }
  return { found: true, value: v };
}

/** A variable (dotted path) or any expression, rendered through the template engine. */
export function resolveVar(ctx: ModuleContext, expr: string): unknown {
  if (PATH.test(expr)) {
    const r = lookup(ctx.vars, expr);
    return r.found ? r.value : 'VARIABLE IS NOT DEFINED!';
  }
  try {
    return ctx.render(`{{ ${expr} }}`);
  } catch {
    return 'VARIABLE IS NOT DEFINED!';
  }
}

export const debug = legacyModule({
  name: 'debug',
  target: 'controller',
  checkMode: 'full',
  args: { msg: { type: 'raw' }, var: { type: 'str' }, verbosity: { type: 'int', default: 0 } },
  mutuallyExclusive: [['msg', 'var']],
  check: async (ctx, args) => (args.var !== undefined ? resolveVar(ctx, args.var) : undefined),
  plan(value, args) {
    const data: Record<string, unknown> = args.var !== undefined ? { [args.var]: value } : { msg: args.msg ?? 'Hello world!' };
    if (args.verbosity > 0) data['__verbosity'] = args.verbosity;
    return { changed: false, reason: args.var !== undefined ? `var ${args.var}` : 'message', data };
  },
  apply: async () => ({}),
} satisfies ModuleDef<DebugArgs, unknown>);
