/**
 * file's `recurse`: every entry under a directory listed by one command on the host (find + stat),
 * and the attribute changes each needs, as Ansible's recursive_set_attributes applies mode,
 * owner and group to a tree. With follow, symlinks are followed (their targets, and the trees of
 * linked directories, get the attributes); without, links are left alone.
 */
import { shellQuote, type FileInfo } from '../../connection/connection.js';
import type { ModuleContext } from '../types.js';
import { ModuleFailure } from '../types.js';
import type { AttrChanges, FileAttrs } from './write.js';
import { applyAttrs, attrChanges, hasAttrChanges } from './write.js';

export interface TreeEntry {
  path: string;
  info: FileInfo;
}

export interface TreeChange {
  path: string;
  attrs: AttrChanges;
}

const KINDS: Record<number, FileInfo['kind']> = { 0o040000: 'directory', 0o100000: 'file', 0o120000: 'link' };

/** Every entry under root (not root itself), with its attributes (the target's with follow). */
export async function listTree(ctx: ModuleContext, label: string, root: string, follow: boolean): Promise<TreeEntry[]> {
  const L = follow ? '-L ' : '';
  const r = await ctx.connection.exec(`find ${L}${shellQuote(root)} -mindepth 1 -exec stat ${L}-c '%f|%u|%g|%U|%G|%n' -- {} +`, ctx.become ? { become: ctx.become } : {});
  if (r.rc !== 0 && r.stdout === '') throw new ModuleFailure(`${label}: cannot list ${root}: ${r.stderr.trim()}`);
  const out: TreeEntry[] = [];
  for (const line of r.stdout.split('\n')) {
    const f = line.split('|');
    if (f.length < 6) continue;
    const raw = parseInt(f[0]!, 16);
    const info: FileInfo = { exists: true, kind: KINDS[raw & 0o170000] ?? 'other', mode: raw & 0o7777, uid: Number(f[1]), gid: Number(f[2]) };
    if (f[3] !== 'UNKNOWN') info.owner = f[3]!;
    if (f[4] !== 'UNKNOWN') info.group = f[4]!;
    out.push({ path: f.slice(5).join('|'), info });
  }
  return out;
}

/** What each entry needs (links are skipped: without follow Ansible's own answer for them is to change them every run). */
export function treeChanges(entries: TreeEntry[], attrs: FileAttrs): TreeChange[] {
  const out: TreeChange[] = [];
  for (const e of entries) {
    if (e.info.kind === 'link') continue;
    const a = attrChanges(e.info, attrs, e.info.kind === 'directory');
    if (hasAttrChanges(a)) out.push({ path: e.path, attrs: a });
  }
  return out;
}

/** Apply the changes, all requests sent together. */
export async function applyTree(ctx: ModuleContext, changes: TreeChange[]): Promise<void> {
  await Promise.all(changes.map((c) => applyAttrs(ctx, c.path, c.attrs)));
}
