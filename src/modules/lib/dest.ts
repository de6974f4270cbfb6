/**
 * Where copy/template write (`dest/` or an existing directory means dest + the source's basename),
 * and the plan and apply they share over the resolved destination.
 */
import { readFile, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { ConnectionError } from '../../connection/connection.js';
import type { ModeArg } from './mode.js';
import type { ModuleContext, Plan, Registered } from '../types.js';
import { ModuleFailure } from '../types.js';
import type { WriteChange, WriteTarget } from './write.js';
import { applyWrite, fileResult, ownership, planWrite, readCurrent, type CurrentFile } from './write.js';

export interface ResolvedDest {
  path: string;
  /** A missing directory to create first (dest ended with '/'). */
  mkdir?: string;
  /** The current state of `path` when it was read on the way (saves a second look). */
  cur?: CurrentFile;
}

/**
 * The file a copy/template writes. A plain dest is looked at and read (sha256, or the content when
 * wanted) in the same round trip; only when it turns out to be a directory is the file inside it
 * read afterwards.
 */
export async function resolveDest(ctx: ModuleContext, label: string, dest: string, srcName: string | undefined, wantContent = false): Promise<ResolvedDest> {
  const conn = ctx.connection;
  if (dest.endsWith('/')) {
    if (srcName === undefined) throw new ModuleFailure(`${label}: can not use content with a directory as dest; give a file path`);
    const dir = dest.replace(/\/+$/, '') || '/';
    const st = await conn.stat(dir);
    if (st.exists && st.kind !== 'directory') throw new ModuleFailure(`${label}: ${dir} exists and is not a directory`);
    const path = posix.join(dir, posix.basename(srcName));
    return st.exists ? { path } : { path, mkdir: dir, cur: { path, info: { exists: false } } };
  }
  const cur = await readCurrent(ctx, dest, wantContent);
  if (cur.info.exists && cur.info.kind === 'directory') {
    if (srcName === undefined) throw new ModuleFailure(`${label}: can not use content with a directory as dest; give a file path`);
    return { path: posix.join(dest, posix.basename(srcName)) };
  }
  // A missing parent directory is reported when the write fails (missingParent): one look less
  // on every write of a new file. In --check an earlier task may be the one that creates it.
  return { path: dest, cur };
}

/** After a failed write of a new file: the clearer error when its directory is missing. */
export async function missingParent(ctx: ModuleContext, label: string, path: string): Promise<ModuleFailure | undefined> {
  const parent = posix.dirname(path);
  const pst = await ctx.connection.stat(parent).catch(() => undefined);
  if (pst && (!pst.exists || pst.kind !== 'directory')) return new ModuleFailure(`${label}: destination directory ${parent} does not exist`);
  return undefined;
}

/** A local source file (role files/ or templates/ dir, then the playbook dir): content and mode. */
export async function readLocalSource(ctx: ModuleContext, kind: 'files' | 'templates', src: string, label: string): Promise<{ path: string; content: Buffer; mode: number }> {
  let path: string;
  try {
    path = ctx.findFile(kind, src);
  } catch (e) {
    throw new ModuleFailure(`${label}: could not find ${src} in ${kind}/: ${(e as Error).message}`);
  }
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new Error('is a directory (copying directories is not supported; copy each file)');
    return { path, content: await readFile(path), mode: st.mode & 0o7777 };
  } catch (e) {
    throw new ModuleFailure(`${label}: cannot read ${path}: ${(e as Error).message}`);
  }
}

export type WriteState = { label: string; dest: ResolvedDest; target: WriteTarget; cur: CurrentFile };

/** The change of copy and template: a missing directory to make first (dest ended with '/'), then the write. */
export interface FileWriteChange {
  label: string;
  mkdir?: { path: string; mode: number };
  write: WriteChange;
}

/** Shared by copy and template: the pure plan over a WriteState. */
export function planWriteState(s: WriteState, force: boolean, diffMode: boolean, directoryMode?: ModeArg): Plan<FileWriteChange> {
  // as Ansible's copy: state, and the mode the file has after the task
  const mode = typeof s.target.mode === 'number' ? s.target.mode : (s.cur.info.mode ?? s.target.preserveMode ?? 0o644);
  const { sha256: _sha, ...result } = fileResult(s.target.path, s.target.content, mode);
  const data = { ...result, state: 'file', ...ownership(s.cur.info), ...(diffMode ? {} : { diff: [] }) };
  // unchanged, Ansible's copy reports through the file module: `path` too
  if (!force && s.cur.info.exists) return { ok: true, reason: `${s.target.path} exists and force is false`, data: { ...data, path: s.target.path } };
  const plan = planWrite(s.cur, s.target, diffMode, data);
  if ('ok' in plan) return { ...plan, data: { ...data, path: s.target.path } };
  const mkdir = s.dest.mkdir ? { path: s.dest.mkdir, mode: typeof directoryMode === 'number' ? directoryMode : 0o755 } : undefined;
  const change: FileWriteChange = { label: s.label, write: plan.change, ...(mkdir ? { mkdir } : {}) };
  return { ...plan, change, summary: mkdir ? `${plan.summary} (creating ${mkdir.path})` : plan.summary };
}

export async function applyWriteState(ctx: ModuleContext, c: FileWriteChange): Promise<Registered> {
  if (c.mkdir) await ctx.connection.mkdir(c.mkdir.path, c.mkdir.mode);
  try {
    return await applyWrite(ctx, c.write, true);
  } catch (e) {
    if (c.write.cur.info.exists || e instanceof ConnectionError) throw e;
    throw (await missingParent(ctx, c.label, c.write.target.path)) ?? e;
  }
}
