/** copy: put content (inline or from a file) at dest, atomically, with mode/owner/group. */
import type { ModeArg } from './mode.js';
import { ConnectionError } from '../connection/connection.js';
import { missingParent, resolveDest, readLocalSource } from './dest.js';
import type { ResolvedDest } from './dest.js';
import type { ModuleContext, ModuleDef, Plan } from './types.js';
import { ownership } from './file.js';
import { ModuleFailure } from './types.js';
import type { CurrentFile, WriteTarget } from './write.js';
import { applyWrite, fileResult, planWrite, readCurrent } from './write.js';

export type CopyArgs = {
  src?: string;
  content?: string;
  dest: string;
  mode?: ModeArg;
  owner?: string;
  group?: string;
  backup: boolean;
  force: boolean;
  directory_mode?: ModeArg;
  remote_src: boolean;
};

export type WriteState = { label: string; dest: ResolvedDest; target: WriteTarget; cur: CurrentFile };

async function source(ctx: ModuleContext, args: CopyArgs, label: string): Promise<{ content: Buffer; mode?: number }> {
  if (args.content !== undefined) return { content: Buffer.from(args.content) };
  const src = args.src!;
  if (!args.remote_src) return readLocalSource(ctx, 'files', src, label);
  const st = await ctx.connection.stat(src);
  if (!st.exists) throw new ModuleFailure(`${label}: source ${src} not found on the host`);
  if (st.kind === 'directory') throw new ModuleFailure(`${label}: source ${src} is a directory (not supported)`);
  return { content: await ctx.connection.readFile(src), ...(st.mode !== undefined ? { mode: st.mode } : {}) };
}

/** Shared by copy and template: the pure plan over a WriteState. */
export function planWriteState(s: WriteState, force: boolean, diffMode: boolean): Plan {
  // as Ansible's copy: state, and the mode the file has after the task
  const mode = typeof s.target.mode === 'number' ? s.target.mode : (s.cur.info.mode ?? s.target.preserveMode ?? 0o644);
  const data = { ...fileResult(s.target.path, s.target.content, mode), state: 'file', ...ownership(s.cur.info) };
  if (!force && s.cur.info.exists) return { changed: false, reason: `${s.target.path} exists and force is false`, data };
  const plan = planWrite(s.cur, s.target, diffMode, data);
  if (plan.changed && s.dest.mkdir) return { ...plan, summary: `${plan.summary} (creating ${s.dest.mkdir})` };
  return plan;
}

export async function applyWriteState(ctx: ModuleContext, s: WriteState, directoryMode: ModeArg | undefined): Promise<Record<string, unknown>> {
  if (s.dest.mkdir) await ctx.connection.mkdir(s.dest.mkdir, typeof directoryMode === 'number' ? directoryMode : 0o755);
  try {
    return await applyWrite(ctx, s.cur, s.target);
  } catch (e) {
    if (s.cur.info.exists || e instanceof ConnectionError) throw e;
    throw (await missingParent(ctx, s.label, s.target.path)) ?? e;
  }
}

export function writeTarget(path: string, content: Buffer, args: { mode?: ModeArg; owner?: string; group?: string; backup: boolean }, preserveMode?: number): WriteTarget {
  const t: WriteTarget = { path, content, backup: args.backup };
  if (args.mode !== undefined) t.mode = args.mode;
  if (args.owner !== undefined) t.owner = args.owner;
  if (args.group !== undefined) t.group = args.group;
  if (preserveMode !== undefined) t.preserveMode = preserveMode;
  return t;
}

export const copy = {
  name: 'copy',
  target: 'remote',
  checkMode: 'full',
  args: {
    src: { type: 'path' },
    content: { type: 'str' },
    dest: { type: 'path', required: true },
    mode: { type: 'mode' },
    owner: { type: 'str' },
    group: { type: 'str' },
    backup: { type: 'bool', default: false },
    force: { type: 'bool', default: true, aliases: ['thirsty'] },
    directory_mode: { type: 'mode' },
    remote_src: { type: 'bool', default: false },
  },
  requiredOneOf: [['src', 'content']],
  mutuallyExclusive: [['src', 'content']],
  async check(ctx, args) {
    const label = `copy(${args.dest})`;
    const src = await source(ctx, args, label);
    const dest = await resolveDest(ctx, label, args.dest, args.src, ctx.diffMode);
    const cur = dest.cur ?? (await readCurrent(ctx, dest.path, ctx.diffMode));
    return { label, dest, target: writeTarget(dest.path, src.content, args, src.mode), cur };
  },
  plan: (s, args, ctx) => planWriteState(s, args.force, ctx.diffMode),
  apply: (ctx, args, _plan, s) => applyWriteState(ctx, s, args.directory_mode),
} satisfies ModuleDef<CopyArgs, WriteState>;
