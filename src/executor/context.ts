/** What a module sees of its task: the module context (vars, environment, files, render) and its arguments. */
import path from 'node:path';
import type { ModuleContext } from '../modules/types.js';
import type { TaskNode } from '../playbook/model.js';
import { argsWithDefaults } from '../playbook/module-defaults.js';
import { render, templateValue } from '../template/index.js';
import { findInStack, searchCandidates } from '../template/search-path.js';
import type { Clock } from '../util/clock.js';
import type { Secrets } from '../util/secrets.js';
import type { VaultSession } from '../vault/session.js';
import { overlay } from './conditions.js';
import type { Target } from './target.js';
import { OMIT } from './vars.js';

export interface ContextEnv {
  secrets: Secrets;
  vault: VaultSession;
  checkMode: boolean;
  diffMode: boolean;
  playbookDir: string;
  signal: AbortSignal;
  clock: Clock;
  log(host: string, message: string): void;
}

export function moduleContext(task: TaskNode, host: string, vars: Record<string, unknown>, target: Target, env: ContextEnv): ModuleContext {
  const environment = environmentOf(task, vars);
  return {
    host,
    ...(environment ? { environment } : {}),
    connection: target.connection,
    vars,
    checkMode: task.inh.checkMode ?? env.checkMode,
    diffMode: task.inh.diff ?? env.diffMode,
    secrets: env.secrets,
    vault: env.vault,
    ...(target.become ? { become: target.become } : {}),
    taskName: task.name,
    findFile: findFileFor(task, env.playbookDir),
    render: (t, extra) => render(t, extra ? overlay(vars, extra) : vars),
    log: (m) => env.log(host, m),
    signal: env.signal,
    clock: env.clock,
  };
}

/** The task's arguments, templated, with `omit` taken out. */
export function taskArgs(task: TaskNode, vars: Record<string, unknown>): unknown {
  // module_defaults of the play, blocks and task under the task's own arguments
  const args = task.inh.moduleDefaults ? argsWithDefaults(task.action, task.args, task.inh.moduleDefaults, (v) => templateValue(v, vars)) : task.args;
  return stripOmit(templateValue(args, vars));
}

function stripOmit(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== OMIT).map(stripOmit);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== OMIT) out[k] = stripOmit(x);
    return out;
  }
  return v;
}

/** ActionBase._find_needle: the task's search path (its roles, its file's directory), then the playbook dir. */
function findFileFor(task: TaskNode, playbookDir: string) {
  return (kind: 'files' | 'templates', name: string): string => {
    if (path.isAbsolute(name)) return name;
    const stack = task.inh.searchPath ?? (task.inh.role ? [task.inh.role.path] : []);
    const found = findInStack(stack, kind, name, playbookDir);
    if (found) return found;
    const looked = [...new Set(searchCandidates(stack, kind, name, playbookDir).map((c) => path.dirname(c)))];
    throw new Error(`could not find ${name} in ${looked.map((d) => path.relative(process.cwd(), d) || '.').join(', ')}`);
  };
}

/** `environment` of the play, blocks and task, merged (inner wins) and templated; values as strings. */
export function environmentOf(task: TaskNode, vars: Record<string, unknown>): Record<string, string> | undefined {
  if (task.inh.environment.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const layer of task.inh.environment) {
    const v = templateValue(layer, vars);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('must be a mapping of variable names to values');
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`"${k}" is not a valid environment variable name`);
      if (x !== OMIT) out[k] = typeof x === 'string' ? x : typeof x === 'boolean' ? (x ? 'True' : 'False') : JSON.stringify(x);
    }
  }
  return out;
}
