/**
 * The module contract (see docs/ARCHITECTURE.md): one file per module, exporting a
 * ModuleDef that `satisfies` this interface. check() reads state only; plan() is pure;
 * apply() is the only place that writes, and only the executor decides whether it runs.
 */
import type { BecomeOptions, Connection } from '../connection/connection.js';
import type { Secrets } from '../util/secrets.js';
import type { VaultSession } from '../vault/session.js';

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
}

export type ArgSchema = Record<string, ArgSpec>;

/** A change, shown under --diff. */
export interface FileDiff {
  path?: string;
  before: string;
  after: string;
}

export type Plan =
  | { changed: false; reason: string; data?: Record<string, unknown> }
  | { changed: true; summary: string; diff?: FileDiff[]; data?: Record<string, unknown> };

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

/** Special control results a module may return from plan via data.__control (meta, set_fact). */
export interface ModuleDef<A = Record<string, unknown>, S = unknown> {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** remote: runs over the host's connection; local: on the control machine (Vault);
   * controller: needs no connection at all (debug, set_fact, assert, fail, meta). */
  readonly target: 'remote' | 'local' | 'controller';
  readonly args: ArgSchema;
  /** Name of the argument that receives a free-form string (`command: ls -l` → {cmd: "ls -l"}). */
  readonly freeForm?: string;
  /** Argument groups: at least one of each group is required / at most one of each may be given. */
  readonly requiredOneOf?: readonly (readonly string[])[];
  readonly mutuallyExclusive?: readonly (readonly string[])[];
  /** 'full': check+plan run in --check and apply is skipped. 'none': the task is skipped in --check. */
  readonly checkMode: 'full' | 'none';
  /** Extra static validation after the schema (return problems as messages). */
  validate?(args: A): string[];
  check(ctx: ModuleContext, args: A): Promise<S>;
  plan(current: S, args: A, ctx: ModuleContext): Plan;
  /** Perform the change. Returns extra registered data (e.g. rc/stdout for command). */
  apply(ctx: ModuleContext, args: A, plan: Extract<Plan, { changed: true }>, current: S): Promise<Record<string, unknown> | void>;
}

/** A module with its argument type erased, as the registry stores it (args are validated
 * against the schema before a call, so the executor passes them as `never`). */
export type AnyModule = ModuleDef<never, unknown>;
