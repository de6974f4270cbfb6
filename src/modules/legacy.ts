/**
 * The previous module contract, kept only for the vault_* modules until they move to the one in
 * types.ts: plan() answers `{ changed }` and apply() gets the arguments, the plan and the state
 * again. `legacyModule()` turns such a definition into a Module whose change is exactly
 * (arguments, plan, state), so runModule runs both kinds the same way. Remove this file when no
 * vault_* module uses it.
 */
import type { AnyModule, ArgSchema, Change, FileDiff, Module, ModuleContext, NoChange, Registered } from './types.js';

export type LegacyPlan =
  | { changed: false; reason: string; data?: Registered }
  | { changed: true; summary: string; diff?: FileDiff[]; data?: Registered };

type LegacyChangePlan = Extract<LegacyPlan, { changed: true }>;

export interface LegacyModuleDef<A = Record<string, unknown>, S = unknown> {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly target: 'remote' | 'local' | 'controller';
  readonly args: ArgSchema;
  readonly freeForm?: string;
  readonly requiredOneOf?: readonly (readonly string[])[];
  readonly mutuallyExclusive?: readonly (readonly string[])[];
  readonly checkMode: 'full' | 'none';
  validate?(args: A): string[];
  check(ctx: ModuleContext, args: A): Promise<S>;
  plan(current: S, args: A, ctx: ModuleContext): LegacyPlan;
  apply(ctx: ModuleContext, args: A, plan: LegacyChangePlan, current: S): Promise<Registered | void>;
}

interface LegacyChange<A, S> {
  args: A;
  plan: LegacyChangePlan;
  current: S;
}

/** The adapter: a legacy definition as a Module (same name, schema and behaviour). */
export function legacyModule<A, S>(def: LegacyModuleDef<A, S>): AnyModule {
  const m: Module<A, S, LegacyChange<A, S>> = {
    name: def.name,
    target: def.target,
    args: def.args,
    checkMode: def.checkMode,
    ...(def.aliases ? { aliases: def.aliases } : {}),
    ...(def.freeForm ? { freeForm: def.freeForm } : {}),
    ...(def.requiredOneOf ? { requiredOneOf: def.requiredOneOf } : {}),
    ...(def.mutuallyExclusive ? { mutuallyExclusive: def.mutuallyExclusive } : {}),
    ...(def.validate ? { validate: (args: A) => def.validate!(args) } : {}),
    check: (ctx, args) => def.check(ctx, args),
    plan(current, args, ctx): NoChange | Change<LegacyChange<A, S>> {
      const p = def.plan(current, args, ctx);
      if (!p.changed) return { ok: true, reason: p.reason, ...(p.data ? { data: p.data } : {}) };
      return { change: { args, plan: p, current }, summary: p.summary, ...(p.diff ? { diff: p.diff } : {}), ...(p.data ? { data: p.data } : {}) };
    },
    apply: (ctx, c) => def.apply(ctx, c.args, c.plan, c.current),
  };
  return m;
}
