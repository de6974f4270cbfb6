/**
 * The module contract (see docs/ARCHITECTURE.md): one file per module, one `defineModule({...})`.
 * The argument schema is the only declaration of the arguments (their TypeScript type is
 * `ArgsOf<schema>`); check() reads state only; plan() is pure and returns either nothing to do,
 * with the reason, or the change; apply() performs exactly that change and is the only place that
 * writes. Only the executor decides whether apply runs (runModule in run.ts).
 */
import type { Clock } from '../util/clock.js';
import type { BecomeOptions, Connection } from '../connection/connection.js';
import type { Secrets } from '../util/secrets.js';
import type { VaultSession } from '../vault/session.js';
import type { MetaAction } from './meta.js';
import type { ModeArg } from './lib/mode.js';

export type ArgType = 'str' | 'int' | 'float' | 'bool' | 'list' | 'dict' | 'raw' | 'path' | 'mode';

export interface ArgSpec {
  type: ArgType;
  required?: boolean;
  default?: unknown;
  choices?: readonly (string | number | boolean)[];
  aliases?: readonly string[];
  /** Element type for lists. */
  elements?: ArgType;
  /** The value is a secret: masked in output, never shown in errors. */
  secret?: boolean;
  /** What the option does, one sentence (the README's module table). */
  description?: string;
}

/** Argument name → spec. The key "*" accepts any other key with its spec (set_fact). */
export type ArgSchema = Readonly<Record<string, ArgSpec>>;

/** The TypeScript type of a validated value of one ArgType. */
export type ValueOfType<T extends ArgType> = T extends 'str' | 'path'
  ? string
  : T extends 'int' | 'float'
    ? number
    : T extends 'bool'
      ? boolean
      : T extends 'list'
        ? unknown[]
        : T extends 'dict'
          ? Record<string, unknown>
          : T extends 'mode'
            ? ModeArg
            : unknown;

type ValueOfSpec<S extends ArgSpec> = S extends { readonly choices: readonly (infer C)[] }
  ? C
  : S extends { readonly type: 'list'; readonly elements: infer E extends ArgType }
    ? ValueOfType<E>[]
    : ValueOfType<S['type']>;

/** Always present after validation: required, or defaulted. */
type Present<S extends ArgSpec> = S extends { readonly required: true } ? true : S extends { readonly default: unknown } ? true : false;

type Named<S extends ArgSchema> = Exclude<keyof S, '*'>;
type Flatten<T> = { [K in keyof T]: T[K] };

/**
 * The validated arguments a schema describes: `ArgsOf<typeof schema>`. Required and defaulted
 * arguments are always present, others optional; `choices` narrow to their values, lists to
 * their `elements`. A "*" entry admits any other key.
 */
export type ArgsOf<S extends ArgSchema> = Flatten<
  { -readonly [K in Named<S> as Present<S[K]> extends true ? K : never]: ValueOfSpec<S[K]> } & {
    -readonly [K in Named<S> as Present<S[K]> extends true ? never : K]?: ValueOfSpec<S[K]>;
  }
> &
  ('*' extends keyof S ? Record<string, unknown> : unknown);

/** A change, shown under --diff. */
export interface FileDiff {
  path?: string;
  before: string;
  after: string;
}

/** Registered data: what `register:` stores (rc, stdout, stat, dest, ...). */
export type Registered = Record<string, unknown>;

/**
 * What a result carries besides its registered data, each in its own typed channel: host
 * variables to set (set_fact), an executor action (meta), and a value to show (debug).
 */
export interface SideChannels {
  /** Registered data. */
  data?: Registered;
  /** Host variables the executor sets (also registered as `ansible_facts`, as in Ansible). */
  facts?: Record<string, unknown>;
  /** An action for the executor itself (flush_handlers, end_host, ...). */
  control?: MetaAction;
  /** A value shown under the host's result line, from verbosity `-v`×N on. */
  output?: { value: unknown; verbosity: number };
  /** A change to the run's in-memory inventory (group_by, add_host), made by the executor,
   * which reports the task changed when the inventory did change (as Ansible's strategy). */
  inventory?: InventoryOp;
}

/** An in-memory inventory change: a host put in a group (group_by), a host added (add_host). */
export type InventoryOp =
  | { op: 'group_by'; host: string; group: string; parents: string[] }
  | { op: 'add_host'; name: string; groups: string[]; vars: Record<string, unknown> };

/** Nothing to do, and why ("mode already 0700"). */
export interface NoChange extends SideChannels {
  ok: true;
  reason: string;
  /** A change made earlier that this read reports as its own (async_status: the finished job's). */
  changed?: true;
}

/** The change to make: what apply() receives, its one-line summary and its --diff. */
export interface Change<C> extends SideChannels {
  change: C;
  summary: string;
  diff?: FileDiff[];
  /** Reported as unchanged once applied, as Ansible reports it (async_status mode=cleanup). */
  unchanged?: true;
}

export type Plan<C> = NoChange | Change<C>;

export interface ModuleContext {
  /** Inventory hostname. */
  readonly host: string;
  /** The task's `environment` (play, block and task merged, templated): set for commands. */
  readonly environment?: Record<string, string>;
  /** For 'remote' modules the host's connection; for 'local' modules a local one. */
  readonly connection: Connection;
  /** All variables visible to the task (already merged by precedence). */
  readonly vars: Readonly<Record<string, unknown>>;
  readonly checkMode: boolean;
  readonly diffMode: boolean;
  readonly secrets: Secrets;
  readonly vault: VaultSession;
  readonly become?: BecomeOptions;
  readonly taskName: string;
  /** Resolve a local source file: role's files/ or templates/ dir, then the playbook dir. */
  findFile(kind: 'files' | 'templates', name: string): string;
  /** Render a Jinja template string with the task's vars (plus extra). */
  render(template: string, extra?: Record<string, unknown>): string;
  /** Verbose log line (shown with -v, masked). */
  log(message: string): void;
  /** Aborted on Ctrl-C / timeouts: long waits (wait_for, until) must honour it. */
  readonly signal: AbortSignal;
  /** The time and waiting (wait_for's polls, vault_unseal's wait): never Date.now / setTimeout. */
  readonly clock: Clock;
}

/** Thrown by check/plan/apply to fail the task with a message (and optional registered data). */
export class ModuleFailure extends Error {
  constructor(
    message: string,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ModuleFailure';
  }
}

/**
 * What a module needs does not exist yet, and an earlier task would have made it (a file a
 * download writes, a Vault that vault_init initializes). Under --check the task reports what it
 * would do (changed, with this message as the reason) instead of failing; in a real run it fails.
 */
export class NotYetThere extends ModuleFailure {
  override name = 'NotYetThere';
}

/** Throws NotYetThere in check mode, a plain failure otherwise. */
export function missingInput(ctx: { checkMode: boolean }, failure: string, wouldDo: string): never {
  if (ctx.checkMode) throw new NotYetThere(wouldDo);
  throw new ModuleFailure(failure);
}

/** What the executor and the validator know of a module, besides its three steps. */
export interface ModuleInfo<S extends ArgSchema = ArgSchema> {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** What the module does, one sentence (the README's module table). */
  readonly description?: string;
  /** remote: runs over the host's connection; local: on the control machine (Vault);
   * controller: needs no connection at all (debug, set_fact, assert, fail, meta). */
  readonly target: 'remote' | 'local' | 'controller';
  readonly args: S;
  /** Name of the argument that receives a free-form string (`command: ls -l` → {cmd: "ls -l"}). */
  readonly freeForm?: string;
  /** Argument groups: at least one of each group is required / at most one of each may be given. */
  readonly requiredOneOf?: readonly (readonly string[])[];
  readonly mutuallyExclusive?: readonly (readonly string[])[];
  /** 'full': check+plan run in --check and apply is skipped. 'none': the task is skipped in --check. */
  readonly checkMode: 'full' | 'none';
}

/** A module: A = its validated arguments, St = the state check() reads, C = the change plan() decides. */
export interface Module<A, St, C> extends ModuleInfo {
  /** Extra static validation after the schema (return problems as messages). */
  validate?(args: A): string[];
  /** Read the current state; no side effects. */
  check(ctx: ModuleContext, args: A): Promise<St>;
  /** Decide, purely: nothing to do (with the reason) or the change. */
  plan(current: St, args: A, ctx: ModuleContext): Plan<C>;
  /** Make exactly the planned change; returns registered data. Read-only modules have none.
   * (NonNullable: a plan() answering both kinds of object literal infers C with `| undefined`
   * from the NoChange branch; a change itself is never undefined.) */
  apply?(ctx: ModuleContext, change: NonNullable<C>): Promise<Registered | void>;
}

/** One declaration: the schema's type gives the arguments' type to every step. */
export function defineModule<const S extends ArgSchema, St, C = never>(def: ModuleInfo<S> & Module<ArgsOf<S>, St, C>): ModuleInfo<S> & Module<ArgsOf<S>, St, C> {
  return def;
}

/** A module with its types erased, as the registry stores it (arguments are validated against
 * the schema before a call, so the executor passes them as `never`). */
export type AnyModule = Module<never, unknown, unknown>;
