/** Atomic destination writes and commands for the consul-template stand-in. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface WriteResult {
  changed: boolean;
  mode: number;
}

function current(dest: string): { text: string; mode: number } | undefined {
  try {
    return { text: readFileSync(dest, 'utf8'), mode: statSync(dest).mode & 0o7777 };
  } catch {
    return undefined;
  }
}

/**
 * Writes `content` to `dest` through a temp file in the same directory that has the final mode
 * from the start, fsync, rename. Mode: `perms`, else the existing file's mode, else 0644.
 * Returns changed=false (and writes nothing) when the content is the same; a mode-only difference is fixed in place.
 */
export function writeAtomic(dest: string, content: string, perms: number | undefined, createDirs: boolean): WriteResult {
  const now = current(dest);
  const mode = perms ?? now?.mode ?? 0o644;
  if (now && now.text === content) {
    if (now.mode !== mode) chmodSync(dest, mode);
    return { changed: false, mode };
  }
  if (createDirs) mkdirSync(dirname(dest), { recursive: true, mode: 0o755 });
  const tmp = join(dirname(dest), `.${basename(dest)}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    chmodSync(tmp, mode); // umask may have narrowed it
    renameSync(tmp, dest);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
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
