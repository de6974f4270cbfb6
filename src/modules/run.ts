/**
 * Run one module for one host: validate → check → plan → apply (unless --check). The executor
 * calls exactly this; it decides nothing else about the module. apply() receives the change
 * plan() decided, nothing else.
 */
import { ConnectionError } from '../connection/connection.js';
import { formatProblems, validateArgs } from './args.js';
import type { AnyModule, FileDiff, ModuleContext, SideChannels } from './types.js';
import { ModuleFailure, NotYetThere } from './types.js';

export interface ModuleResult {
  changed: boolean;
  failed: boolean;
  skipped: boolean;
  msg?: string;
  /** Why nothing changed ("mode already 0700"), or what changed. */
  reason?: string;
  diff?: FileDiff[];
  /** Registered data (rc, stdout, stat, ansible_facts, ...). */
  data: Record<string, unknown>;
  /** Host variables to set (set_fact). */
  facts?: Record<string, unknown>;
  /** An action for the executor (meta). */
  control?: SideChannels['control'];
  /** A value to show (debug), from a verbosity on. */
  output?: SideChannels['output'];
  /** An in-memory inventory change for the executor (group_by, add_host). */
  inventory?: SideChannels['inventory'];
}

const KEY_ARGS = ['path', 'dest', 'name', 'src', 'url', 'cmd', 'port', 'msg'];

/** `copy(/etc/x)`: the module and its key argument, for error messages. */
export function moduleLabel(name: string, args: Record<string, unknown>): string {
  for (const k of KEY_ARGS) {
    const v = args[k];
    if (typeof v === 'string' || typeof v === 'number') {
      const s = String(v);
      return `${name}(${s.length > 60 ? `${s.slice(0, 57)}...` : s})`;
    }
  }
  return name;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The side channels of a plan as result fields; facts are also registered as `ansible_facts`. */
function channels(p: SideChannels): Pick<ModuleResult, 'data' | 'facts' | 'control' | 'output' | 'inventory'> {
  return {
    data: { ...(p.facts ? { ansible_facts: p.facts } : {}), ...p.data },
    ...(p.facts ? { facts: p.facts } : {}),
    ...(p.control ? { control: p.control } : {}),
    ...(p.output ? { output: p.output } : {}),
    ...(p.inventory ? { inventory: p.inventory } : {}),
  };
}

export async function runModule(def: AnyModule, ctx: ModuleContext, rawArgs: Record<string, unknown> | string | null): Promise<ModuleResult> {
  const { args, problems } = validateArgs(def, rawArgs, { templated: true });
  if (problems.length > 0) return { changed: false, failed: true, skipped: false, msg: formatProblems(def.name, problems), data: {} };
  const a = args as never;
  try {
    const current = await def.check(ctx, a);
    const plan = def.plan(current, a, ctx);
    if (!('change' in plan)) return { changed: plan.changed === true, failed: false, skipped: false, reason: plan.reason, ...channels(plan) };
    const base = { reason: plan.summary, ...(plan.diff ? { diff: plan.diff } : {}) };
    if (ctx.checkMode) {
      if (def.checkMode === 'none') {
        return { changed: false, failed: false, skipped: true, msg: `skipped in check mode: ${plan.summary}`, ...base, data: {} };
      }
      return { changed: true, failed: false, skipped: false, ...base, ...channels(plan) };
    }
    if (!def.apply) throw new Error(`${def.name} planned a change but has no apply()`);
    const extra = await def.apply(ctx, plan.change as never);
    const res = channels(plan);
    return { changed: plan.unchanged !== true, failed: false, skipped: false, ...base, ...res, data: { ...res.data, ...(extra ?? {}) } };
  } catch (e) {
    if (e instanceof ConnectionError) throw e;
    if (e instanceof NotYetThere && ctx.checkMode) return { changed: true, failed: false, skipped: false, reason: e.message, data: { ...e.data } };
    if (e instanceof ModuleFailure) {
      const { changed, ...data } = e.data;
      return { changed: changed === true, failed: true, skipped: false, msg: e.message, data };
    }
    return { changed: false, failed: true, skipped: false, msg: `${moduleLabel(def.name, args)}: ${errorMessage(e)}`, data: {} };
  }
}
