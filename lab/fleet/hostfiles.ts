/**
 * A host's seeded files as a plan (pure: directories and files with mode and owner), applied with
 * many file operations in flight: on these disks a create costs ~1 ms of waiting, not of CPU.
 */
import { statSync } from 'node:fs';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Entry {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  /** Absent for a directory. */
  content?: string;
}

const attrCache = new Map<string, { mode: number; uid: number; gid: number } | null>();

/** Mode and owner of the machine's own path (cached), or undefined if it does not exist. */
export function machineAttrs(abs: string): { mode: number; uid: number; gid: number } | undefined {
  if (!attrCache.has(abs)) {
    try {
      const st = statSync(abs);
      attrCache.set(abs, { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
    } catch {
      attrCache.set(abs, null);
    }
  }
  return attrCache.get(abs) ?? undefined;
}

/** Directory `rel` inside `root` with the attributes of the machine's `/rel` (or the fallback). */
export function dirLike(root: string, rel: string, fallback = 0o755): Entry {
  const a = machineAttrs(`/${rel}`) ?? { mode: fallback, uid: 0, gid: 0 };
  return { path: join(root, rel), ...a };
}

/** Every ancestor of `rel` (inside `root`), machine-like, then `rel` itself. */
export function dirsLike(root: string, rel: string): Entry[] {
  const parts = rel.split('/').filter(Boolean);
  return parts.map((_, i) => dirLike(root, parts.slice(0, i + 1).join('/')));
}

/** Create directories (parents first, same depth in parallel), then write all files in parallel. */
export async function applyEntries(entries: Entry[]): Promise<void> {
  const dirs = new Map<string, Entry>();
  for (const e of entries) if (e.content === undefined && !dirs.has(e.path)) dirs.set(e.path, e);
  const depth = (p: string): number => p.split('/').length;
  const levels = [...new Set([...dirs.values()].map((d) => depth(d.path)))].sort((a, b) => a - b);
  for (const level of levels) {
    await Promise.all([...dirs.values()].filter((d) => depth(d.path) === level).map(makeDir));
  }
  await Promise.all(entries.filter((e) => e.content !== undefined).map(putFile));
}

async function makeDir(e: Entry): Promise<void> {
  await mkdir(e.path, { recursive: true });
  await chmod(e.path, e.mode);
  await chown(e.path, e.uid, e.gid);
}

async function putFile(e: Entry): Promise<void> {
  await writeFile(e.path, e.content ?? '', { mode: e.mode });
  await chmod(e.path, e.mode);
  await chown(e.path, e.uid, e.gid);
}
