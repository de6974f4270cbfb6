/**
 * File operations for become (sudo): each is one remote command. Writes go to a temp file in
 * the target's directory created under umask 077, get owner and mode, then `mv` over the target.
 */
import { posix } from 'node:path';
import { shellQuote as q, STALE_TEMP_MS, tempNameFor, type ExecResult, type FileInfo, type WriteOptions, type WriteResult } from '../connection.js';
import { backupName, kindOf } from './sftp-files.js';

/** Runs a script as the become user, with optional stdin. */
export type BecomeRunner = (script: string, stdin?: Buffer) => Promise<ExecResult>;

const MISSING = '__ORCHESTRATE_MISSING__';

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8)}`;
}

function check(r: ExecResult, what: string): ExecResult {
  if (r.rc !== 0) throw new Error(`${what}: ${r.stderr.trim() || `exit status ${r.rc}`}`);
  return r;
}

export function statScript(path: string): string {
  const p = q(path);
  return `if [ -e ${p} ] || [ -L ${p} ]; then stat -c '%f %u %g %s %Y %U %G' -- ${p} && { [ ! -L ${p} ] || readlink -- ${p}; }; else echo ${MISSING}; fi`;
}

export function parseStat(stdout: string): FileInfo {
  const [first, link] = stdout.split('\n');
  if (!first || first.trim() === MISSING) return { exists: false };
  const [modeHex, uid, gid, size, mtime, owner, group] = first.trim().split(' ');
  const raw = parseInt(modeHex ?? '', 16);
  if (!Number.isFinite(raw)) throw new Error(`cannot parse stat output "${first}"`);
  const info: FileInfo = { exists: true, kind: kindOf(raw), mode: raw & 0o7777, uid: Number(uid), gid: Number(gid), size: Number(size), mtime: Number(mtime) };
  if (owner && owner !== 'UNKNOWN') info.owner = owner;
  if (group && group !== 'UNKNOWN') info.group = group;
  if (info.kind === 'link' && link !== undefined) info.linkTarget = link;
  return info;
}

export async function becomeStat(run: BecomeRunner, path: string): Promise<FileInfo> {
  return parseStat(check(await run(statScript(path)), `stat(${path})`).stdout);
}

export async function becomeRead(run: BecomeRunner, path: string): Promise<Buffer> {
  const r = check(await run(`base64 < ${q(path)}`), `readFile(${path})`);
  return Buffer.from(r.stdout, 'base64');
}

export async function becomeSha256(run: BecomeRunner, path: string): Promise<string | undefined> {
  const p = q(path);
  const r = check(await run(`if [ -e ${p} ]; then sha256sum < ${p}; else echo ${MISSING}; fi`), `sha256(${path})`);
  const out = r.stdout.trim();
  return out === MISSING ? undefined : out.split(/\s+/)[0];
}

export interface WriteScriptOpts extends WriteOptions {
  /** Uploaded copy to move in; absent means the content comes on stdin. */
  source?: string;
  now?: Date;
  /** Also remove stale temp files of ours in the target's directory (once per directory and connection). */
  sweep?: boolean;
}

/**
 * Removes what an interrupted write left in dir: temp files named as tempNameFor names them,
 * unchanged for STALE_TEMP_MS by the host's own clock (find -mmin). Never fails the write.
 */
export function sweepScript(dir: string): string {
  const hex = '[0-9a-f]'.repeat(12);
  const name = `.?*.orchestrate-${hex}`;
  return `find ${q(dir)} -maxdepth 1 \\( -type f -o -type l \\) \\( -name ${q(name)} -o -name ${q(`${name}.lnk`)} \\) -mmin +${STALE_TEMP_MS / 60_000} -exec rm -f -- {} \\; 2>/dev/null || :`;
}

export function writeScript(path: string, o: WriteScriptOpts): string {
  const tmp = q(tempNameFor(path));
  const t = '"$t"';
  const p = q(path);
  const lines = [
    'set -e',
    `t=${tmp}`,
    `trap 'rm -f "$t"' EXIT`,
    ...(o.sweep ? [sweepScript(posix.dirname(path))] : []),
    'umask 077',
    o.source ? `cat -- ${q(o.source)} > ${t}` : `cat > ${t}`,
    `if [ -e ${p} ]; then chown "$(stat -c %u:%g -- ${p})" ${t}; fi`,
  ];
  if (o.owner !== undefined || o.group !== undefined) lines.push(`chown ${q(`${o.owner ?? ''}${o.group !== undefined ? `:${o.group}` : ''}`)} ${t}`);
  lines.push(`chmod ${octal(o.mode)} ${t}`);
  if (o.backup) {
    const b = q(backupName(path, o.now));
    lines.push(`if [ -f ${p} ]; then ln -- ${p} ${b} 2>/dev/null || cp -p -- ${p} ${b}; echo BACKUP; fi`);
  }
  lines.push(`mv -f -- ${t} ${p}`);
  if (o.source) lines.push(`rm -f -- ${q(o.source)}`);
  return lines.join('\n');
}

export async function becomeWrite(run: BecomeRunner, path: string, content: Buffer, o: WriteScriptOpts): Promise<WriteResult> {
  const now = o.now ?? new Date();
  const script = writeScript(path, { ...o, now });
  const r = check(await run(script, o.source ? undefined : content), `writeFile(${path})`);
  return r.stdout.includes('BACKUP') ? { backupPath: backupName(path, now) } : {};
}

export const becomeScripts = {
  mkdir: (path: string, mode = 0o755): string => `mkdir -p -m ${octal(mode)} -- ${q(path)}`,
  chmod: (path: string, mode: number): string => `chmod ${octal(mode)} -- ${q(path)}`,
  chown: (path: string, owner?: string, group?: string): string =>
    `chown ${q(`${owner ?? ''}${group !== undefined ? `:${group}` : ''}`)} -- ${q(path)}`,
  remove: (path: string, recursive = false): string =>
    recursive
      ? `rm -rf -- ${q(path)}`
      : `if [ -d ${q(path)} ] && [ ! -L ${q(path)} ]; then rmdir -- ${q(path)}; else rm -f -- ${q(path)}; fi`,
  // mv -T (GNU, BusyBox) renames over a link to a directory instead of moving into it.
  symlink: (target: string, path: string, tmp: string): string =>
    `ln -s -- ${q(target)} ${q(tmp)} && { mv -fT -- ${q(tmp)} ${q(path)} 2>/dev/null || mv -f -- ${q(tmp)} ${q(path)}; }`,
  rename: (from: string, to: string): string => `mv -f -- ${q(from)} ${q(to)}`,
};

export async function becomeRun(run: BecomeRunner, script: string, what: string): Promise<void> {
  check(await run(script), what);
}
