/**
 * debug: show a message or a variable (the `output` channel, with its verbosity) and register
 * it as `msg` or under the variable's name.
 */
import type { ModuleContext } from './types.js';
import { defineModule } from './types.js';

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

export const debug = defineModule({
  name: 'debug',
  target: 'controller',
  checkMode: 'full',
  args: { msg: { type: 'raw' }, var: { type: 'str' }, verbosity: { type: 'int', default: 0 } },
  mutuallyExclusive: [['msg', 'var']],
  check: async (ctx, args) => (args.var !== undefined ? resolveVar(ctx, args.var) : undefined),
  plan(value, args) {
    const msg = args.msg ?? 'Hello world!';
    const data: Record<string, unknown> = args.var !== undefined ? { [args.var]: value } : { msg };
    const output = { value: args.var !== undefined ? data : msg, verbosity: args.verbosity };
    return { ok: true, reason: args.var !== undefined ? `var ${args.var}` : 'message', data, output };
  },
});
