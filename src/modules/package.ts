/**
 * package: the host's package manager's module (apt, dnf, yum). Chosen by `use`, else by the
 * gathered fact ansible_pkg_mgr (ansible_facts.pkg_mgr), else by looking on the host which of
 * apt-get, dnf, yum it has. Every other argument goes to that module, which validates it.
 */
import { formatProblems, validateArgs } from './args.js';
import { apt } from './apt.js';
import { dnf, yum } from './dnf.js';
import type { AnyModule, ModuleContext, Plan } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

const BACKENDS: Record<string, AnyModule> = { apt: apt as unknown as AnyModule, dnf: dnf as unknown as AnyModule, yum: yum as unknown as AnyModule };

export interface PackageState {
  backend: string;
  args: Record<string, unknown>;
  state: unknown;
}

export interface PackageChange {
  backend: string;
  change: unknown;
}

/** The manager named by the facts the task sees, if any. */
export function factPkgMgr(vars: Readonly<Record<string, unknown>>): string | undefined {
  const facts = vars['ansible_facts'];
  const fromFacts = facts && typeof facts === 'object' ? (facts as Record<string, unknown>)['pkg_mgr'] : undefined;
  const v = fromFacts ?? vars['ansible_pkg_mgr'];
  return typeof v === 'string' && v !== 'unknown' ? v : undefined;
}

async function detect(ctx: ModuleContext): Promise<string> {
  const r = await ctx.connection.exec('for m in apt-get dnf yum; do command -v $m >/dev/null 2>&1 && { echo $m; exit 0; }; done; echo unknown');
  const m = r.stdout.trim();
  return m === 'apt-get' ? 'apt' : m;
}

export const packageModule = defineModule({
  name: 'package',
  target: 'remote',
  checkMode: 'full',
  args: {
    name: { type: 'raw', required: true },
    state: { type: 'str', required: true },
    use: { type: 'str', default: 'auto' },
    '*': { type: 'raw' },
  },
  async check(ctx, a): Promise<PackageState> {
    const { use, ...rest } = a as Record<string, unknown> & { use: string };
    const backend = use !== 'auto' ? use : (factPkgMgr(ctx.vars) ?? (await detect(ctx)));
    const mod = BACKENDS[backend];
    if (!mod) throw new ModuleFailure(`package(${String(a.name)}): the package manager "${backend}" is not supported here (apt, dnf, yum)${use === 'auto' ? '; set use:' : ''}`);
    const { args, problems } = validateArgs(mod, rest, { templated: true });
    if (problems.length) throw new ModuleFailure(formatProblems(backend, problems));
    return { backend, args, state: await mod.check(ctx, args as never) };
  },
  plan(st, _a, ctx): Plan<PackageChange> {
    const p = BACKENDS[st.backend]!.plan(st.state, st.args as never, ctx);
    if (!('change' in p)) return p;
    return { ...p, change: { backend: st.backend, change: p.change } };
  },
  async apply(ctx, c) {
    const mod = BACKENDS[c.backend]!;
    return (await mod.apply?.(ctx, c.change as never)) ?? undefined;
  },
});
