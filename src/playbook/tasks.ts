/** Parse and validate task lists: tasks, blocks, imports and includes. */
import path from 'node:path';
import type { Position, YamlDoc } from '../yaml/index.js';
import { getModule, moduleNames } from '../modules/registry.js';
import { argsStringToDict, validateArgs } from '../modules/args.js';
import { kvKey, kvValue, splitArgs } from '../modules/lib/kv.js';
import { didYouMean, suggest } from '../util/suggest.js';
import { BLOCK_KEYWORD_TABLE, BLOCK_KEYWORDS, INCLUDE_ACTIONS, LOOP_CONTROL_KEYWORDS, TASK_KEYWORD_TABLE, TASK_KEYWORDS, shortAction } from './keywords.js';
import type { Inherited, LoopSpec, Node, TaskNode } from './model.js';
import { asList, asRecord, asStringList, isRecord, normaliseTags, type Loader } from './common.js';
import { applyCommonKeywords, checkUnsupported } from './load.js';
import { subdirFor } from '../vars/first-found.js';
import { argsWithDefaults } from './module-defaults.js';
import { taskSearchPath } from '../template/search-path.js';
import { isLookup, LOOKUPS } from '../template/lookups.js';

const LOOKUP_NAMES = Object.keys(LOOKUPS);

export interface ParseScope {
  doc: YamlDoc;
  /** Directory relative includes resolve against. */
  baseDir: string;
  inh: Inherited;
  isHandler: boolean;
  section: string;
  /** Files being imported (loop detection). */
  stack?: string[];
  /** Inside a block that has a rescue section. */
  rescued?: boolean;
}

let nextId = 1;
export function newTaskId(): number {
  return nextId++;
}

/** `with_NAME` runs the lookup plugin NAME (template/lookups.ts) over the templated terms. */
function isWithLookup(k: string): boolean {
  return k.startsWith('with_') && isLookup(k.slice(5));
}

export class TaskParser {
  constructor(private readonly loader: Loader) {}

  private get problems() {
    return this.loader.problems;
  }

  async parseList(list: unknown[], scope: ParseScope): Promise<Node[]> {
    const out: Node[] = [];
    for (let i = 0; i < list.length; i++) {
      const raw = list[i];
      if (!isRecord(raw)) {
        this.problems.add(scope.doc.pos(list, i), 'each task must be a mapping');
        continue;
      }
      const node = await this.parseOne(raw, scope);
      if (node) out.push(node);
    }
    return out;
  }

  private inherit(scope: ParseScope, raw: Record<string, unknown>): Inherited {
    const inh: Inherited = {
      ...scope.inh,
      when: [...scope.inh.when, ...asList(raw['when'])],
      tags: [...scope.inh.tags, ...normaliseTags(raw['tags'])],
      vars: raw['vars'] !== undefined ? [...scope.inh.vars, asRecord(raw['vars'])] : scope.inh.vars,
      environment: scope.inh.environment,
    };
    applyCommonKeywords(inh, raw);
    return inh;
  }

  private async parseOne(raw: Record<string, unknown>, scope: ParseScope): Promise<Node | undefined> {
    const doc = scope.doc;
    checkUnsupported(this.problems, doc, raw, 'block' in raw ? BLOCK_KEYWORD_TABLE : TASK_KEYWORD_TABLE);
    if ('block' in raw) return this.parseBlock(raw, scope);
    for (const k of ['rescue', 'always']) if (k in raw) this.problems.add(doc.pos(raw, k), `"${k}" is only valid next to "block"`);

    const actionKeys = Object.keys(raw).filter((k) => !TASK_KEYWORDS.has(k) && !isWithLookup(k));
    let action: string | undefined;
    let args: unknown;
    const localAction = raw['local_action'] ?? raw['action'];
    if (localAction !== undefined) {
      [action, args] = splitActionValue(localAction);
    }
    const known = actionKeys.filter((k) => INCLUDE_ACTIONS.has(k) || getModule(k) !== undefined);
    for (const k of actionKeys) {
      if (known.includes(k)) continue;
      if (k.startsWith('with_')) {
        this.problems.add(doc.pos(raw, k), `lookup plugin (${k.slice(5)}) not found${didYouMean(k.slice(5), LOOKUP_NAMES)}`);
        continue;
      }
      const asKeyword = suggest(k, TASK_KEYWORDS);
      const asModule = suggest(k, moduleNames());
      const guess = asKeyword ?? asModule;
      const what = known.length > 0 || (asKeyword && !asModule) ? 'keyword' : 'module';
      this.problems.add(doc.pos(raw, k), `unknown ${what} "${k}"${guess ? ` (did you mean "${guess}"?)` : ''}`);
    }
    if (known.length > 1) {
      this.problems.add(doc.pos(raw, known[1]!), `conflicting action statements: ${known.join(', ')}`);
      return undefined;
    }
    if (known.length === 1) {
      if (action !== undefined) this.problems.add(doc.pos(raw, known[0]!), 'a task may not have both "action" and a module');
      action = known[0]!;
      args = raw[action];
    }
    if (action === undefined) {
      if (actionKeys.length === 0) this.problems.add(doc.pos(raw), 'no module or action in this task');
      return undefined;
    }
    const pos = doc.pos(raw, known[0] ?? ('action' in raw ? 'action' : 'local_action'));
    if (typeof args === 'string') args = this.kvArgs(action, args, pos);
    if (isRecord(raw['args'])) args = isRecord(args) ? { ...raw['args'], ...args } : args ?? raw['args'];
    const inh = this.inherit(scope, raw);
    inh.searchPath = taskSearchPath((inh.roleChain ?? []).map((r) => r.path), pos ? path.dirname(pos.file) : scope.baseDir);
    if ('local_action' in raw) inh.delegateTo = 'localhost';
    const short = shortAction(action);
    if (INCLUDE_ACTIONS.has(action)) return this.parseInclude(short, args, raw, scope, inh, pos);
    return this.parseTask(action, args, raw, scope, inh, pos);
  }

  /** `k=v` argument strings are split when loading, as Ansible does; each value is templated alone. */
  private kvArgs(action: string, text: string, pos: Position | undefined): unknown {
    const def = getModule(action);
    if (!def) {
      if (!INCLUDE_ACTIONS.has(action)) return text;
      // include_role name=x handlers_from=y; include_tasks file.yml (or file=file.yml)
      const out: Record<string, unknown> = {};
      const rest: string[] = [];
      try {
        for (const tok of splitArgs(text, true)) {
          const key = kvKey(tok);
          if (key !== undefined) out[key] = kvValue(tok);
          else rest.push(tok.value);
        }
      } catch (e) {
        this.problems.add(pos, `${shortAction(action)}: ${(e as Error).message}`);
      }
      if (rest.length > 0) out[/role$/.test(action) ? 'name' : 'file'] = rest.join(' ');
      return out;
    }
    const { args, problems } = argsStringToDict(def, text);
    for (const p of problems) this.problems.add(pos, `${def.name}: ${p.message}`);
    return args;
  }

  private async parseBlock(raw: Record<string, unknown>, scope: ParseScope): Promise<Node> {
    const doc = scope.doc;
    for (const k of Object.keys(raw)) {
      if (!BLOCK_KEYWORDS.has(k)) this.problems.add(doc.pos(raw, k), `unknown block keyword "${k}"${didYouMean(k, BLOCK_KEYWORDS)}`);
    }
    const inh = this.inherit(scope, raw);
    const inner: ParseScope = { ...scope, inh };
    const list = async (k: string): Promise<Node[]> => {
      const v = raw[k];
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v)) {
        this.problems.add(doc.pos(raw, k), `"${k}" must be a list of tasks`);
        return [];
      }
      return this.parseList(v, k === 'block' && 'rescue' in raw ? { ...inner, rescued: true } : inner);
    };
    return {
      kind: 'block',
      name: typeof raw['name'] === 'string' ? raw['name'] : undefined,
      block: await list('block'),
      rescue: await list('rescue'),
      always: await list('always'),
      inh,
      pos: doc.pos(raw),
    };
  }

  private parseTask(action: string, args: unknown, raw: Record<string, unknown>, scope: ParseScope, inh: Inherited, pos: Position | undefined): TaskNode | undefined {
    const doc = scope.doc;
    const def = getModule(action);
    if (!def) return undefined;
    const argsValue = args === undefined || args === null ? {} : args;
    if (typeof argsValue !== 'string' && !isRecord(argsValue)) {
      this.problems.add(pos, `${action}: arguments must be a mapping or a string`);
    } else {
      // what the task runs with: module_defaults under its own arguments
      const full = inh.moduleDefaults ? argsWithDefaults(def.name, argsValue, inh.moduleDefaults, (v) => v) : argsValue;
      const { problems } = validateArgs(def, isRecord(full) || typeof full === 'string' ? full : argsValue, { templated: false });
      // what Ansible finds only at run time waits for the run where the task is meant to fail
      const meantToFail = inh.ignoreErrors === true || typeof raw['ignore_errors'] === 'string' || 'failed_when' in raw || scope.rescued === true;
      for (const p of problems) {
        if (p.runtime && meantToFail) continue;
        const at = p.key && isRecord(argsValue) && p.key in argsValue ? doc.pos(argsValue, p.key) : pos;
        this.problems.add(at, `${def.name}: ${p.message}`);
      }
    }
    const loop = this.parseLoop(raw, scope);
    if (loop && isRecord(loop.items) && loop.items['__with'] === 'first_found') loop.items['subdir'] = subdirFor(def.name);
    const task: TaskNode = {
      kind: 'task',
      id: newTaskId(),
      name: typeof raw['name'] === 'string' ? raw['name'] : defaultTaskName(def.name, argsValue),
      action: def.name,
      args: argsValue,
      pos,
      inh,
      retries: 3,
      delay: 5,
      notify: asStringList(raw['notify']),
      listen: asStringList(raw['listen']),
      isHandler: scope.isHandler,
    };
    if (typeof raw['register'] === 'string') task.register = raw['register'];
    else if (raw['register'] !== undefined) this.problems.add(doc.pos(raw, 'register'), 'register must be a variable name');
    if (task.register && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(task.register)) this.problems.add(doc.pos(raw, 'register'), `"${task.register}" is not a valid variable name`);
    if (loop) task.loop = loop;
    if (raw['delegate_facts'] !== undefined) task.delegateFacts = raw['delegate_facts'] === true || /^(yes|true)$/i.test(String(raw['delegate_facts']));
    if ('changed_when' in raw) task.changedWhen = raw['changed_when'];
    if ('failed_when' in raw) task.failedWhen = raw['failed_when'];
    if ('until' in raw) task.until = raw['until'];
    for (const key of ['async', 'poll'] as const) {
      const v = raw[key];
      if (v === undefined || v === null) continue;
      if ((typeof v === 'string' && v.includes('{{')) || (Number.isInteger(Number(v)) && Number(v) >= 0)) task[key] = typeof v === 'string' && v.includes('{{') ? v : Number(v);
      else this.problems.add(doc.pos(raw, key), `${key} must be a whole number of seconds (or a template), got ${JSON.stringify(v)}`);
    }
    for (const key of ['retries', 'delay'] as const) {
      const v = raw[key];
      if (v === undefined) continue;
      if (typeof v === 'string' && v.includes('{{')) task[key] = v;
      else if (Number.isFinite(Number(v)) && Number(v) >= 0) task[key] = Number(v);
      else this.problems.add(doc.pos(raw, key), `${key} must be a number (or a template), got ${JSON.stringify(v)}`);
    }
    if (scope.isHandler && task.notify.length === 0 && typeof raw['name'] !== 'string' && task.listen.length === 0) {
      this.problems.add(pos, 'a handler needs a "name" or "listen"');
    }
    return task;
  }

  private parseLoop(raw: Record<string, unknown>, scope: ParseScope): LoopSpec | undefined {
    const doc = scope.doc;
    const lc = raw['loop_control'];
    const control = asRecord(lc);
    for (const k of Object.keys(control)) {
      if (!LOOP_CONTROL_KEYWORDS.has(k)) this.problems.add(doc.pos(control, k), `unknown loop_control keyword "${k}"${didYouMean(k, LOOP_CONTROL_KEYWORDS)}`);
    }
    const withKey = Object.keys(raw).find(isWithLookup);
    if ('loop' in raw && withKey) this.problems.add(doc.pos(raw, withKey), `"loop" and "${withKey}" cannot be used together`);
    let items: unknown;
    if ('loop' in raw) items = raw['loop'];
    else if (withKey) items = { __with: withKey.slice(5), value: raw[withKey] };
    else {
      if (lc !== undefined) this.problems.add(doc.pos(raw, 'loop_control'), '"loop_control" without "loop"');
      return undefined;
    }
    const spec: LoopSpec = { items, loopVar: typeof control['loop_var'] === 'string' ? control['loop_var'] : 'item' };
    if (typeof control['index_var'] === 'string') spec.indexVar = control['index_var'];
    if ('label' in control) spec.label = control['label'];
    if (typeof control['pause'] === 'number') spec.pause = control['pause'];
    if (control['extended'] !== undefined) spec.extended = Boolean(control['extended']);
    if (control['extended_allitems'] !== undefined) spec.extendedAllitems = Boolean(control['extended_allitems']);
    return spec;
  }

  private async parseInclude(action: string, args: unknown, raw: Record<string, unknown>, scope: ParseScope, inh: Inherited, pos: Position | undefined): Promise<Node | undefined> {
    const a = isRecord(args) ? args : { file: args };
    if (action === 'import_role' || action === 'include_role') {
      const { loadRoleAsBlock } = await import('./roles.js');
      return loadRoleAsBlock(this.loader, this, scope.doc, a, scope, inh, pos);
    }
    if (action === 'import_playbook') {
      this.problems.add(pos, 'import_playbook is only valid at the play level');
      return undefined;
    }
    const file = a['file'] ?? a['_raw_params'];
    if (typeof file !== 'string' || file.length === 0) {
      this.problems.add(pos, `${action} needs a file name`);
      return undefined;
    }
    const dynamic = file.includes('{{');
    if (action === 'import_tasks' && dynamic) {
      this.problems.add(pos, 'import_tasks needs a static file name (use include_tasks for a templated one)');
      return undefined;
    }
    if (action === 'import_tasks' && raw['loop'] !== undefined) this.problems.add(pos, 'import_tasks cannot loop (use include_tasks)');
    // import_tasks: conditions apply to every imported task; include_tasks: only to the include.
    const childInh = action === 'import_tasks' ? inh : { ...inh, when: [] };
    const before = this.problems.size;
    let preloaded = dynamic ? undefined : await this.loadTaskFile(path.resolve(scope.baseDir, file), scope, childInh, pos);
    // A conditional include_tasks is loaded only on the hosts it runs on, as in Ansible (a role's
    // per-OS task files use modules of other systems): problems in its file fail those hosts at the
    // include instead of the whole run (the file is loaded again there, see executor/include.ts).
    if (action === 'include_tasks' && raw['when'] !== undefined && this.problems.size > before) {
      this.problems.takeFrom(before);
      preloaded = undefined;
    }
    if (action === 'import_tasks') {
      return { kind: 'block', name: typeof raw['name'] === 'string' ? raw['name'] : undefined, block: preloaded ?? [], rescue: [], always: [], inh: childInh, pos };
    }
    const loop = this.parseLoop(raw, scope);
    return { kind: 'include', id: newTaskId(), name: typeof raw['name'] === 'string' ? raw['name'] : `include_tasks: ${file}`, file, baseDir: scope.baseDir, inh, ...(loop ? { loop } : {}), pos, ...(preloaded ? { preloaded } : {}) };
  }

  /** Load a task file with the includer's inherited keywords. */
  async loadTaskFile(file: string, scope: ParseScope, inh: Inherited, from: Position | undefined): Promise<Node[] | undefined> {
    const stack = scope.stack ?? [];
    if (stack.includes(file)) {
      this.problems.add(from, `include loop: ${path.basename(file)} includes itself`);
      return undefined;
    }
    const doc = await this.loader.yaml(file, from);
    if (!doc) return undefined;
    if (doc.value === null || doc.value === undefined) return [];
    if (!Array.isArray(doc.value)) {
      this.problems.add(doc.pos(doc.value as object), 'a task file must be a list of tasks');
      return undefined;
    }
    const inner: ParseScope = { ...scope, doc, baseDir: inh.role ? scope.baseDir : path.dirname(file), inh, stack: [...stack, file] };
    return this.parseList(doc.value, inner);
  }
}

function splitActionValue(v: unknown): [string | undefined, unknown] {
  if (typeof v === 'string') {
    const m = /^\s*(\S+)\s*(.*)$/s.exec(v);
    return m ? [m[1], m[2] ?? ''] : [undefined, undefined];
  }
  if (isRecord(v) && typeof v['module'] === 'string') {
    const { module, ...rest } = v;
    return [module as string, rest];
  }
  return [undefined, undefined];
}

/** Unnamed tasks are shown by their action, as Ansible does (never with arguments: they may hold secrets). */
function defaultTaskName(module: string, _args: unknown): string {
  return module;
}
