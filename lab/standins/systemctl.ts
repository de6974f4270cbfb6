#!/usr/bin/env node
/** Lab stand-in for `systemctl`: runs /etc/systemd/system/*.service units as detached daemons. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadEnvironment, execArgv, type Unit } from './systemd-unit.js';
import * as st from './systemd-state.js';

interface Opts {
  quiet: boolean;
  now: boolean;
  value: boolean;
  props: string[];
}

const out = (s: string, o: Opts): void => void (o.quiet || process.stdout.write(s + '\n'));
const err = (s: string): void => void process.stderr.write(s + '\n');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const BASE_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

function unitEnv(unit: Unit, extra: Record<string, string> = {}): Record<string, string> {
  const lab = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('LAB_')));
  return { ...BASE_ENV, ...(lab as Record<string, string>), ...loadEnvironment(unit), ...extra };
}

/** Runs ExecReload/ExecStop style commands synchronously; returns false if one failed. */
function runCommands(unit: Unit, lines: string[], mainPid: number): boolean {
  const env = unitEnv(unit, { MAINPID: String(mainPid) });
  for (const line of lines) {
    const { argv, ignoreFailure } = execArgv(line, env, unit.name);
    const [cmd, ...args] = argv;
    if (!cmd) continue;
    const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    if ((r.status !== 0 || r.error) && !ignoreFailure) return false;
  }
  return true;
}

/** uid and gid for User= / Group= (the user's primary group when Group= is not set), as `id` reports them. */
function credentials(unit: Unit): { uid?: number; gid?: number } | string {
  if (!unit.user && !unit.group) return {};
  const id = (args: string[]): number | undefined => {
    const r = spawnSync('id', args, { encoding: 'utf8' });
    return r.status === 0 ? Number(r.stdout.trim()) : undefined;
  };
  const uid = unit.user ? id(['-u', unit.user]) : undefined;
  if (unit.user && uid === undefined) return `Failed to determine user credentials: No such process (User=${unit.user})`;
  let gid = unit.user ? id(['-g', unit.user]) : undefined;
  if (unit.group) {
    const g = spawnSync('getent', ['group', unit.group], { encoding: 'utf8' });
    gid = g.status === 0 ? Number(g.stdout.split(':')[2]) : undefined;
    if (gid === undefined) return `Failed to determine group credentials: No such process (Group=${unit.group})`;
  }
  return { ...(uid === undefined ? {} : { uid }), ...(gid === undefined ? {} : { gid }) };
}

async function start(unit: Unit): Promise<number> {
  if (st.runtime(unit.name).state === 'active') return 0;
  const env = unitEnv(unit);
  const { argv } = execArgv(unit.execStart[0] ?? '', env, unit.name);
  const [cmd, ...args] = argv;
  if (!cmd) return fail(`Failed to start ${unit.name}: Unit ${unit.name} has no ExecStart= setting.`, 1);
  const creds = credentials(unit);
  if (typeof creds === 'string') return fail(`Job for ${unit.name} failed because the control process exited with error code.\n${creds}`, 1);
  if (!runCommands(unit, unit.execStartPre, 0)) return fail(`Job for ${unit.name} failed because the control process exited with error code.\nSee "systemctl status ${unit.name}" for details.`, 1);
  mkdirSync(st.paths.log(), { recursive: true });
  if (unit.type === 'forking') return startForking(unit, cmd, args, env, creds);
  const fd = openSync(join(st.paths.log(), `${unit.name.replace(/\.service$/, '')}.log`), 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env, cwd: '/', ...creds });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  if (child.pid === undefined) return fail(`Job for ${unit.name} failed because the control process could not be started (${cmd}).`, 1);
  st.writePid(unit.name, child.pid);
  const wait = Number(process.env['LAB_SYSTEMCTL_START_WAIT_MS'] ?? 300);
  const early = await Promise.race([exited, sleep(wait).then(() => 'running' as const)]);
  if (early !== 'running') {
    return fail(`Job for ${unit.name} failed because the control process exited with error code (status ${String(early)}).\nSee "systemctl status ${unit.name}" and ${st.paths.log()}/${unit.name.replace(/\.service$/, '')}.log for details.`, 1);
  }
  child.unref();
  return 0;
}

/**
 * Type=forking: the start command must exit 0 (having daemonized), then the main PID is read
 * from PIDFile= (systemd service.c: service_sigchld_event → service_load_pid_file).
 */
async function startForking(unit: Unit, cmd: string, args: string[], env: Record<string, string>, creds: { uid?: number; gid?: number }): Promise<number> {
  const log = join(st.paths.log(), `${unit.name.replace(/\.service$/, '')}.log`);
  const fd = openSync(log, 'a');
  const r = spawnSync(cmd, args, { stdio: ['ignore', fd, fd], env, cwd: '/', ...creds });
  closeSync(fd);
  if (r.status !== 0 || r.error) return fail(`Job for ${unit.name} failed because the control process exited with error code (status ${String(r.status)}).\nSee "systemctl status ${unit.name}" and ${log} for details.`, 1);
  if (!unit.pidFile) return fail(`${unit.name}: lab systemctl: Type=forking needs PIDFile= (systemd would guess the main PID)`, 1);
  for (let t = 0; t < 2000; t += 25) {
    const pid = Number(readPidFile(unit.pidFile));
    if (Number.isInteger(pid) && pid > 0 && st.procStart(pid) !== undefined) {
      st.writePid(unit.name, pid);
      return 0;
    }
    await sleep(25);
  }
  return fail(`Job for ${unit.name} failed: the PID file ${unit.pidFile} is not readable (yet?) after start.`, 1);
}

function readPidFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

async function stop(unit: Unit): Promise<number> {
  const rt = st.runtime(unit.name);
  if (rt.state !== 'active') {
    st.clearPid(unit.name);
    return 0;
  }
  if (unit.execStop.length) runCommands(unit, unit.execStop, rt.pid);
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(unit.killMode === 'process' ? rt.pid : -rt.pid, sig);
    } catch {
      try {
        process.kill(rt.pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const timeout = Number(process.env['LAB_SYSTEMCTL_STOP_TIMEOUT_MS'] ?? 10_000);
  for (let t = 0; t < timeout && st.procStart(rt.pid) !== undefined; t += 25) await sleep(25);
  if (st.procStart(rt.pid) !== undefined) signal('SIGKILL');
  st.clearPid(unit.name);
  return 0;
}

async function reload(unit: Unit): Promise<number> {
  const rt = st.runtime(unit.name);
  if (rt.state !== 'active') return fail(`${unit.name} is not active, cannot reload.`, 1);
  if (unit.execReload.length === 0) {
    process.kill(rt.pid, 'SIGHUP');
    return 0;
  }
  return runCommands(unit, unit.execReload, rt.pid) ? 0 : fail(`Job for ${unit.name} failed.\nSee "systemctl status ${unit.name}" for details.`, 1);
}

function enable(unit: Unit, on: boolean): number {
  if (unit.wantedBy === undefined || unit.wantedBy.length === 0) {
    err(`The unit files have no installation config (WantedBy=, RequiredBy=, ...). This means they are not meant to be enabled using systemctl.`);
    return 0;
  }
  for (const target of unit.wantedBy) {
    const link = st.wantsLink(target, unit.name);
    if (on && st.linkTarget(link) !== unit.path) {
      mkdirSync(dirname(link), { recursive: true });
      rmSync(link, { force: true });
      symlinkSync(unit.path, link);
      err(`Created symlink ${link} → ${unit.path}.`);
    } else if (!on && st.linkTarget(link) !== undefined) {
      rmSync(link, { force: true });
      err(`Removed "${link}".`);
    }
  }
  return 0;
}

/**
 * mask: a symlink /etc/systemd/system/NAME → /dev/null ("Created symlink ..."); refused when a unit
 * file of that name is there ("File ... already exists."). unmask removes such a link
 * ("Removed ..."). Both are quiet no-ops when there is nothing to do (systemd src/shared/install.c
 * unit_file_mask, unit_file_unmask).
 */
function mask(name: string, on: boolean): number {
  const link = join(st.paths.units(), name);
  const masked = st.isMasked(name);
  if (on) {
    if (masked) return 0;
    if (existsSync(link) || st.linkTarget(link) !== undefined) return fail(`Failed to mask unit: File ${link} already exists.`, 1);
    mkdirSync(st.paths.units(), { recursive: true });
    symlinkSync('/dev/null', link);
    err(`Created symlink ${link} → /dev/null.`);
    return 0;
  }
  if (!masked) return 0;
  rmSync(link, { force: true });
  err(`Removed "${link}".`);
  return 0;
}

function fail(msg: string, code: number): number {
  err(msg);
  return code;
}

function status(unit: Unit): number {
  const rt = st.runtime(unit.name);
  const logFile = join(st.paths.log(), `${unit.name.replace(/\.service$/, '')}.log`);
  let tail: string[] = [];
  try {
    tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-10);
  } catch {
    /* no log yet */
  }
  const active = rt.state === 'active' ? `active (running) since ${rt.since}` : rt.state === 'failed' ? 'failed (Result: exit-code)' : 'inactive (dead)';
  process.stdout.write(
    [
      `${rt.state === 'active' ? '●' : '○'} ${unit.name} - ${unit.description || unit.name}`,
      `     Loaded: loaded (${unit.path}; ${st.enabledState(unit)})`,
      `     Active: ${active}`,
      ...(rt.state === 'active' ? [`   Main PID: ${rt.pid}`] : []),
      '',
      ...tail,
    ].join('\n') + '\n',
  );
  return rt.state === 'active' ? 0 : 3;
}

function properties(name: string, unit: Unit | undefined): Record<string, string> {
  const rt = st.runtime(name);
  return {
    Id: name,
    Names: name,
    Description: unit?.description ?? '',
    LoadState: st.isMasked(name) ? 'masked' : unit ? 'loaded' : 'not-found',
    ActiveState: rt.state,
    SubState: rt.state === 'active' ? 'running' : rt.state === 'failed' ? 'failed' : 'dead',
    MainPID: String(rt.pid),
    UnitFileState: st.isMasked(name) ? 'masked' : unit ? st.enabledState(unit) : '',
    FragmentPath: unit?.path ?? '',
    ActiveEnterTimestamp: rt.since,
    ExecMainPID: String(rt.pid),
    NRestarts: '0',
  };
}

function show(names: string[], o: Opts): number {
  names.forEach((name, i) => {
    const props = properties(name, st.isMasked(name) ? undefined : st.loadUnit(name));
    const keys = o.props.length ? o.props : Object.keys(props);
    if (i > 0) process.stdout.write('\n');
    for (const k of keys) process.stdout.write(o.value ? `${props[k] ?? ''}\n` : `${k}=${props[k] ?? ''}\n`);
  });
  return 0;
}

async function perUnit(verb: string, names: string[], o: Opts): Promise<number> {
  let code = 0;
  let anyActive = false;
  for (const name of names) {
    if (verb === 'mask' || verb === 'unmask') {
      const c = mask(name, verb === 'mask');
      if (c !== 0) code = c;
      continue;
    }
    const unit = st.isMasked(name) ? undefined : st.loadUnit(name);
    if (verb === 'is-active') {
      const s = st.runtime(name).state;
      anyActive ||= s === 'active';
      out(s, o);
      continue;
    }
    if (!unit && st.isMasked(name)) {
      // systemctl(1): is-enabled prints "masked" (exit 1); start/enable and friends refuse a masked unit
      if (verb === 'is-enabled') code = (out('masked', o), 1);
      else if (verb === 'status') code = (out(`○ ${name}\n     Loaded: masked (Reason: Unit ${name} is masked.)\n     Active: inactive (dead)`, o), 3);
      else if (verb === 'stop') continue;
      else if (verb === 'enable' || verb === 'disable') code = fail(`Failed to ${verb} unit: Unit file ${join(st.paths.units(), name)} is masked.`, 1);
      else code = fail(`Failed to ${verb} ${name}: Unit ${name} is masked.`, 1);
      continue;
    }
    if (!unit) {
      if (verb === 'is-enabled') code = fail(`Failed to get unit file state for ${name}: No such file or directory`, 1);
      else if (verb === 'status') code = fail(`Unit ${name} could not be found.`, 4);
      else if (verb === 'stop') continue;
      else code = fail(`Failed to ${verb} ${name}: Unit ${name} not found.`, 5);
      continue;
    }
    const c = await st.withLock(name, () => runVerb(verb, unit, o));
    if (c !== 0) code = c;
  }
  if (verb === 'is-active') return anyActive ? 0 : 3;
  return code;
}

async function runVerb(verb: string, unit: Unit, o: Opts): Promise<number> {
  switch (verb) {
    case 'start':
      return start(unit);
    case 'stop':
      return stop(unit);
    case 'restart':
      await stop(unit);
      return start(unit);
    case 'try-restart':
      if (st.runtime(unit.name).state !== 'active') return 0;
      await stop(unit);
      return start(unit);
    case 'reload':
      return reload(unit);
    case 'reload-or-restart':
      return st.runtime(unit.name).state === 'active' ? reload(unit) : start(unit);
    case 'enable':
    case 'disable': {
      const c = enable(unit, verb === 'enable');
      if (!o.now) return c;
      if ((st.runtime(unit.name).state === 'active') !== (verb === 'enable')) st.logCall(verb === 'enable' ? 'start' : 'stop', unit.name);
      return verb === 'enable' ? start(unit) : stop(unit);
    }
    case 'is-enabled': {
      const s = st.enabledState(unit);
      out(s, o);
      return s === 'disabled' ? 1 : 0;
    }
    case 'status':
      return status(unit);
    default:
      return fail(`Unknown command verb ${verb}.`, 1);
  }
}

function parseArgs(argv: string[]): { verb: string; names: string[]; opts: Opts } {
  const opts: Opts = { quiet: false, now: false, value: false, props: [] };
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '-q' || a === '--quiet') opts.quiet = true;
    else if (a === '--now') opts.now = true;
    else if (a === '--value') opts.value = true;
    else if (a === '-p' || a === '--property') opts.props.push(...(argv[++i] ?? '').split(','));
    else if (a.startsWith('--property=')) opts.props.push(...a.slice(11).split(','));
    else if (a.startsWith('-p') && a.length > 2) opts.props.push(...a.slice(2).split(','));
    else if (['--no-pager', '--no-block', '--system', '--full', '-l', '--no-legend', '--no-ask-password', '-a', '--all'].includes(a)) continue;
    else if (a.startsWith('-')) throw new Error(`unrecognized option '${a}'`);
    else words.push(a);
  }
  const [verb = '', ...names] = words;
  return { verb, names: names.map(st.unitName), opts };
}

const UNIT_VERBS = new Set(['mask', 'unmask', 'start', 'stop', 'restart', 'try-restart', 'reload', 'reload-or-restart', 'is-active', 'is-enabled', 'enable', 'disable', 'status']);

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version') {
    process.stdout.write('systemd 252 (lab stand-in)\n');
    return 0;
  }
  const { verb, names, opts } = parseArgs(argv);
  if (names.length === 0) st.logCall(verb || '(none)');
  for (const n of names) st.logCall(verb, n);
  if (verb === 'daemon-reload' || verb === 'daemon-reexec') return 0;
  if (verb === 'show') return show(names, opts);
  if (!UNIT_VERBS.has(verb)) return fail(verb ? `Unknown command verb ${verb}.` : 'Usage: systemctl COMMAND [UNIT...]', 1);
  if (names.length === 0) return fail(`Too few arguments.`, 1);
  return perUnit(verb, names, opts);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    err(`systemctl: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
