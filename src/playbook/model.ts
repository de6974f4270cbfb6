/** The loaded, validated playbook tree (pure data; the executor walks it). */
import type { Position } from '../yaml/index.js';
import type { ModuleDefaults } from './module-defaults.js';

export interface Role {
  name: string;
  path: string;
  defaults: Record<string, unknown>;
  vars: Record<string, unknown>;
  /** Parameters given where the role is listed (role params: high precedence). */
  params: Record<string, unknown>;
  /** Brought in by another role's meta dependencies (ansible_dependent_role_names). */
  dependency?: boolean;
}

/** Keywords inherited from enclosing plays/blocks/roles/imports onto tasks. */
export interface Inherited {
  when: unknown[];
  tags: string[];
  vars: Record<string, unknown>[];
  become?: boolean;
  becomeUser?: string;
  becomeMethod?: string;
  checkMode?: boolean;
  diff?: boolean;
  ignoreErrors?: boolean;
  ignoreUnreachable?: boolean;
  noLog?: boolean;
  delegateTo?: string;
  runOnce?: boolean;
  anyErrorsFatal?: boolean;
  /** At most this many hosts run the task at once (a number or a template). */
  throttle?: number | string;
  /** timeout: the task fails after this many seconds, its command killed. */
  timeout?: number | string;
  /** `connection`, `remote_user`, `port`: below the ansible_connection/ansible_user/ansible_port variables (connection-keywords.ts). */
  connection?: string;
  remoteUser?: string;
  port?: number | string;
  environment: (Record<string, unknown> | string)[];
  /** module_defaults of the enclosing levels, outer first (module-defaults.ts). */
  moduleDefaults?: ModuleDefaults[];
  role?: Role;
  /** The roles this task is in, outermost first (meta dependencies and include_role inside a role). */
  roleChain?: Role[];
  /** ansible_search_path: the chain's role paths, innermost first, then the task file's directory. */
  searchPath?: string[];
}

export interface LoopSpec {
  items: unknown; // template or list
  loopVar: string;
  indexVar?: string;
  label?: unknown;
  pause?: number;
  extended?: boolean;
  extendedAllitems?: boolean;
}

export interface TaskNode {
  kind: 'task';
  id: number;
  name: string;
  /** Canonical module name (registry) */
  action: string;
  args: unknown;
  pos: Position | undefined;
  inh: Inherited;
  register?: string;
  loop?: LoopSpec;
  changedWhen?: unknown;
  failedWhen?: unknown;
  until?: unknown;
  /** Numbers, or templates rendered per host at run time. */
  retries: number | string;
  delay: number | string;
  notify: string[];
  listen: string[];
  /** Static problems are reported at load; this holds nothing at run time. */
  isHandler: boolean;
  /** async: run in the background for at most this many seconds; poll: check every this many (0: do not wait). */
  async?: number | string;
  poll?: number | string;
  /** delegate_facts: facts of a delegated task go to the delegated host. */
  delegateFacts?: boolean;
}

export interface BlockNode {
  kind: 'block';
  name?: string;
  block: Node[];
  rescue: Node[];
  always: Node[];
  inh: Inherited;
  pos: Position | undefined;
  /** Handlers and roles brought in by import_role/include_role (the loader lifts them to the play). */
  roleHandlers?: TaskNode[];
}

/** include_tasks: resolved per host at run time. */
export interface IncludeNode {
  kind: 'include';
  id: number;
  name: string;
  file: string; // may be templated
  baseDir: string;
  inh: Inherited;
  loop?: LoopSpec;
  pos: Position | undefined;
  /** Pre-loaded content when the file name is static (validated at load time). */
  preloaded?: Node[];
}

export type Node = TaskNode | BlockNode | IncludeNode;

export interface Play {
  name: string;
  hosts: string;
  pos: Position | undefined;
  file: string;
  baseDir: string;
  vars: Record<string, unknown>;
  /** Each entry a file, or a list of candidates of which the first found is read. */
  varsFiles: (string | string[])[];
  roles: Role[];
  preTasks: Node[];
  tasks: Node[]; // role tasks (as blocks) first, then tasks
  postTasks: Node[];
  handlers: TaskNode[];
  serial: unknown[];
  maxFailPercentage?: number;
  anyErrorsFatal: boolean;
  order: 'inventory' | 'reverse_inventory' | 'sorted' | 'reverse_sorted' | 'shuffle';
  gatherFacts: boolean;
  /** gather_subset of the play's implicit fact gathering. */
  gatherSubset?: unknown;
  forceHandlers: boolean;
  tags: string[];
  inh: Inherited;
  varsPrompt?: VarPrompt[];
  /** `free`: each host of a batch runs through the tasks without waiting for the others. */
  strategy?: 'linear' | 'free';
}

/** One `vars_prompt` entry (asked by the CLI before the run; -e values skip it). */
export interface VarPrompt {
  name: string;
  prompt?: string;
  default?: unknown;
  private: boolean;
  confirm: boolean;
  unsafe: boolean;
  /** encrypt: sha512_crypt or sha256_crypt, with `salt` or a random salt of `salt_size`. */
  encrypt?: { kind: 'sha512_crypt' | 'sha256_crypt'; salt?: string; saltSize?: number };
  pos: Position | undefined;
}

export interface Playbook {
  file: string;
  plays: Play[];
}

export function emptyInherited(): Inherited {
  return { when: [], tags: [], vars: [], environment: [] };
}
