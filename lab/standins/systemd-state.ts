/** Runtime state of lab units: PID files under /run/lab-systemd, enable symlinks, the call log. */
import { appendFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labPath } from './common.js';
import { parseUnit, type Unit } from './systemd-unit.js';

export const paths = {
  units: (): string => labPath('/etc/systemd/system'),
  run: (): string => labPath('/run/lab-systemd'),
  log: (): string => labPath('/var/log'),
};

export function unitName(arg: string): string {
  return /\.[a-z]+$/.test(arg) ? arg : `${arg}.service`;
}

/** A masked unit: its name in /etc/systemd/system is a symlink to /dev/null (systemctl(1) mask). */
export function isMasked(name: string): boolean {
  return linkTarget(join(paths.units(), name)) === '/dev/null';
}

/**
 * The system unit load path, first match wins (systemd.unit(5) "Unit File Load Path";
 * src/basic/path-lookup.c lookup_paths_init): the admin's /etc, runtime /run, then the packages'
 * /lib (Debian) and /usr/lib. Enable links are always made in /etc.
 */
export const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];

export function loadUnit(name: string): Unit | undefined {
  for (const dir of UNIT_DIRS) {
    const path = join(labPath(dir), name);
    if (existsSync(path)) return parseUnit(name, path, readFileSync(path, 'utf8'));
  }
  return undefined;
}

/** Appends `ISO-time action unit` to /var/log/lab-systemctl.log (one atomic append per line). */
export function logCall(action: string, unit?: string): void {
  mkdirSync(paths.log(), { recursive: true });
  appendFileSync(join(paths.log(), 'lab-systemctl.log'), `${new Date().toISOString()} ${action}${unit ? ' ' + unit : ''}\n`);
}

interface PidRecord {
  pid: number;
  startTime: string;
  since: string;
}

function pidFile(unit: string): string {
  return join(paths.run(), `${unit}.pid`);
}

/** Process start time from /proc/PID/stat (field 22), or undefined when gone or a zombie. */
export function procStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

export function writePid(unit: string, pid: number): void {
  mkdirSync(paths.run(), { recursive: true });
  const rec: PidRecord = { pid, startTime: procStart(pid) ?? '', since: new Date().toISOString() };
  writeFileSync(pidFile(unit), `${rec.pid}\n${rec.startTime}\n${rec.since}\n`);
}

export function clearPid(unit: string): void {
  rmSync(pidFile(unit), { force: true });
}

export type ActiveState = 'active' | 'inactive' | 'failed';

export interface UnitRuntime {
  state: ActiveState;
  pid: number;
  since: string;
}

/** active: the recorded process still runs; failed: it was recorded but is gone; else inactive. */
export function runtime(unit: string): UnitRuntime {
  let text: string;
  try {
    text = readFileSync(pidFile(unit), 'utf8');
  } catch {
    return { state: 'inactive', pid: 0, since: '' };
  }
  const [pidText = '', start = '', since = ''] = text.split('\n');
  const pid = Number(pidText);
  const now = Number.isInteger(pid) && pid > 0 ? procStart(pid) : undefined;
  if (now !== undefined && (start === '' || now === start)) return { state: 'active', pid, since };
  return { state: 'failed', pid: 0, since };
}

export function wantsLink(target: string, unit: string): string {
  return join(paths.units(), `${target}.wants`, unit);
}

export type EnabledState = 'enabled' | 'disabled' | 'static';

export function enabledState(unit: Unit): EnabledState {
  if (unit.wantedBy === undefined || unit.wantedBy.length === 0) return 'static';
  return unit.wantedBy.some((t) => isLink(wantsLink(t, unit.name))) ? 'enabled' : 'disabled';
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink() || statSync(p).isFile();
  } catch {
    return false;
  }
}

export function linkTarget(p: string): string | undefined {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
}

/** A per-unit lock so concurrent systemctl calls on one unit run one after the other. */
export async function withLock<T>(unit: string, fn: () => Promise<T>): Promise<T> {
  const { openSync, closeSync } = await import('node:fs');
  mkdirSync(paths.run(), { recursive: true });
  const lock = join(paths.run(), `${unit}.lock`);
  for (let i = 0; ; i++) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      const age = Date.now() - (statSafeMtime(lock) ?? Date.now());
      if (age > 30_000 || i > 600) rmSync(lock, { force: true });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function statSafeMtime(p: string): number | undefined {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return undefined;
  }
}
