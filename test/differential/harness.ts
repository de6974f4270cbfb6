/**
 * Differential harness: each case (a small playbook under cases/) runs under ansible-playbook
 * (the oracle, connection local) and under orchestrate (the built CLI), each against its own
 * temp directory, and the normalised outcomes are compared: per task the per-host status, the
 * values printed by debug, the recap, the exit code and the files written under `root`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const HERE = path.resolve(__dirname);
export const REPO = path.resolve(HERE, '../..');
export const CASES = path.join(HERE, 'cases');
const BIN = path.join(REPO, 'bin/orchestrate.js');

export interface Outcome {
  rc: number;
  /** `task name: h1=ok h2=skipped`, in order; tasks with no host result are left out. */
  tasks: string[];
  /** `task name [host]: JSON` for every debug value shown. */
  debug: string[];
  recap: Record<string, string>;
  /** `task [host]=status` of every result, sorted (compared instead of tasks/debug order for `# order: any`). */
  results: string[];
  /** `path type mode content` under root. */
  files: string[];
  /** orchestrate's first line on stderr when it refused the playbook (exit 4). */
  error?: string;
}

export interface CaseSpec {
  name: string;
  file: string;
  /** Extra command-line arguments (`# args: --tags x`). */
  args: string[];
  hosts: string[];
  /** Where the case comes from (`# source: ...`). */
  source?: string;
  /** The directory of the case's side files (default: cases/NAME). */
  sideDir?: string;
  /** Only the hosts, no group (a group moves h1 after the ungrouped hosts in Ansible's order of `all`). */
  noGroups?: boolean;
  /** `# order: any`: hosts interleave (strategy: free); results are compared as sets. */
  anyOrder?: boolean;
}

export function ansibleAvailable(): boolean {
  return spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0;
}

export function loadCases(dir = CASES): CaseSpec[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      const text = readFileSync(file, 'utf8');
      const header = (key: string): string | undefined => new RegExp(`^# ${key}: (.*)$`, 'm').exec(text)?.[1]?.trim();
      const hosts = Number(header('hosts') ?? '2');
      const args = header('args');
      const source = header('source');
      return { name: f.replace(/\.yml$/, ''), file, args: args ? args.split(/\s+/) : [], hosts: Array.from({ length: hosts }, (_, i) => `h${i + 1}`), ...(source ? { source } : {}), ...(header('order') === 'any' ? { anyOrder: true } : {}) };
    });
}

interface Work {
  dir: string;
  root: string;
  inventory: string;
  playbook: string;
}

/** A fresh directory with the playbook (and the case's side files) copied in, and an inventory. */
function prepare(c: CaseSpec, tool: string): Work {
  const dir = mkdtempSync(path.join(os.tmpdir(), `diff-${tool}-${c.name}-`));
  const root = path.join(dir, 'root');
  mkdirSync(root);
  const side = c.sideDir ?? path.join(CASES, c.name);
  try {
    for (const f of readdirSync(side, { recursive: true, withFileTypes: true })) {
      if (!f.isFile()) continue;
      const rel = path.relative(side, path.join(f.parentPath, f.name));
      mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), readFileSync(path.join(side, rel)));
    }
  } catch {
    // no side files
  }
  const playbook = path.join(dir, 'playbook.yml');
  writeFileSync(playbook, readFileSync(c.file));
  const inventory = path.join(dir, 'inventory.ini');
  writeFileSync(inventory, `${c.hosts.map((h) => `${h} ansible_connection=local ansible_python_interpreter=/usr/bin/python3`).join('\n')}\n${c.noGroups ? '' : '[group1]\nh1\n'}`);
  return { dir, root, inventory, playbook };
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

type Json = Record<string, unknown>;

const HIDDEN = new Set(['changed', 'failed', 'action', 'skipped', 'skip_reason', 'false_condition', 'invocation', 'item', 'ansible_loop_var', 'results']);

/** The value a debug result shows: its msg, or the variable(s) it printed. */
function ansibleDebugValue(r: Json): unknown {
  if ('msg' in r) return r['msg'];
  const rest = Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('_ansible') && !HIDDEN.has(k)));
  return rest;
}

/** A role's task is "ROLE : name" in Ansible's output; orchestrate names the task alone. */
function ansibleTaskName(n: string): string {
  return shortName(n.replace(/^[\w.-]+ : /, ''));
}

function shortName(n: string): string {
  return n.replace(/^ansible\.(builtin|legacy)\./, '');
}

function normRecap(s: Json): string {
  return ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'].map((k) => `${k}=${Number(s[k] ?? s[k === 'failed' ? 'failures' : k] ?? 0)}`).join(' ');
}

export async function runAnsible(c: CaseSpec): Promise<Outcome> {
  const w = prepare(c, 'ansible');
  try {
    const env = {
      ANSIBLE_STDOUT_CALLBACK: 'difflog',
      ANSIBLE_CALLBACK_PLUGINS: path.join(HERE, 'callback'),
      ANSIBLE_LOCALHOST_WARNING: 'False',
      ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False',
      ANSIBLE_RETRY_FILES_ENABLED: 'False',
      ANSIBLE_DEPRECATION_WARNINGS: 'False',
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_PIPELINING: 'True',
      ANSIBLE_HOME: path.join(w.dir, '.ansible'),
      ANSIBLE_LOCAL_TEMP: path.join(w.dir, '.ansible/tmp'),
      ANSIBLE_REMOTE_TEMP: path.join(w.dir, '.ansible/rtmp'),
    };
    const res = await run('ansible-playbook', ['-i', w.inventory, w.playbook, '-e', `root=${w.root}`, ...c.args], w.dir, env);
    const events = res.stdout.split('\n').filter((l) => l.startsWith('DIFFLOG ')).map((l) => JSON.parse(l.slice(8)) as Json);
    const tasks: string[] = [];
    const debug: string[] = [];
    const recap: Record<string, string> = {};
    const results: string[] = [];
    let cur: { name: string; hosts: Map<string, Json> } | undefined;
    const flush = (): void => {
      if (!cur || cur.hosts.size === 0) return;
      const hosts = [...cur.hosts.keys()].sort();
      tasks.push(`${cur.name}: ${hosts.map((h) => `${h}=${String(cur!.hosts.get(h)!['status'])}`).join(' ')}`);
      for (const h of hosts) {
        const e = cur.hosts.get(h)!;
        const r = e['result'] as Json;
        // a failed debug task shows its error as `msg`: the status is compared, the wording is not
        if (e['action'] !== 'debug' || e['status'] === 'skipped' || e['status'] === 'failed' || r['skipped']) continue;
        const value = Array.isArray(r['results']) ? (r['results'] as Json[]).filter((x) => !x['skipped']).map(ansibleDebugValue) : ansibleDebugValue(r);
        debug.push(`${e['task'] !== undefined ? ansibleTaskName(String(e['task'])) : cur.name} [${h}]: ${JSON.stringify(value)}`);
      }
    };
    let action = '';
    for (const e of events) {
      if (e['type'] === 'task') {
        flush();
        cur = { name: ansibleTaskName(String(e['name'])), hosts: new Map() };
        action = shortName(String(e['action']));
      } else if (e['type'] === 'result' && cur) {
        cur.hosts.set(String(e['host']), { ...e, action: e['action'] !== undefined ? shortName(String(e['action'])) : action });
        results.push(`${ansibleTaskName(String(e['task'] ?? cur.name))} [${String(e['host'])}]=${String(e['status'])}`);
      }
      else if (e['type'] === 'stats') recap[String(e['host'])] = normRecap(e['stats'] as Json);
    }
    flush();
    return { rc: res.code, tasks, debug, recap, results: results.sort(), files: snapshot(w.root) };
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
}

export async function runOrchestrate(c: CaseSpec): Promise<Outcome> {
  const w = prepare(c, 'orch');
  try {
    const res = await run(process.execPath, [BIN, 'run', '-i', w.inventory, w.playbook, '-e', `root=${w.root}`, '--json', ...c.args], w.dir, { CI: 'true', NO_COLOR: '1' });
    const events = res.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Json);
    const { tasks, debug, recap } = outcomeOfEvents(events);
    const stderrLine = res.code === 4 ? res.stderr.split('\n').find((l) => l.trim()) : undefined;
    const results = events.filter((e) => e['type'] === 'host.result').map((e) => `${shortName(String(e['task']))} [${String(e['host'])}]=${String(e['status'])}`);
    return { rc: res.code, tasks, debug, recap, results: results.sort(), files: snapshot(w.root), ...(stderrLine ? { error: stderrLine } : {}) };
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
}

/** The tasks, debug values and recap of orchestrate's event stream (--json, or the bus in-process). */
export function outcomeOfEvents(events: readonly Json[]): Pick<Outcome, 'tasks' | 'debug' | 'recap'> {
  // a task started again (the next serial batch, a handler) is a new entry, as in Ansible's output
  const entries: { name: string; hosts: Map<string, Json> }[] = [];
  const latest = new Map<number, { name: string; hosts: Map<string, Json> }>();
  let recap: Record<string, string> = {};
  for (const e of events) {
    if (e['type'] === 'task.start') {
      const entry = { name: shortName(String(e['name'])), hosts: new Map<string, Json>() };
      entries.push(entry);
      latest.set(e['id'] as number, entry);
    } else if (e['type'] === 'host.result') {
      latest.get(e['taskId'] as number)?.hosts.set(String(e['host']), e);
    } else if (e['type'] === 'recap') {
      recap = Object.fromEntries(Object.entries(e['stats'] as Record<string, Json>).sort().map(([h, s]) => [h, normRecap(s)]));
    }
  }
  const tasks: string[] = [];
  const debug: string[] = [];
  for (const t of entries) {
    const hosts = [...t.hosts.keys()].sort();
    if (hosts.length === 0) continue;
    tasks.push(`${t.name}: ${hosts.map((h) => `${h}=${String(t.hosts.get(h)!['status'])}`).join(' ')}`);
    for (const h of hosts) {
      const r = t.hosts.get(h)!;
      // Ansible's side is printed with sorted keys (the callback's json.dumps(sort_keys=True))
      if (r['output'] !== undefined && r['status'] !== 'skipped') debug.push(`${t.name} [${h}]: ${JSON.stringify(sortKeys(r['output']))}`);
    }
  }
  return { tasks, debug, recap };
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Json)[k])]));
  return v;
}

/** Every entry under root: relative path, type, mode, and a file's content (a link's target). */
export function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const st = lstatSync(p);
      const rel = path.relative(root, p);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      if (st.isSymbolicLink()) out.push(`${rel} link -> ${path.relative(root, path.resolve(dir, readlinkSync(p)))}`);
      else if (st.isDirectory()) {
        out.push(`${rel}/ dir ${mode}`);
        walk(p);
      } else out.push(`${rel} file ${mode} ${JSON.stringify(readFileSync(p, 'utf8').slice(0, 2000))}`);
    }
  };
  walk(root);
  return out;
}

/** Run `fn` over items with at most `limit` at once. */
export async function pool<T, R>(items: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Ansible starts a meta task once per host that reaches it and a task again for each serial
 * batch; consecutive entries of one task over different hosts are one entry here.
 */
function mergeTasks(tasks: string[]): string[] {
  const out: string[] = [];
  for (const t of tasks) {
    const [name, hosts] = [t.slice(0, t.lastIndexOf(': ')), t.slice(t.lastIndexOf(': ') + 2)];
    const prev = out.at(-1);
    if (prev !== undefined && prev.slice(0, prev.lastIndexOf(': ')) === name) {
      const prevHosts = prev.slice(prev.lastIndexOf(': ') + 2).split(' ');
      const these = hosts.split(' ');
      const names = (l: string[]): string[] => l.map((x) => x.split('=')[0]!);
      if (!names(these).some((h) => names(prevHosts).includes(h))) {
        out[out.length - 1] = `${name}: ${[...prevHosts, ...these].sort().join(' ')}`;
        continue;
      }
    }
    out.push(t);
  }
  return out;
}

export function differences(a: Outcome, b: Outcome, anyOrder = false): string[] {
  const out: string[] = [];
  const cmp = (what: string, x: unknown, y: unknown): void => {
    const sx = JSON.stringify(x, null, 1);
    const sy = JSON.stringify(y, null, 1);
    if (sx !== sy) out.push(`${what}:\n  ansible:     ${sx}\n  orchestrate: ${sy}`);
  };
  // unreachable hosts: orchestrate exits 3 (ansible-playbook's documented code), ansible-core 2.14
  // exits 4 (TaskQueueManager.RUN_UNREACHABLE_HOSTS); the same outcome
  cmp('exit code', a.rc, b.rc === 3 && !b.error ? 4 : b.rc);
  if (b.error) out.push(`orchestrate: ${b.error}`);
  if (anyOrder) {
    cmp('results', a.results, b.results);
    cmp('debug', [...a.debug].sort(), [...b.debug].sort());
  } else {
    cmp('tasks', mergeTasks(a.tasks), mergeTasks(b.tasks));
    cmp('debug', a.debug, b.debug);
  }
  // Ansible lists only hosts something was counted for; a row of zeros is left out on both sides
  const counted = (r: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(r).filter(([, v]) => /=[1-9]/.test(v)));
  cmp('recap', counted(a.recap), counted(b.recap));
  cmp('files', a.files, b.files);
  return out;
}

/**
 * Recorded oracle outcomes: `npm run test:differential` runs ansible-playbook live on every case
 * and records what it did (recorded/NAME.json, keyed by a hash of the case, its side files, this
 * harness, the callback and the ansible-core version); `npm test` compares orchestrate with a
 * recording whose key still matches and runs ansible-playbook live for any case without one.
 */
const RECORDED = path.join(HERE, 'recorded');

let ansibleVersion: string | undefined;
function versionOfAnsible(): string {
  ansibleVersion ??= spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
  return ansibleVersion;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

export function caseKey(c: CaseSpec): string {
  const h = createHash('sha256');
  h.update(versionOfAnsible());
  for (const f of [c.file, ...filesUnder(c.sideDir ?? path.join(CASES, c.name)), path.join(HERE, 'harness.ts'), ...filesUnder(path.join(HERE, 'callback'))]) {
    h.update(path.relative(HERE, f));
    h.update(readFileSync(f));
  }
  return h.digest('hex');
}

export function recordedOutcome(c: CaseSpec): Outcome | undefined {
  const f = path.join(RECORDED, `${c.name}.json`);
  if (!existsSync(f)) return undefined;
  const r = JSON.parse(readFileSync(f, 'utf8')) as { key: string; outcome: Outcome };
  return r.key === caseKey(c) ? r.outcome : undefined;
}

export function recordOutcome(c: CaseSpec, o: Outcome): void {
  mkdirSync(RECORDED, { recursive: true });
  writeFileSync(path.join(RECORDED, `${c.name}.json`), `${JSON.stringify({ key: caseKey(c), source: 'ansible-playbook', outcome: o }, null, 1)}\n`);
}
