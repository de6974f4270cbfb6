/**
 * copy of a local directory, as Ansible's copy action walks it (_walk_dirs): `src/` copies the
 * directory's contents into dest, `src` (no slash) the directory itself (dest/NAME/...). Every file
 * is written through the one write path (atomic, compared first); missing directories are made
 * with directory_mode (default 0755); the directories of the source tree get directory_mode,
 * owner and group; with local_follow (default) symlinks in the source are copied as what they
 * point to, without it as links.
 */
import { lstatSync, readFileSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { FileInfo } from '../../connection/connection.js';
import type { ModeArg } from './mode.js';
import type { FileDiff, ModuleContext, Plan, Registered } from '../types.js';
import type { AttrChanges, CurrentFile, FileAttrs, WriteChange, WriteTarget } from './write.js';
import { applyAttrs, applyWrite, attrChanges, fileResult, hasAttrChanges, planWrite, readCurrent, writeTarget } from './write.js';
import { withValidate } from './validate.js';

export interface LocalTree {
  files: { abs: string; rel: string }[];
  dirs: string[];
  links: { target: string; rel: string }[];
}

/** Ansible's _walk_dirs over a local directory: files, directories and (not followed) symlinks, relative to dest. */
export function walkLocal(src: string, trailingSlash: boolean, follow: boolean): LocalTree {
  const tree: LocalTree = { files: [], dirs: [], links: [] };
  const base = trailingSlash ? '' : posix.basename(src.replace(/\/+$/, ''));
  const walk = (dir: string, rel: string, parents: Set<string>): void => {
    const names = readdirSync(dir);
    const isDir = (p: string): boolean => {
      try {
        return statSync(p).isDirectory();
      } catch {
        return false;
      }
    };
    const files = names.filter((n) => !isDir(join(dir, n)));
    const subdirs = names.filter((n) => isDir(join(dir, n)));
    for (const n of files) {
      const p = join(dir, n);
      const r = posix.join(rel, n);
      if (lstatSync(p).isSymbolicLink()) {
        let real: string | undefined;
        try {
          real = realpathSync(p);
        } catch {
          real = undefined;
        }
        if (follow && real !== undefined && statSync(real).isFile()) tree.files.push({ abs: real, rel: r });
        else tree.links.push({ target: readlinkSync(p), rel: r });
      } else tree.files.push({ abs: p, rel: r });
    }
    for (const n of subdirs) {
      const p = join(dir, n);
      const r = posix.join(rel, n);
      const real = realpathSync(p);
      if (lstatSync(p).isSymbolicLink() && (!follow || parents.has(real))) {
        tree.links.push({ target: readlinkSync(p), rel: r });
        continue;
      }
      tree.dirs.push(r);
      walk(real, r, new Set([...parents, real]));
    }
  };
  walk(src, base, new Set([realpathSync(src)]));
  return tree;
}

export interface DirArgs extends FileAttrs {
  dest: string;
  backup: boolean;
  force: boolean;
  directory_mode?: ModeArg;
  validate?: string;
}

export interface DirState {
  label: string;
  src: string;
  dest: string;
  files: { target: WriteTarget; cur: CurrentFile }[];
  /** Every directory the copy needs, parents first: the tree's own (attributes applied) and the implicit ones. */
  dirs: { path: string; info: FileInfo; own: boolean }[];
  links: { path: string; target: string; info: FileInfo }[];
}

/** Read what is at every destination path (all requests sent together). */
export async function readDirState(ctx: ModuleContext, label: string, src: string, tree: LocalTree, args: DirArgs): Promise<DirState> {
  const dest = args.dest.replace(/\/+$/, '') || '/';
  const at = (rel: string): string => posix.join(dest, rel);
  const own = new Set(tree.dirs.map(at));
  const all = new Set<string>([dest]);
  for (const rel of [...tree.dirs, ...tree.files.map((f) => posix.dirname(f.rel)), ...tree.links.map((l) => posix.dirname(l.rel))]) {
    for (let d = rel; d !== '.' && d !== ''; d = posix.dirname(d)) all.add(at(d));
  }
  const dirPaths = [...all].sort((a, b) => a.split('/').length - b.split('/').length);
  const [dirInfos, curs, linkInfos] = await Promise.all([
    Promise.all(dirPaths.map((p) => ctx.connection.stat(p))),
    Promise.all(tree.files.map((f) => readCurrent(ctx, at(f.rel), ctx.diffMode))),
    Promise.all(tree.links.map((l) => ctx.connection.stat(at(l.rel)))),
  ]);
  const files = tree.files.map((f, i) => {
    const st = statSync(f.abs);
    const target = withValidate(writeTarget(at(f.rel), readFileSync(f.abs), args, st.mode & 0o7777), args.validate, label);
    return { target, cur: curs[i]! };
  });
  return {
    label, src, dest, files,
    dirs: dirPaths.map((p, i) => ({ path: p, info: dirInfos[i]!, own: own.has(p) })),
    links: tree.links.map((l, i) => ({ path: at(l.rel), target: l.target, info: linkInfos[i]! })),
  };
}

export interface DirChange {
  label: string;
  mkdirs: { path: string; mode: number; owner?: string; group?: string }[];
  writes: WriteChange[];
  attrs: { path: string; attrs: AttrChanges }[];
  links: { path: string; target: string }[];
  data: Registered;
}

/** The pure plan of a directory copy. */
export function planDir(s: DirState, args: DirArgs, diffMode: boolean): Plan<DirChange> {
  const dirMode = typeof args.directory_mode === 'number' ? args.directory_mode : 0o755;
  const owner = { ...(args.owner !== undefined ? { owner: args.owner } : {}), ...(args.group !== undefined ? { group: args.group } : {}) };
  const mkdirs: DirChange['mkdirs'] = [];
  const attrs: DirChange['attrs'] = [];
  for (const d of s.dirs) {
    if (!d.info.exists) mkdirs.push({ path: d.path, mode: dirMode, ...(d.own ? owner : {}) });
    else if (d.own) {
      const a = attrChanges(d.info, { ...(args.directory_mode !== undefined ? { mode: args.directory_mode } : {}), ...owner }, true);
      if (hasAttrChanges(a)) attrs.push({ path: d.path, attrs: a });
    }
  }
  const writes: WriteChange[] = [];
  const diff: FileDiff[] = [];
  for (const f of s.files) {
    if (!args.force && f.cur.info.exists) continue;
    const p = planWrite(f.cur, f.target, diffMode);
    if ('ok' in p) continue;
    writes.push(p.change);
    diff.push(...(p.diff ?? []));
  }
  const links = s.links.filter((l) => l.info.kind !== 'link' || l.info.linkTarget !== l.target).map((l) => ({ path: l.path, target: l.target }));
  const single = s.files.length === 1 ? s.files[0]! : undefined;
  const data: Registered = single
    ? { ...fileResult(single.target.path, single.target.content, typeof single.target.mode === 'number' ? single.target.mode : (single.cur.info.mode ?? 0o644)), state: 'file' }
    : { dest: `${s.dest.replace(/\/$/, '')}/`, src: s.src };
  const counts = `${s.files.length} file(s), ${s.dirs.filter((d) => d.own).length} directory(ies)${s.links.length ? `, ${s.links.length} link(s)` : ''}`;
  if (!mkdirs.length && !writes.length && !attrs.length && !links.length) return { ok: true, reason: `${counts} of ${s.src} already match under ${s.dest}`, data };
  const parts = [mkdirs.length && `create ${mkdirs.length} directory(ies)`, writes.length && `write ${writes.length} file(s)`, attrs.length && `set attributes of ${attrs.length} directory(ies)`, links.length && `link ${links.length}`].filter(Boolean);
  const change: DirChange = { label: s.label, mkdirs, writes, attrs, links, data };
  return { change, summary: `copy ${s.src} to ${s.dest}: ${parts.join(', ')}`, ...(diff.length ? { diff } : {}), data };
}

export async function applyDir(ctx: ModuleContext, c: DirChange): Promise<Registered> {
  for (const m of c.mkdirs) {
    await ctx.connection.mkdir(m.path, m.mode);
    if (m.owner !== undefined || m.group !== undefined) await ctx.connection.chown(m.path, m.owner, m.group);
  }
  await Promise.all(c.writes.map((w) => applyWrite(ctx, w)));
  await Promise.all(c.attrs.map((a) => applyAttrs(ctx, a.path, a.attrs)));
  for (const l of c.links) await ctx.connection.symlink(l.target, l.path);
  return {};
}
