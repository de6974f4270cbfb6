/** Atomic destination writes and commands for the consul-template stand-in. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { labPath, statSafe } from './common.js';

export interface WriteResult {
  changed: boolean;
  mode: number;
}

/** user.Lookup / user.LookupGroup from the host's /etc/passwd and /etc/group (numeric ids as they are, "" = leave alone). */
export function lookupId(name: string, kind: 'user' | 'group'): number {
  if (name === '') return -1;
  if (/^-?\d+$/.test(name)) return Number(name);
  const file = kind === 'user' ? '/etc/passwd' : '/etc/group';
  let text = '';
  try {
    text = readFileSync(labPath(file), 'utf8');
  } catch {
    /* no file: unknown */
  }
  const line = text.split('\n').find((l) => l.split(':')[0] === name);
  const id = line?.split(':')[2];
  if (id === undefined || !/^\d+$/.test(id)) throw new Error(`failed looking up ${kind}: ${kind}: unknown ${kind} ${name}`);
  return Number(id);
}

function current(dest: string): { text: string; mode: number; uid: number; gid: number } | undefined {
  try {
    const st = statSync(dest);
    return { text: readFileSync(dest, 'utf8'), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } catch {
    return undefined;
  }
}

/**
 * renderer.Render + AtomicWrite (renderer/renderer.go): nothing is written when the content is
 * the same and no chown is needed (a mode that differs is left as it is, as upstream does).
 * Otherwise a temp file in the destination's directory (created 0600, as os.CreateTemp), fsync,
 * chmod to `perms` (else the existing file's mode, else 0644) and the existing owner, rename,
 * then chown to user/group when set. A missing parent is created 0755 (create_dest_dirs).
 */
export function writeAtomic(dest: string, content: string, perms: number | undefined, createDirs: boolean, user = '', group = ''): WriteResult {
  const uid = lookupId(user, 'user');
  const gid = lookupId(group, 'group');
  const now = current(dest);
  const chownNeeded = now !== undefined && (uid !== -1 || gid !== -1) && ((uid !== -1 && uid !== now.uid) || (gid !== -1 && gid !== now.gid));
  if (now && now.text === content && !chownNeeded) return { changed: false, mode: now.mode };
  const parent = dirname(dest);
  if (!statSafe(parent)) {
    if (!createDirs) throw new Error('failed writing file: missing destination parent directory');
    mkdirSync(parent, { recursive: true, mode: 0o755 });
  }
  const mode = perms ?? now?.mode ?? 0o644;
  const tmp = join(parent, `.${basename(dest)}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (now) chownSync(tmp, now.uid, now.gid);
    chmodSync(tmp, mode);
    renameSync(tmp, dest);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  if (uid !== -1 || gid !== -1) chownSync(dest, uid, gid);
  return { changed: true, mode };
}

/** Runs `sh -c command`, streaming its output to ours; resolves with the exit code (124 on timeout). */
export function runCommand(command: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      resolve(124);
    }, timeoutMs);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(127);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? 1);
    });
  });
}
