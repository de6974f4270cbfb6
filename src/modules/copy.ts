/** copy: put content (inline or from a file) at dest, atomically, with mode/owner/group. */
import type { ModeArg } from './mode.js';
import { ConnectionError } from '../connection/connection.js';
import { missingParent, resolveDest, readLocalSource } from './dest.js';
import type { ResolvedDest } from './dest.js';
import type { ArgsOf, ModuleContext, Plan, Registered } from './types.js';
import { defineModule, ModuleFailure } from './types.js';
import type { CurrentFile, WriteChange, WriteTarget } from './write.js';
import { applyWrite, fileResult, planWrite, readCurrent } from './write.js';

const ARGS = {
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
} as const;

export type CopyArgs = ArgsOf<typeof ARGS>;

export type WriteState = { label: string; dest: ResolvedDest; target: WriteTarget; cur: CurrentFile };

/** The change of copy and template: a missing directory to make first (dest ended with '/'), then the write. */
export interface FileWriteChange {
  label: string;
  mkdir?: { path: string; mode: number };
  write: WriteChange;
}

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
export function planWriteState(s: WriteState, force: boolean, diffMode: boolean, directoryMode?: ModeArg): Plan<FileWriteChange> {
  const data = fileResult(s.target.path, s.target.content, undefined);
  if (!force && s.cur.info.exists) return { ok: true, reason: `${s.target.path} exists and force is false`, data };
  const plan = planWrite(s.cur, s.target, diffMode, data);
  if ('ok' in plan) return plan;
  const mkdir = s.dest.mkdir ? { path: s.dest.mkdir, mode: typeof directoryMode === 'number' ? directoryMode : 0o755 } : undefined;
  const change: FileWriteChange = { label: s.label, write: plan.change, ...(mkdir ? { mkdir } : {}) };
  return { ...plan, change, summary: mkdir ? `${plan.summary} (creating ${mkdir.path})` : plan.summary };
}

export async function applyWriteState(ctx: ModuleContext, c: FileWriteChange): Promise<Registered> {
  if (c.mkdir) await ctx.connection.mkdir(c.mkdir.path, c.mkdir.mode);
  try {
    return await applyWrite(ctx, c.write);
  } catch (e) {
    if (c.write.cur.info.exists || e instanceof ConnectionError) throw e;
    throw (await missingParent(ctx, c.label, c.write.target.path)) ?? e;
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

export const copy = defineModule({
  name: 'copy',
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  requiredOneOf: [['src', 'content']],
  mutuallyExclusive: [['src', 'content']],
  async check(ctx, args): Promise<WriteState> {
    const label = `copy(${args.dest})`;
    const src = await source(ctx, args, label);
    const dest = await resolveDest(ctx, label, args.dest, args.src, ctx.diffMode);
    const cur = dest.cur ?? (await readCurrent(ctx, dest.path, ctx.diffMode));
    return { label, dest, target: writeTarget(dest.path, src.content, args, src.mode), cur };
  },
  plan: (s, args, ctx) => planWriteState(s, args.force, ctx.diffMode, args.directory_mode),
  apply: (ctx, c) => applyWriteState(ctx, c),
});
