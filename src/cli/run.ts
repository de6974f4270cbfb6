/** `orchestrate run PLAYBOOK...`: load + validate everything, then execute with live output. */
import { existsSync, writeFileSync } from 'node:fs';
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import type { Connection } from '../connection/connection.js';
import { LocalConnection } from '../connection/local/local.js';
import { ConnectionPool } from '../executor/connections.js';
import { askVarsPrompts, PromptError, terminalIO } from './vars-prompt.js';
import { EventBus, type RunEvent } from '../executor/events.js';
import { runPlaybook } from '../executor/runner.js';
import { Inventory } from '../inventory/index.js';
import '../modules/index.js';
import { loadPlaybook } from '../playbook/load.js';
import type { Playbook } from '../playbook/model.js';
import { Secrets } from '../util/secrets.js';
import { VaultSession } from '../vault/session.js';
import { ProblemList, ValidationError } from '../yaml/index.js';
import { EXIT } from './main.js';
import { OptionError, parseExtraVars } from './extra-vars.js';
import { listHosts, listTags, listTasks } from './listing.js';
import { jsonRenderer } from '../ui/json.js';
import { plainRenderer } from '../ui/plain.js';
import { ttyRenderer } from '../ui/tty.js';

export interface RunFlags {
  inventory?: string[];
  limit?: string;
  extraVars?: string[];
  tags?: string[];
  skipTags?: string[];
  check?: boolean;
  diff?: boolean;
  forks?: number;
  syntaxCheck?: boolean;
  listTasks?: boolean;
  listHosts?: boolean;
  listTags?: boolean;
  json?: boolean;
  verbose?: number;
  user?: string;
  become?: boolean;
  becomeUser?: string;
  askBecomePass?: boolean;
  /** The -K answer (set here, never from the command line). */
  becomePassword?: string;
  hostKeyChecking?: 'yes' | 'no' | 'accept-new';
  knownHosts?: string;
  vaultSecretsFile?: string;
  report?: string;
}

const out = (s: string): void => void process.stdout.write(s);
const err = (s: string): void => void process.stderr.write(s);

/** Inventory sources: -i, else $ORCHESTRATE_INVENTORY, else inventory/lab.yml when the lab is up. */
export function inventorySources(given: string[] | undefined): string[] {
  if (given && given.length > 0) return given.flatMap((s) => s.split(',').filter(Boolean));
  const env = process.env['ORCHESTRATE_INVENTORY'];
  if (env) return env.split(',').filter(Boolean);
  return existsSync('inventory/lab.yml') ? ['inventory/lab.yml'] : [];
}

function splitTags(v: string[] | undefined): string[] {
  return (v ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
}

export async function runCommand(files: string[], flags: RunFlags): Promise<number> {
  let extraVars: Record<string, unknown>;
  try {
    extraVars = parseExtraVars(flags.extraVars ?? []);
  } catch (e) {
    err(`error: ${(e as Error).message}\n`);
    return e instanceof OptionError ? EXIT.badOptions : EXIT.error;
  }
  if (flags.vaultSecretsFile) extraVars['vault_secrets_file'] ??= flags.vaultSecretsFile;

  const problems = new ProblemList();
  const playbooks: Playbook[] = [];
  for (const f of files) {
    if (!existsSync(f)) problems.add(undefined, `playbook not found: ${f}`);
    else playbooks.push(await loadPlaybook(f, { problems, extraVars }));
  }
  let inventory: Inventory | undefined;
  try {
    const sources = inventorySources(flags.inventory);
    inventory = sources.length > 0 ? await Inventory.load(sources) : Inventory.empty();
    for (const w of inventory.warnings) err(`[WARNING]: ${w}\n`);
  } catch (e) {
    // inventory and playbook problems are reported together, in one format
    if (e instanceof ValidationError) problems.addAll(e.problems);
    else problems.add(undefined, (e as Error).message);
  }
  if (problems.hasErrors || !inventory) {
    err(`${problems.format()}\n\n${problems.size} problem${problems.size === 1 ? '' : 's'} found; nothing was run.\n`);
    return EXIT.parse;
  }
  if (flags.syntaxCheck) {
    for (const f of files) out(`\nplaybook: ${f}\n`);
    return EXIT.ok;
  }
  const tags = splitTags(flags.tags);
  const skipTags = splitTags(flags.skipTags);
  if (flags.listHosts || flags.listTasks || flags.listTags) {
    for (const pb of playbooks) {
      if (flags.listHosts) out(listHosts(pb, inventory, flags.limit, extraVars));
      if (flags.listTasks) out(listTasks(pb, tags, skipTags));
      if (flags.listTags) out(listTags(pb));
    }
    return EXIT.ok;
  }
  if (flags.limit && noHostsLeft(inventory, flags.limit)) return EXIT.error;
  for (const pb of playbooks) await addPlaybookVarsDirs(pb, inventory);
  if (flags.askBecomePass) {
    const pw = await askBecomePassword();
    if (pw === undefined) {
      err('error: --ask-become-pass: no password given\n');
      return EXIT.error;
    }
    flags = { ...flags, becomePassword: pw };
  }
  try {
    await askVarsPrompts(playbooks, extraVars, terminalIO());
  } catch (e) {
    if (!(e instanceof PromptError)) throw e;
    err(`error: ${e.message}\n`);
    return EXIT.error;
  }
  return execute(playbooks, inventory, flags, extraVars, tags, skipTags);
}

/** -K: "BECOME password: " on the terminal (hidden), or one line of piped stdin. */
async function askBecomePassword(): Promise<string | undefined> {
  if (process.stdin.isTTY) return terminalIO().ask('BECOME password: ', true);
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
  return line === undefined || line === '' ? undefined : line;
}

/** As ansible-playbook: a --limit that matches no inventory host is an error, said once. */
function noHostsLeft(inventory: Inventory, limit: string): boolean {
  const { hosts, warnings } = inventory.select('all', limit);
  if (hosts.length > 0) return false;
  for (const w of new Set(warnings)) err(`[WARNING]: ${w}\n`);
  err(`error: --limit ${limit} matches no host of the inventory: no hosts to target\n`);
  return true;
}

async function addPlaybookVarsDirs(pb: Playbook, inventory: Inventory): Promise<void> {
  const dir = path.dirname(path.resolve(pb.file));
  if (existsSync(path.join(dir, 'group_vars')) || existsSync(path.join(dir, 'host_vars'))) await inventory.addVarsDir(dir);
}

type SshStatsT = import('../connection/ssh/index.js').SshStats;

async function connectionFactory(flags: RunFlags, warn: (m: string) => void, stats: SshStatsT): Promise<(host: string, vars: Record<string, unknown>) => Connection> {
  const ssh = await import('../connection/ssh/index.js');
  const runtime = {
    stats,
    warn,
    ...(flags.knownHosts ? { knownHostsFile: flags.knownHosts } : {}),
    ...(flags.hostKeyChecking ? { hostKeyChecking: flags.hostKeyChecking === 'yes' ? true : flags.hostKeyChecking === 'no' ? false : ('accept-new' as const) } : {}),
  };
  return (host, vars) => {
    const settings = ssh.resolveSshSettings(vars, host);
    // -u: below ansible_user and remote_user, as ansible-playbook's --user
    if (settings.user === undefined && flags.user) settings.user = flags.user;
    // -K: below ansible_become_password, as in Ansible
    if (flags.becomePassword !== undefined && settings.becomeVars?.password === undefined) settings.becomeVars = { ...settings.becomeVars, password: flags.becomePassword };
    const password = settings.becomeVars?.password;
    if (flags.become) settings.become = { method: settings.becomeVars?.method ?? 'sudo', user: flags.becomeUser ?? 'root', ...(password !== undefined ? { password } : {}) };
    return ssh.createSshConnection(settings, runtime);
  };
}

async function execute(playbooks: Playbook[], inventory: Inventory, flags: RunFlags, extraVars: Record<string, unknown>, tags: string[], skipTags: string[]): Promise<number> {
  const secrets = new Secrets();
  if (flags.becomePassword !== undefined) secrets.add(flags.becomePassword); // -K: masked wherever a command prints it
  const bus = new EventBus((v) => secrets.maskValue(v));
  const verbosity = flags.verbose ?? 0;
  let drain: () => Promise<void> = async () => undefined;
  if (flags.json) bus.on(jsonRenderer(out));
  else if (process.stdout.isTTY && process.env['CI'] !== 'true' && !process.env['NO_LIVE']) {
    const tty = ttyRenderer({ verbosity, diff: flags.diff === true });
    bus.on(tty.listener);
    drain = tty.drain;
  } else bus.on(plainRenderer({ write: out, verbosity, color: process.stdout.isTTY === true, diff: flags.diff === true }));

  const report = flags.report ? await reportListener(bus) : undefined;
  const controller = new AbortController();
  // every host's waits (wait_for, until delays) listen on it: one listener per host is expected
  setMaxListeners(0, controller.signal);
  let interrupts = 0;
  let pool: ConnectionPool | undefined;
  const onSigint = (): void => {
    interrupts++;
    // the terminal renderer shows the cursor again on exit; the terminal stays usable
    if (interrupts > 2) process.exit(EXIT.interrupted);
    if (interrupts === 2) {
      // stop now; closing the connections removes each host's private temp dir (at most 1.5 s)
      err('\ninterrupted again: stopping now\n');
      const closing = pool ? pool.closeAll() : Promise.resolve();
      void Promise.race([closing, new Promise((r) => setTimeout(r, 1500))]).finally(() => process.exit(EXIT.interrupted));
      return;
    }
    bus.emit({ type: 'warning', message: 'interrupted: finishing running tasks, starting nothing new (Ctrl-C again to stop at once)' });
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const warn = (message: string): void => bus.emit({ type: 'warning', message });
  const stats = new (await import('../connection/ssh/index.js')).SshStats();
  const open = await connectionFactory(flags, warn, stats);
  let code: number = EXIT.ok;
  try {
    for (const playbook of playbooks) {
      pool = new ConnectionPool(open, () => new LocalConnection({ host: 'localhost' }));
      const summary = await runPlaybook({
        playbook,
        inventory,
        pool,
        bus,
        secrets,
        vault: new VaultSession(),
        extraVars,
        ...(flags.limit ? { limit: flags.limit } : {}),
        tags,
        skipTags,
        checkMode: flags.check === true,
        diffMode: flags.diff === true,
        forks: flags.forks ?? 50,
        signal: controller.signal,
        verbosity,
      });
      code = summary.exitCode;
      if (code !== EXIT.ok) break;
    }
  } finally {
    process.off('SIGINT', onSigint);
    await drain();
    writeStatsFile(stats);
    if (report && flags.report) {
      try {
        report.write(flags.report);
        err(`report written to ${flags.report}\n`);
      } catch (e) {
        err(`error: cannot write the report ${flags.report}: ${(e as Error).message}\n`);
        if (code === EXIT.ok) code = EXIT.error;
      }
    }
  }
  return code;
}

/** --report: every (masked) event with its time, turned into the HTML report at the end. */
async function reportListener(bus: EventBus): Promise<{ write: (file: string) => void }> {
  const { ReportBuilder, writeReport } = await import('../report/index.js');
  const builder = new ReportBuilder();
  bus.on((e) => builder.add({ ...e, ts: Date.now() }));
  return { write: (file) => writeReport(file, builder.model()) };
}

/** $ORCHESTRATE_STATS_FILE: the run's SSH counters as JSON (total and per host), for benchmarks. */
function writeStatsFile(stats: SshStatsT): void {
  const file = process.env['ORCHESTRATE_STATS_FILE'];
  if (!file) return;
  try {
    writeFileSync(file, JSON.stringify({ total: stats.total(), perHost: Object.fromEntries(stats.perHost) }) + '\n');
  } catch (e) {
    err(`warning: cannot write ORCHESTRATE_STATS_FILE ${file}: ${(e as Error).message}\n`);
  }
}

export type { RunEvent };
