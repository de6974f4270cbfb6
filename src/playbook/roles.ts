/** Roles: roles/NAME/{tasks,handlers,templates,files,defaults,vars,meta}/main.yml */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Position, YamlDoc } from '../yaml/index.js';
import { didYouMean } from '../util/suggest.js';
import { ROLE_ENTRY_KEYWORDS } from './keywords.js';
import type { Inherited, Node, Role, TaskNode } from './model.js';
import { asList, asRecord, isRecord, normaliseTags, type Loader } from './common.js';
import type { ParseScope, TaskParser } from './tasks.js';

export interface RolesResult {
  roles: Role[];
  tasks: Node[];
  handlers: TaskNode[];
}

const MAIN_NAMES = ['main.yml', 'main.yaml', 'main'];

function findMain(dir: string, base = 'main'): string | undefined {
  const names = base === 'main' ? MAIN_NAMES : [`${base}.yml`, `${base}.yaml`, base];
  for (const n of names) {
    const p = path.join(dir, n);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export function findRole(loader: Loader, name: string, baseDir: string): string | undefined {
  const candidates = [
    path.resolve(baseDir, 'roles', name),
    path.resolve(process.cwd(), 'roles', name),
    ...loader.rolesPath.map((p) => path.resolve(p, name)),
    path.resolve(baseDir, name),
  ];
  return candidates.find((c) => existsSync(path.join(c, 'tasks')) || existsSync(path.join(c, 'meta')) || existsSync(path.join(c, 'handlers')) || existsSync(path.join(c, 'defaults')));
}

async function varsFile(loader: Loader, dir: string, from: Position | undefined): Promise<Record<string, unknown>> {
  const f = findMain(dir);
  if (!f) return {};
  const doc = await loader.yaml(f, from);
  if (!doc || doc.value === null || doc.value === undefined) return {};
  if (!isRecord(doc.value)) {
    loader.problems.add(doc.pos(doc.value as object), 'a vars file must be a mapping');
    return {};
  }
  return doc.value;
}

interface RoleEntry {
  name: string;
  params: Record<string, unknown>;
  raw: Record<string, unknown>;
  pos: Position | undefined;
  tasksFrom?: string;
  handlersFrom?: string;
}

function parseEntry(loader: Loader, doc: YamlDoc, list: unknown[], i: number): RoleEntry | undefined {
  const e = list[i];
  const pos = doc.pos(list, i);
  if (typeof e === 'string') return { name: e, params: {}, raw: {}, pos };
  if (!isRecord(e)) {
    loader.problems.add(pos, 'a role entry must be a name or a mapping');
    return undefined;
  }
  const name = e['role'] ?? e['name'];
  if (typeof name !== 'string') {
    loader.problems.add(pos, 'a role entry needs "role" (or "name")');
    return undefined;
  }
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (!ROLE_ENTRY_KEYWORDS.has(k)) params[k] = v;
  return { name, params: { ...params, ...asRecord(e['vars']) }, raw: e, pos };
}

export async function loadRoles(loader: Loader, parser: TaskParser, doc: YamlDoc, rolesRaw: unknown, _play: Record<string, unknown>, baseDir: string, inh: Inherited): Promise<RolesResult> {
  const result: RolesResult = { roles: [], tasks: [], handlers: [] };
  if (rolesRaw === undefined || rolesRaw === null) return result;
  if (!Array.isArray(rolesRaw)) {
    loader.problems.add(doc.pos(rolesRaw as object), '"roles" must be a list');
    return result;
  }
  const seen = new Set<string>();
  for (let i = 0; i < rolesRaw.length; i++) {
    const entry = parseEntry(loader, doc, rolesRaw, i);
    if (entry) await expandRole(loader, parser, entry, baseDir, inh, result, seen, []);
  }
  return result;
}

async function expandRole(loader: Loader, parser: TaskParser, entry: RoleEntry, baseDir: string, parentInh: Inherited, out: RolesResult, seen: Set<string>, chain: string[]): Promise<void> {
  const key = `${entry.name}:${JSON.stringify(entry.params)}`;
  if (seen.has(key)) return; // a role runs once per play unless its parameters differ
  if (chain.includes(entry.name)) {
    loader.problems.add(entry.pos, `role dependency loop: ${[...chain, entry.name].join(' -> ')}`);
    return;
  }
  seen.add(key);
  const dir = findRole(loader, entry.name, baseDir);
  if (!dir) {
    loader.problems.add(entry.pos, `role "${entry.name}" not found (looked in ${path.relative(process.cwd(), path.resolve(baseDir, 'roles')) || 'roles'}/ and ./roles/)`);
    return;
  }
  const role: Role = {
    name: path.basename(entry.name),
    path: dir,
    defaults: await varsFile(loader, path.join(dir, 'defaults'), entry.pos),
    vars: await varsFile(loader, path.join(dir, 'vars'), entry.pos),
    params: entry.params,
    ...(chain.length > 0 ? { dependency: true } : {}),
  };
  const inh: Inherited = {
    ...parentInh,
    role,
    roleChain: [...(parentInh.roleChain ?? []), role],
    when: [...parentInh.when, ...asList(entry.raw['when'])],
    tags: [...parentInh.tags, ...normaliseTags(entry.raw['tags'])],
  };
  if (entry.raw['become'] !== undefined) inh.become = Boolean(entry.raw['become']);
  if (typeof entry.raw['become_user'] === 'string') inh.becomeUser = entry.raw['become_user'];
  if (typeof entry.raw['delegate_to'] === 'string') inh.delegateTo = entry.raw['delegate_to'];

  // meta/main.yml dependencies run first
  const metaFile = findMain(path.join(dir, 'meta'));
  if (metaFile) {
    const meta = await loader.yaml(metaFile, entry.pos);
    const deps = meta && isRecord(meta.value) ? meta.value['dependencies'] : undefined;
    if (meta && Array.isArray(deps)) {
      for (let i = 0; i < deps.length; i++) {
        const dep = parseEntry(loader, meta, deps, i);
        if (dep) await expandRole(loader, parser, dep, baseDir, { ...parentInh, roleChain: inh.roleChain }, out, seen, [...chain, entry.name]);
      }
    }
  }
  out.roles.push(role);
  const scope: ParseScope = { doc: undefined as unknown as YamlDoc, baseDir: path.join(dir, 'tasks'), inh, isHandler: false, section: 'tasks' };
  const tasksFile = findMain(path.join(dir, 'tasks'), entry.tasksFrom ?? 'main');
  if (tasksFile) {
    const nodes = await parser.loadTaskFile(tasksFile, scope, inh, entry.pos);
    if (nodes) out.tasks.push({ kind: 'block', name: `role ${role.name}`, block: nodes, rescue: [], always: [], inh, pos: entry.pos });
  } else if (entry.tasksFrom) {
    loader.problems.add(entry.pos, `role "${entry.name}" has no tasks/${entry.tasksFrom}.yml`);
  }
  const handlersFile = findMain(path.join(dir, 'handlers'), entry.handlersFrom ?? 'main');
  if (handlersFile) {
    const nodes = await parser.loadTaskFile(handlersFile, { ...scope, baseDir: path.join(dir, 'handlers'), isHandler: true, section: 'handlers' }, inh, entry.pos);
    for (const n of nodes ?? []) if (n.kind === 'task') out.handlers.push(n);
  }
}

/** import_role / include_role inside a task list: the role's tasks as a block (handlers join the play). */
export async function loadRoleAsBlock(loader: Loader, parser: TaskParser, doc: YamlDoc, args: Record<string, unknown>, scope: ParseScope, inh: Inherited, pos: Position | undefined): Promise<Node | undefined> {
  const name = args['name'];
  if (typeof name !== 'string') {
    loader.problems.add(pos, 'import_role needs "name"');
    return undefined;
  }
  for (const k of Object.keys(args)) {
    if (!['name', 'tasks_from', 'handlers_from', 'vars_from', 'defaults_from', 'allow_duplicates', 'public', 'apply', 'rolespec_validate'].includes(k)) {
      loader.problems.add(doc.pos(args, k), `unknown import_role argument "${k}"${didYouMean(k, ['name', 'tasks_from', 'handlers_from'])}`);
    }
  }
  const out: RolesResult = { roles: [], tasks: [], handlers: [] };
  // IncludeRole.get_include_params: a role included from a role knows its parents
  const parent = inh.role;
  const params: Record<string, unknown> = {};
  if (parent) {
    const names = parent.params['ansible_parent_role_names'];
    const paths = parent.params['ansible_parent_role_paths'];
    params['ansible_parent_role_names'] = [parent.name, ...(Array.isArray(names) ? names : [])];
    params['ansible_parent_role_paths'] = [parent.path, ...(Array.isArray(paths) ? paths : [])];
  }
  const entry: RoleEntry = { name, params, raw: {}, pos };
  if (typeof args['tasks_from'] === 'string') entry.tasksFrom = args['tasks_from'].replace(/\.ya?ml$/, '');
  if (typeof args['handlers_from'] === 'string') entry.handlersFrom = args['handlers_from'].replace(/\.ya?ml$/, '');
  await expandRole(loader, parser, entry, scope.baseDir, inh, out, new Set(), []);
  const handlers = out.handlers;
  return { kind: 'block', name: `role ${name}`, block: out.tasks, rescue: [], always: [], inh, pos, roleHandlers: handlers };
}
