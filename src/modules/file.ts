/** file: state file/directory/absent/touch/link, with mode/owner/group. */
import { posix } from 'node:path';
import { shellQuote } from '../connection/connection.js';
import type { FileInfo, MadeDir } from '../connection/connection.js';
import { formatMode, resolveMode } from './lib/mode.js';
import type { ArgsOf, Plan } from './types.js';
import { defineModule, ModuleFailure } from './types.js';
import type { AttrChanges } from './lib/write.js';
import { applyAttrs, attrChanges, hasAttrChanges, ownership } from './lib/write.js';
import type { TreeChange, TreeEntry } from './lib/tree.js';
import { applyTree, listTree, treeChanges } from './lib/tree.js';
import type { ModuleContext } from './types.js';

const ARGS = {
  path: { type: 'path', required: true, aliases: ['dest', 'name'], description: 'the path to manage' },
  state: { type: 'str', choices: ['file', 'directory', 'absent', 'touch', 'link'], description: 'file: must exist; directory: made with its parents; absent: removed (recursively); touch: created or its times updated; link: a symlink to src' },
  mode: { type: 'mode', description: 'permissions: octal (0644) or symbolic (u=rwX,g=rX,o=)' },
  owner: { type: 'str', description: 'owner name or uid' },
  group: { type: 'str', description: 'group name or gid' },
  src: { type: 'path', description: 'what a link points to (state=link)' },
  force: { type: 'bool', default: false, description: 'state=link: replace a file with the link, or make a link whose target does not exist' },
  recurse: { type: 'bool', default: false, description: 'state=directory: set mode, owner and group on everything under the directory too' },
  follow: { type: 'bool', default: true, description: 'a path that is a symlink means its target (with recurse: linked files and directories in the tree too)' },
  modification_time: { type: 'str', description: 'touch: preserve to keep the modification time' },
  access_time: { type: 'str', description: 'touch: preserve to keep the access time' },
} as const;

export type FileArgs = ArgsOf<typeof ARGS>;
export type FileState = NonNullable<FileArgs['state']>;

export type FileCurrent = {
  info: FileInfo;
  srcExists?: boolean;
  /** follow: the target of the symlink at path, where the task acts. */
  real?: string;
  /** recurse: everything under the directory. */
  tree?: TreeEntry[];
};

type Op = 'none' | 'remove' | 'mkdir' | 'create' | 'touch' | 'link';
interface Decision {
  op: Op;
  state: FileState;
  attrs: AttrChanges;
  reason: string;
}

/** The change: one operation on path (or none), then the attributes that differ. */
export type FileChange = { path: string; attrs: AttrChanges; owner?: string; group?: string; existing: FileInfo; tree?: TreeChange[] } & (
  | { op: 'mkdir' | 'create'; /** The mode it is made with. */ mode: number }
  | { op: 'link'; src: string }
  | { op: 'none' | 'remove' | 'touch' }
);

const NO_ATTRS: AttrChanges = { matching: [], before: [], after: [] };

function kindState(info: FileInfo): FileState {
  return !info.exists ? 'absent' : info.kind === 'directory' ? 'directory' : info.kind === 'link' ? 'link' : 'file';
}

function attrsReason(what: string, a: AttrChanges): string {
  return a.matching.length ? `${what}, ${a.matching.join(', ')} already` : what;
}

function decideLink(cur: FileCurrent, args: FileArgs, checkMode: boolean): Decision {
  const info = cur.info;
  const linkAttrs = attrChanges(info, { ...(args.owner ? { owner: args.owner } : {}), ...(args.group ? { group: args.group } : {}) }, false);
  if (info.kind === 'link' && info.linkTarget === args.src) return { op: 'none', state: 'link', attrs: linkAttrs, reason: attrsReason(`link already points to ${args.src}`, linkAttrs) };
  if (info.exists && info.kind === 'directory') throw new ModuleFailure(`file(${args.path}): refusing to replace directory ${args.path} with a symlink`);
  if (info.exists && info.kind !== 'link' && !args.force) throw new ModuleFailure(`file(${args.path}): refusing to convert from ${info.kind} to symlink; set force: true`);
  // In --check an earlier task may be the one that would create the link's source.
  if (cur.srcExists === false && !args.force && !checkMode) throw new ModuleFailure(`file(${args.path}): src file ${args.src} does not exist; use force: true to create a dangling link`);
  return { op: 'link', state: 'link', attrs: attrChanges({ exists: false }, { ...(args.owner ? { owner: args.owner } : {}), ...(args.group ? { group: args.group } : {}) }, false), reason: '' };
}

function decide(cur: FileCurrent, args: FileArgs, checkMode = false): Decision {
  const info = cur.info;
  const state = args.state ?? (info.exists ? kindState(info) : 'file');
  const isDir = state === 'directory' || info.kind === 'directory';
  const attrs = (): AttrChanges => attrChanges(info, args, isDir);
  const p = args.path;
  switch (state) {
    case 'absent':
      return info.exists ? { op: 'remove', state, attrs: NO_ATTRS, reason: '' } : { op: 'none', state, attrs: NO_ATTRS, reason: `${p} already absent` };
    case 'link':
      return decideLink(cur, args, checkMode);
    case 'directory':
      if (!info.exists) return { op: 'mkdir', state, attrs: attrs(), reason: '' };
      if (info.kind !== 'directory') throw new ModuleFailure(`file(${p}): ${p} already exists as a ${info.kind}, not a directory`);
      return { op: 'none', state, attrs: attrs(), reason: attrsReason('directory already exists', attrs()) };
    case 'file':
      if (!info.exists) throw new ModuleFailure(`file(${p}): file (${p}) is absent, cannot continue; use state: touch to create it`);
      if (info.kind === 'directory' && args.state === 'file') throw new ModuleFailure(`file(${p}): ${p} is a directory, not a file`);
      return { op: 'none', state, attrs: attrs(), reason: attrsReason(`${info.kind} exists`, attrs()) };
    case 'touch': {
      if (!info.exists) return { op: 'create', state, attrs: attrs(), reason: '' };
      const preserve = args.modification_time === 'preserve' && args.access_time === 'preserve';
      return { op: preserve ? 'none' : 'touch', state, attrs: attrs(), reason: attrsReason('file exists (times preserved)', attrs()) };
    }
  }
}

function describeState(info: FileInfo, state: FileState, mode?: number): string {
  return `state: ${state}\n${mode !== undefined ? `mode: ${formatMode(mode)}\n` : ''}${info.linkTarget && state === 'link' ? `src: ${info.linkTarget}\n` : ''}`;
}

function changeOf(d: Decision, cur: FileCurrent, args: FileArgs): FileChange {
  const base = { path: args.path, attrs: d.attrs, existing: cur.info, ...(args.owner ? { owner: args.owner } : {}), ...(args.group ? { group: args.group } : {}) };
  if (d.op === 'mkdir') return { ...base, op: d.op, mode: resolveMode(args.mode, undefined, true) ?? 0o755 };
  if (d.op === 'create') return { ...base, op: d.op, mode: resolveMode(args.mode, undefined, false) ?? 0o644 };
  if (d.op === 'link') return { ...base, op: d.op, src: args.src ?? '' };
  return { ...base, op: d.op };
}

function toPlan(d: Decision, cur: FileCurrent, args: FileArgs, diffMode: boolean): Plan<FileChange> {
  const data: Record<string, unknown> = { path: args.path, state: d.state, ...ownership(cur.info), ...(cur.info.exists && d.state !== 'absent' && cur.info.size !== undefined ? { size: cur.info.size } : {}) };
  // the file module's registered diff: what changed about the path's state
  const stateChanged = d.op === 'mkdir' || d.op === 'create' || d.op === 'remove' || d.op === 'link';
  data['diff'] = stateChanged ? { before: { path: args.path, state: kindState(cur.info) }, after: { path: args.path, state: d.state === 'touch' ? 'file' : d.state } } : { before: { path: args.path }, after: { path: args.path } };
  // as Ansible's file module reports it: the mode after the task (umask 022 for new ones)
  const mode = d.op === 'remove' || d.state === 'absent' || d.op === 'link' ? undefined : (d.attrs.mode ?? cur.info.mode ?? (d.op === 'mkdir' ? 0o755 : 0o644));
  if (mode !== undefined) data['mode'] = formatMode(mode);
  const tree = d.state === 'directory' && cur.tree ? treeChanges(cur.tree, args) : [];
  if (d.op === 'none' && !hasAttrChanges(d.attrs) && tree.length === 0) return { ok: true, reason: cur.tree ? `${d.reason}; the ${cur.tree.length} entries under it too` : d.reason, data };
  const change: FileChange = { ...changeOf(d, cur, args), ...(tree.length ? { tree } : {}) };
  const own = d.op === 'none' ? (hasAttrChanges(d.attrs) ? `${args.path}: ${d.attrs.after.join(', ')}` : '') : `${d.op} ${args.path}${d.op === 'link' ? ` -> ${args.src}` : ''}`;
  const summary = [own, tree.length ? `${tree.length} entries under ${args.path}: ${[...new Set(tree.flatMap((t) => t.attrs.after))].join(', ')}` : ''].filter(Boolean).join('; ');
  if (!diffMode) return { change, summary, data };
  const before = `path: ${args.path}\n${describeState(cur.info, kindState(cur.info), cur.info.mode)}`;
  const afterMode = d.op === 'remove' || d.op === 'link' ? undefined : (d.attrs.mode ?? cur.info.mode);
  const after = `path: ${args.path}\nstate: ${d.op === 'touch' || d.op === 'create' ? 'file' : d.state}\n${afterMode !== undefined ? `mode: ${formatMode(afterMode)}\n` : ''}${d.op === 'link' ? `src: ${args.src}\n` : ''}${d.attrs.after.filter((s) => !s.startsWith('mode')).map((s) => `${s}\n`).join('')}`;
  const treeDiff = tree.length ? [{ path: `${args.path} (recursively)`, before: tree.map((t) => `${t.path}: ${t.attrs.before.join(', ')}\n`).join(''), after: tree.map((t) => `${t.path}: ${t.attrs.after.join(', ')}\n`).join('') }] : [];
  return { change, summary, diff: [{ path: args.path, before, after }, ...treeDiff], data };
}

/** follow: a symlink at path means its target (states file, directory, touch); recurse: the tree under a directory. */
async function followed(ctx: ModuleContext, args: FileArgs, lstat: FileInfo): Promise<FileCurrent> {
  let info = lstat;
  let real: string | undefined;
  if (lstat.kind === 'link' && args.follow && (args.state === 'file' || args.state === 'directory' || args.state === 'touch')) {
    const r = await ctx.connection.exec(`realpath -- ${shellQuote(args.path)}`, ctx.become ? { become: ctx.become } : {});
    if (r.rc !== 0) throw new ModuleFailure(`file(${args.path}): cannot resolve the symlink: ${r.stderr.trim()}`);
    real = r.stdout.trim();
    info = await ctx.connection.stat(real);
  }
  const cur: FileCurrent = { info, ...(real !== undefined ? { real } : {}) };
  if (args.recurse && info.kind === 'directory') cur.tree = await listTree(ctx, `file(${args.path})`, real ?? args.path, args.follow);
  return cur;
}

export const file = defineModule({
  description: 'Manage a path\'s state (file, directory, link, absent, touch) with mode, owner and group, recursively for a directory tree',
  name: 'file',
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  validate(args) {
    if (args.state === 'link' && args.src === undefined) return ['src is required for state=link'];
    if (args.src !== undefined && args.state !== 'link') return ['src is only used with state=link'];
    if (args.recurse && args.state !== 'directory') return ["recurse option requires state to be 'directory'"];
    return [];
  },
  async check(ctx, args): Promise<FileCurrent> {
    if (args.state !== 'link' || !args.src) return followed(ctx, args, await ctx.connection.stat(args.path));
    const srcPath = posix.isAbsolute(args.src) ? args.src : posix.join(posix.dirname(args.path), args.src);
    const [info, src] = await Promise.all([ctx.connection.stat(args.path), ctx.connection.stat(srcPath)]); // one round trip
    return { info, srcExists: src.exists };
  },
  plan(cur, args, ctx) {
    const a = cur.real !== undefined ? { ...args, path: cur.real } : args;
    return toPlan(decide(cur, a, ctx.checkMode), cur, a, ctx.diffMode);
  },
  async apply(ctx, c) {
    const conn = ctx.connection;
    const p = c.path;
    let made: MadeDir | void = undefined;
    if (c.op === 'remove') await conn.remove(p, true);
    else if (c.op === 'mkdir') made = await conn.mkdir(p, c.mode);
    else if (c.op === 'create') {
      const res = await conn.writeFile(p, '', { mode: c.mode, existing: c.existing, ...(c.owner ? { owner: c.owner } : {}), ...(c.group ? { group: c.group } : {}) });
      return res.owner ? { ...ownership({ exists: true, ...res.owner }), size: 0 } : {};
    } else if (c.op === 'touch') {
      const res = await conn.exec(`touch -c -- ${shellQuote(p)}`, ctx.become ? { become: ctx.become } : {});
      if (res.rc !== 0) throw new ModuleFailure(`file(${p}): touch failed: ${res.stderr.trim()}`);
    } else if (c.op === 'link') {
      await conn.symlink(c.src, p); // a temp link renamed over p
    }
    if (c.op !== 'remove') await applyAttrs(ctx, p, c.op === 'mkdir' ? { ...c.attrs, mode: undefined } : c.attrs);
    if (c.tree) await applyTree(ctx, c.tree);
    if (c.op !== 'mkdir') return;
    // a new directory: its owner and size as the file module reports them, from the look SFTP's
    // mkdir sends with it (a connection that does not give it is asked once more)
    const after = made && made.uid !== undefined ? { exists: true, ...made } : await conn.stat(p).catch(() => undefined);
    return after?.exists ? { ...ownership(after), ...(after.size !== undefined ? { size: after.size } : {}) } : {};
  },
});
