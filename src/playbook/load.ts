/**
 * Load a playbook tree (playbooks, imports, roles, includes) and validate all of it before any
 * host is contacted. Every problem is collected with its file:line:column.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findInStack } from '../template/search-path.js';
import { loadYamlFile, YamlError, type Position, type ProblemList, type YamlDoc } from '../yaml/index.js';
import { didYouMean } from '../util/suggest.js';
import { templateValue } from '../template/index.js';
import { parseModuleDefaults } from './module-defaults.js';
import { PLAY_KEYWORD_TABLE, PLAY_KEYWORDS, type Keyword } from './keywords.js';
import { emptyInherited, type Inherited, type Node, type Play, type Playbook, type Role, type TaskNode, type VarPrompt } from './model.js';
import { TaskParser, type ParseScope } from './tasks.js';
import { loadRoles } from './roles.js';
import { asList, asRecord, isRecord, normaliseTags, type Loader } from './common.js';

export interface LoadOptions {
  problems: ProblemList;
  /** Extra role search paths (after <playbook dir>/roles and ./roles). */
  rolesPath?: string[];
  /** -e values: known before loading, so `import_playbook` loops may use them. */
  extraVars?: Record<string, unknown>;
}

export async function loadPlaybook(file: string, opts: LoadOptions): Promise<Playbook> {
  const loader = new PlaybookLoader(opts);
  const plays = await loader.loadFile(path.resolve(file), new Set());
  return { file, plays };
}

class PlaybookLoader implements Loader {
  readonly problems: ProblemList;
  readonly rolesPath: string[];
  private readonly extraVars: Record<string, unknown>;
  private readonly docs = new Map<string, YamlDoc | undefined>();
  private readonly tasks: TaskParser;

  constructor(opts: LoadOptions) {
    this.problems = opts.problems;
    this.rolesPath = opts.rolesPath ?? [];
    this.extraVars = opts.extraVars ?? {};
    this.tasks = new TaskParser(this);
  }

  async yaml(file: string, from?: Position): Promise<YamlDoc | undefined> {
    if (this.docs.has(file)) return this.docs.get(file);
    let doc: YamlDoc | undefined;
    if (!existsSync(file)) {
      this.problems.add(from, `file not found: ${path.relative(process.cwd(), file) || file}`);
    } else {
      try {
        doc = await loadYamlFile(file);
        this.problems.addSource(file, doc.text);
      } catch (err) {
        if (err instanceof YamlError) {
          if (err.sourceText !== undefined) this.problems.addSource(file, err.sourceText);
          this.problems.add(err.pos, err.reason);
        } else this.problems.add(from, `${path.relative(process.cwd(), file)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.docs.set(file, doc);
    return doc;
  }

  async loadFile(file: string, seen: Set<string>, from?: Position): Promise<Play[]> {
    if (seen.has(file)) {
      this.problems.add(from, `import_playbook loop: ${file} imports itself`);
      return [];
    }
    const doc = await this.yaml(file, from);
    if (!doc) return [];
    if (doc.value === null || doc.value === undefined) return [];
    if (!Array.isArray(doc.value)) {
      this.problems.add(doc.pos(doc.value as object), 'a playbook must be a list of plays');
      return [];
    }
    const plays: Play[] = [];
    const next = new Set(seen).add(file);
    for (const entry of doc.value) {
      if (!isRecord(entry)) {
        this.problems.add(doc.pos(doc.value, doc.value.indexOf(entry)), 'each play must be a mapping');
        continue;
      }
      const imp = entry['import_playbook'] ?? entry['ansible.builtin.import_playbook'];
      if (imp !== undefined) {
        plays.push(...(await this.importPlaybook(doc, entry, imp, next)));
        continue;
      }
      const play = await this.loadPlay(doc, entry, file);
      if (play) plays.push(play);
    }
    return plays;
  }

  private async importPlaybook(doc: YamlDoc, entry: Record<string, unknown>, imp: unknown, seen: Set<string>): Promise<Play[]> {
    const key = 'import_playbook' in entry ? 'import_playbook' : 'ansible.builtin.import_playbook';
    const pos = doc.pos(entry, key);
    if (typeof imp !== 'string' || imp.includes('{{')) {
      this.problems.add(pos, 'import_playbook needs a static file name');
      return [];
    }
    const allowed = [key, 'name', 'vars', 'when', 'tags', 'loop', 'loop_control'];
    for (const k of Object.keys(entry)) {
      if (!allowed.includes(k)) this.problems.add(doc.pos(entry, k), `unknown keyword "${k}" for import_playbook${didYouMean(k, allowed)}`);
    }
    const target = path.resolve(path.dirname(doc.file), imp);
    const vars = asRecord(entry['vars']);
    const tags = normaliseTags(entry['tags']);
    const when = asList(entry['when']);
    // Extension: `loop` repeats the imported plays once per item, in order (e.g. one fleet after
    // another). The list must be known when loading: a literal, or built from -e and the import's vars.
    let items: unknown[] = [undefined];
    let loopVar = 'item';
    if (entry['loop'] !== undefined) {
      const lc = asRecord(entry['loop_control']);
      if (typeof lc['loop_var'] === 'string') loopVar = lc['loop_var'];
      try {
        const v = templateValue(entry['loop'], { ...vars, ...this.extraVars });
        if (!Array.isArray(v)) throw new Error(`expected a list, got ${JSON.stringify(v)}`);
        items = v;
      } catch (err) {
        this.problems.add(doc.pos(entry, 'loop'), `import_playbook loop: ${err instanceof Error ? err.message : String(err)}`);
        return [];
      }
    }
    const out: Play[] = [];
    for (const item of items) {
      const plays = await this.loadFile(target, seen, pos);
      const own = entry['loop'] !== undefined ? { ...vars, [loopVar]: item } : vars;
      for (const p of plays) {
        p.vars = { ...p.vars, ...own };
        p.inh.tags = [...tags, ...p.inh.tags];
        p.inh.when = [...when, ...p.inh.when];
      }
      out.push(...plays);
    }
    return out;
  }

  private async loadPlay(doc: YamlDoc, raw: Record<string, unknown>, file: string): Promise<Play | undefined> {
    const pos = doc.pos(raw);
    checkUnsupported(this.problems, doc, raw, PLAY_KEYWORD_TABLE);
    for (const k of Object.keys(raw)) {
      if (!PLAY_KEYWORDS.has(k)) {
        const hint = ['tasks', 'pre_tasks', 'post_tasks'].some((s) => s === k) ? '' : didYouMean(k, PLAY_KEYWORDS);
        this.problems.add(doc.pos(raw, k), `unknown play keyword "${k}"${hint}`);
      }
    }
    const hosts = raw['hosts'];
    let hostPattern = '';
    if (hosts === undefined || hosts === null || hosts === '') this.problems.add(pos, 'the play has no "hosts"');
    else if (Array.isArray(hosts)) hostPattern = hosts.map(String).join(',');
    else hostPattern = String(hosts);

    const baseDir = path.dirname(file);
    const inh: Inherited = emptyInherited();
    inh.tags = normaliseTags(raw['tags']);
    applyCommonKeywords(inh, raw);

    const play: Play = {
      name: typeof raw['name'] === 'string' ? raw['name'] : hostPattern,
      hosts: hostPattern,
      pos,
      file,
      baseDir,
      vars: asRecord(raw['vars']),
      varsFiles: asList(raw['vars_files']).map((v) => (Array.isArray(v) ? v.map(String) : String(v))),
      roles: [],
      preTasks: [],
      tasks: [],
      postTasks: [],
      handlers: [],
      serial: raw['serial'] === undefined || raw['serial'] === null ? [] : asList(raw['serial']),
      anyErrorsFatal: raw['any_errors_fatal'] === true,
      order: 'inventory',
      gatherFacts: true,
      forceHandlers: raw['force_handlers'] === true,
      tags: inh.tags,
      inh,
    };
    this.checkPlayScalars(doc, raw, play);
    if (raw['strategy'] === 'free' || raw['strategy'] === 'ansible.builtin.free') play.strategy = 'free';
    if (raw['vars_prompt'] !== undefined && raw['vars_prompt'] !== null) play.varsPrompt = parseVarsPrompt(this.problems, doc, raw);
    for (const vf of play.varsFiles) {
      // a list is "the first found" and a template is per host: both are read at run time
      if (Array.isArray(vf) || vf.includes('{{')) continue;
      const found = findInStack([baseDir], 'vars', vf, baseDir) ?? path.resolve(baseDir, vf);
      const vdoc = await this.yaml(found, doc.pos(raw, 'vars_files'));
      if (vdoc && vdoc.value !== null && vdoc.value !== undefined && !isRecord(vdoc.value)) this.problems.add(vdoc.pos(vdoc.value as object), 'a vars file must be a mapping');
    }

    const scope = (section: string, isHandler = false): ParseScope => ({ doc, baseDir, inh, isHandler, section });
    play.preTasks = await this.section(doc, raw, 'pre_tasks', scope('pre_tasks'));
    const roleResult = await loadRoles(this, this.tasks, doc, raw['roles'], raw, baseDir, inh);
    play.roles = roleResult.roles;
    play.tasks = [...roleResult.tasks, ...(await this.section(doc, raw, 'tasks', scope('tasks')))];
    play.postTasks = await this.section(doc, raw, 'post_tasks', scope('post_tasks'));
    const handlers = await this.section(doc, raw, 'handlers', scope('handlers', true));
    play.handlers = [...roleResult.handlers, ...flattenHandlers(handlers), ...liftedHandlers([...play.preTasks, ...play.tasks, ...play.postTasks])];
    this.checkNotify(play);
    return play;
  }

  private checkPlayScalars(doc: YamlDoc, raw: Record<string, unknown>, play: Play): void {
    const mfp = raw['max_fail_percentage'];
    if (mfp !== undefined) {
      const n = typeof mfp === 'string' ? Number(mfp.replace('%', '')) : mfp;
      if (typeof n !== 'number' || Number.isNaN(n) || n < 0 || n > 100) this.problems.add(doc.pos(raw, 'max_fail_percentage'), 'max_fail_percentage must be a number from 0 to 100');
      else play.maxFailPercentage = n;
    }
    const order = raw['order'];
    if (order !== undefined) {
      const allowed = ['inventory', 'reverse_inventory', 'sorted', 'reverse_sorted', 'shuffle'] as const;
      const found = allowed.find((o) => o === order);
      if (!found) this.problems.add(doc.pos(raw, 'order'), `order must be one of ${allowed.join(', ')}${didYouMean(String(order), allowed)}`);
      else play.order = found;
    }
    for (const s of play.serial) {
      const ok = typeof s === 'number' ? s >= 0 : typeof s === 'string' && (/^\d+%?$/.test(s.trim()) || s.includes('{{'));
      if (!ok) this.problems.add(doc.pos(raw, 'serial'), `serial must be a number, a percentage like "25%" or a list of them, got ${JSON.stringify(s)}`);
    }
    // gather_facts defaults to true, as in Ansible (DEFAULT_GATHERING=implicit)
    const gf = raw['gather_facts'];
    if (gf !== undefined && gf !== null) play.gatherFacts = !(gf === false || (typeof gf === 'string' && /^(no|false|n|off|0)$/i.test(gf)) || gf === 0);
    if (raw['gather_subset'] !== undefined) play.gatherSubset = raw['gather_subset'];
    if (raw['vars'] !== undefined && raw['vars'] !== null && !isRecord(raw['vars'])) this.problems.add(doc.pos(raw, 'vars'), 'play vars must be a mapping');
  }

  private async section(doc: YamlDoc, raw: Record<string, unknown>, key: string, scope: ParseScope): Promise<Node[]> {
    const v = raw[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.problems.add(doc.pos(raw, key), `"${key}" must be a list of tasks`);
      return [];
    }
    return this.tasks.parseList(v, scope);
  }

  private checkNotify(play: Play): void {
    const names = new Set<string>();
    for (const h of play.handlers) {
      names.add(h.name);
      for (const l of h.listen) names.add(l);
    }
    const visit = (nodes: Node[]): void => {
      for (const n of nodes) {
        if (n.kind === 'block') {
          visit(n.block);
          visit(n.rescue);
          visit(n.always);
        } else if (n.kind === 'include') {
          if (n.preloaded) visit(n.preloaded);
        } else {
          for (const target of n.notify) {
            if (!target.includes('{{') && !names.has(target)) this.problems.add(n.pos, `notify: handler "${target}" is not defined in this play${didYouMean(target, names)}`);
          }
        }
      }
    };
    visit(play.preTasks);
    visit(play.tasks);
    visit(play.postTasks);
    visit(play.handlers);
  }
}

const PROMPT_KEYS = ['name', 'prompt', 'default', 'private', 'confirm', 'encrypt', 'salt_size', 'salt', 'unsafe'];

/** `vars_prompt`: a list of mappings with a name each, as ansible-core's Play.vars_prompt. */
function parseVarsPrompt(problems: ProblemList, doc: YamlDoc, raw: Record<string, unknown>): VarPrompt[] {
  const list = raw['vars_prompt'];
  if (!Array.isArray(list)) {
    problems.add(doc.pos(raw, 'vars_prompt'), "vars_prompt must be a list of mappings, each with a 'name'");
    return [];
  }
  const out: VarPrompt[] = [];
  for (const [i, e] of list.entries()) {
    if (!isRecord(e) || typeof e['name'] !== 'string' || e['name'] === '') {
      problems.add(doc.pos(list, i), "Invalid vars_prompt data structure, missing 'name' key");
      continue;
    }
    for (const k of Object.keys(e)) if (!PROMPT_KEYS.includes(k)) problems.add(doc.pos(e, k), `unknown vars_prompt key "${k}"${didYouMean(k, PROMPT_KEYS)}`);
    const enc = e['encrypt'];
    if (enc !== undefined && enc !== 'sha512_crypt' && enc !== 'sha256_crypt') problems.add(doc.pos(e, 'encrypt'), `vars_prompt encrypt ${JSON.stringify(enc)} is not supported (sha512_crypt or sha256_crypt)`);
    out.push({
      ...(enc === 'sha512_crypt' || enc === 'sha256_crypt' ? { encrypt: { kind: enc, ...(e['salt'] !== undefined && e['salt'] !== null ? { salt: String(e['salt']) } : {}), ...(typeof e['salt_size'] === 'number' ? { saltSize: e['salt_size'] } : {}) } } : {}),
      name: e['name'],
      ...(e['prompt'] !== undefined && e['prompt'] !== null ? { prompt: String(e['prompt']) } : {}),
      ...(e['default'] !== undefined && e['default'] !== null ? { default: e['default'] } : {}),
      private: e['private'] === undefined ? true : truthy(e['private']),
      confirm: truthy(e['confirm'] ?? false),
      unsafe: truthy(e['unsafe'] ?? false),
      pos: doc.pos(e),
    });
  }
  return out;
}

/** Keywords known by name whose value does not run here: an error at the keyword, never ignored. */
export function checkUnsupported(problems: ProblemList, doc: YamlDoc, raw: Record<string, unknown>, table: Record<string, Keyword>): void {
  for (const k of Object.keys(raw)) {
    const why = Object.prototype.hasOwnProperty.call(table, k) ? table[k]!.refuse?.(raw[k]) : undefined;
    if (why) problems.add(doc.pos(raw, k), why);
  }
  const md = raw['module_defaults'];
  if (md !== undefined) {
    for (const p of parseModuleDefaults(md).problems) {
      const at = p.key !== undefined ? (Array.isArray(md) ? md.find((l) => isRecord(l) && p.key! in l) : md) : undefined;
      problems.add(at && p.key !== undefined ? doc.pos(at as object, p.key) : doc.pos(raw, 'module_defaults'), p.message);
    }
  }
}

export function applyCommonKeywords(inh: Inherited, raw: Record<string, unknown>): void {
  if (raw['become'] !== undefined) inh.become = truthy(raw['become']);
  if (typeof raw['become_user'] === 'string') inh.becomeUser = raw['become_user'];
  if (raw['check_mode'] !== undefined) inh.checkMode = truthy(raw['check_mode']);
  if (raw['diff'] !== undefined) inh.diff = truthy(raw['diff']);
  if (raw['ignore_errors'] !== undefined) inh.ignoreErrors = truthy(raw['ignore_errors']);
  if (raw['ignore_unreachable'] !== undefined) inh.ignoreUnreachable = truthy(raw['ignore_unreachable']);
  if (raw['no_log'] !== undefined) inh.noLog = truthy(raw['no_log']);
  if (typeof raw['delegate_to'] === 'string') inh.delegateTo = raw['delegate_to'];
  if (raw['run_once'] !== undefined) inh.runOnce = truthy(raw['run_once']);
  if (raw['any_errors_fatal'] !== undefined) inh.anyErrorsFatal = truthy(raw['any_errors_fatal']);
  if (typeof raw['connection'] === 'string') inh.connection = raw['connection'];
  if (typeof raw['remote_user'] === 'string' || typeof raw['remote_user'] === 'number') inh.remoteUser = String(raw['remote_user']);
  if (typeof raw['port'] === 'number' || typeof raw['port'] === 'string') inh.port = raw['port'];
  if (typeof raw['throttle'] === 'number' || typeof raw['throttle'] === 'string') inh.throttle = raw['throttle'];
  if (typeof raw['timeout'] === 'number' || typeof raw['timeout'] === 'string') inh.timeout = raw['timeout'];
  if (raw['module_defaults'] !== undefined && raw['module_defaults'] !== null) inh.moduleDefaults = [...(inh.moduleDefaults ?? []), ...parseModuleDefaults(raw['module_defaults']).defaults];
  if (isRecord(raw['environment']) || (typeof raw['environment'] === 'string' && raw['environment'].includes('{{'))) inh.environment = [...inh.environment, raw['environment']];
}

export function truthy(v: unknown): boolean {
  if (typeof v === 'string') return ['yes', 'true', 'on', '1', 'y'].includes(v.toLowerCase());
  return Boolean(v);
}

function liftedHandlers(nodes: Node[]): TaskNode[] {
  const out: TaskNode[] = [];
  for (const n of nodes) {
    if (n.kind !== 'block') continue;
    if (n.roleHandlers) out.push(...n.roleHandlers);
    out.push(...liftedHandlers([...n.block, ...n.rescue, ...n.always]));
  }
  return out;
}

function flattenHandlers(nodes: Node[]): TaskNode[] {
  const out: TaskNode[] = [];
  for (const n of nodes) {
    if (n.kind === 'task') out.push(n);
    else if (n.kind === 'block') out.push(...flattenHandlers([...n.block, ...n.rescue, ...n.always]));
    else if (n.preloaded) out.push(...flattenHandlers(n.preloaded));
  }
  return out;
}

export type { Role };
