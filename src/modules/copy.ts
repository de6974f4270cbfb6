/** copy: put content (inline or from a file) at dest, atomically, with mode/owner/group. */
import { statSync } from 'node:fs';
import type { FileWriteChange, WriteState } from './lib/dest.js';
import type { DirChange, DirState } from './lib/copydir.js';
import { applyDir, planDir, readDirState, walkLocal } from './lib/copydir.js';
import type { RemoteDirChange, RemoteDirState } from './lib/copyremote.js';
import { applyRemoteDir, planRemoteDir, readRemoteDir } from './lib/copyremote.js';
import type { Plan } from './types.js';
import { applyWriteState, planWriteState, readLocalSource, resolveDest } from './lib/dest.js';
import type { ArgsOf, ModuleContext } from './types.js';
import { defineModule, missingInput, ModuleFailure } from './types.js';
import { readCurrent, writeTarget } from './lib/write.js';
import { VALIDATE_ARG, validateProblems, withValidate } from './lib/validate.js';

const ARGS = {
  src: { type: 'path', description: 'file or directory on the control machine (role files/, then beside the playbook), or on the host with remote_src; a directory ending in / copies its contents, without / the directory itself' },
  content: { type: 'str', description: 'the file\'s content, instead of src' },
  dest: { type: 'path', required: true, description: 'where to write; an existing directory or a path ending in / receives the source by its name' },
  mode: { type: 'mode', description: 'permissions of the files: octal (0644), symbolic (u=rw,g=r) or preserve (the source\'s)' },
  owner: { type: 'str', description: 'owner name or uid' },
  group: { type: 'str', description: 'group name or gid' },
  backup: { type: 'bool', default: false, description: 'keep the previous file as PATH.PID.DATE@TIME~ (registered as backup_file)' },
  force: { type: 'bool', default: true, aliases: ['thirsty'], description: 'false: leave an existing destination file alone' },
  directory_mode: { type: 'mode', description: 'permissions of the directories a directory copy creates' },
  remote_src: { type: 'bool', default: false, description: 'src is a path on the host, not on the control machine' },
  local_follow: { type: 'bool', default: true, description: 'follow symlinks in a local source directory (false: copy them as links)' },
  validate: VALIDATE_ARG,
} as const;

export type CopyArgs = ArgsOf<typeof ARGS>;

async function source(ctx: ModuleContext, args: CopyArgs, label: string): Promise<{ content: Buffer; mode?: number }> {
  if (args.content !== undefined) return { content: Buffer.from(args.content) };
  const src = args.src!;
  if (!args.remote_src) return readLocalSource(ctx, 'files', src, label);
  const st = await ctx.connection.stat(src);
  if (!st.exists) missingInput(ctx, `${label}: source ${src} not found on the host`, `would copy ${src} to ${args.dest} (check mode: ${src} does not exist yet)`);
  if (st.kind === 'directory') throw new ModuleFailure(`${label}: source ${src} is a directory (not supported)`);
  return { content: await ctx.connection.readFile(src), ...(st.mode !== undefined ? { mode: st.mode } : {}) };
}

/** What copy found: one file to write, or a local directory tree. */
type CopyState = { kind: 'file'; s: WriteState } | { kind: 'dir'; s: DirState } | { kind: 'remote-dir'; s: RemoteDirState };
type CopyChange = ({ kind: 'file' } & FileWriteChange) | ({ kind: 'dir' } & DirChange) | ({ kind: 'remote-dir'; label: string } & RemoteDirChange);

/** A local src that is a directory: its path (as Ansible keeps or drops the trailing slash). */
function localDir(ctx: ModuleContext, args: CopyArgs): string | undefined {
  if (args.content !== undefined || args.remote_src || args.src === undefined) return undefined;
  let found: string;
  try {
    found = ctx.findFile('files', args.src.replace(/\/+$/, '') || '/');
  } catch {
    return undefined;
  }
  try {
    return statSync(found).isDirectory() ? found : undefined;
  } catch {
    return undefined;
  }
}

export const copy = defineModule({
  name: 'copy',
  description: 'Copy a file or directory to the host, or write inline content, atomically with mode, owner and group',
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  requiredOneOf: [['src', 'content']],
  mutuallyExclusive: [['src', 'content']],
  validate: (args) => validateProblems(args.validate),
  async check(ctx, args): Promise<CopyState> {
    const label = `copy(${args.dest})`;
    const dir = localDir(ctx, args);
    if (dir !== undefined) {
      const slash = args.src!.endsWith('/');
      const tree = walkLocal(dir, slash, args.local_follow);
      return { kind: 'dir', s: await readDirState(ctx, label, slash ? `${dir}/` : dir, tree, args) };
    }
    if (args.remote_src && args.src !== undefined && (await ctx.connection.stat(args.src.replace(/\/+$/, '') || '/')).kind === 'directory') {
      return { kind: 'remote-dir', s: await readRemoteDir(ctx, label, args.src, args.dest, args.local_follow) };
    }
    return { kind: 'file', s: await fileState(ctx, args, label) };
  },
  plan(st, args, ctx): Plan<CopyChange> {
    if (st.kind === 'remote-dir') {
      const p = planRemoteDir(st.s, args);
      return 'ok' in p ? p : { ...p, change: { kind: 'remote-dir', label: st.s.label, ...p.change } };
    }
    if (st.kind === 'dir') {
      const p = planDir(st.s, args, ctx.diffMode);
      return 'ok' in p ? p : { ...p, change: { kind: 'dir', ...p.change } };
    }
    const p = planWriteState(st.s, args.force, ctx.diffMode, args.directory_mode);
    return 'ok' in p ? p : { ...p, change: { kind: 'file', ...p.change } };
  },
  apply: (ctx, c) => (c.kind === 'remote-dir' ? applyRemoteDir(ctx, c.label, c) : c.kind === 'dir' ? applyDir(ctx, c) : applyWriteState(ctx, c)),
});

async function fileState(ctx: ModuleContext, args: CopyArgs, label: string): Promise<WriteState> {
  const src = await source(ctx, args, label);
  const dest = await resolveDest(ctx, label, args.dest, args.src, ctx.diffMode);
  const cur = dest.cur ?? (await readCurrent(ctx, dest.path, ctx.diffMode));
  return { label, dest, target: withValidate(writeTarget(dest.path, src.content, args, src.mode), args.validate, label), cur };
}
