/** Shared by lineinfile and blockinfile: read the file, compute new text purely, write via write.ts. */
import { ConnectionError } from '../connection/connection.js';
import type { ModeArg } from './mode.js';
import type { ModuleContext, Plan } from './types.js';
import { ModuleFailure } from './types.js';
import type { CurrentFile, WriteTarget } from './write.js';
import { applyWrite, planWrite, readCurrent } from './write.js';

export type EditArgs = { path: string; create: boolean; backup: boolean; mode?: ModeArg; owner?: string; group?: string };

export async function readForEdit(ctx: ModuleContext, name: string, args: EditArgs): Promise<CurrentFile> {
  const cur = await readCurrent(ctx, args.path, true);
  if (cur.info.exists && cur.info.kind === 'directory') throw new ModuleFailure(`${name}(${args.path}): ${args.path} is a directory`);
  return cur;
}

/** Split into lines, each keeping its line ending. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

export function stripEol(line: string): string {
  return line.replace(/\r?\n$/, '');
}

export interface EditResult {
  text: string;
  /** What was done ("line added", "line replaced", "2 line(s) removed") or why nothing was. */
  msg: string;
  changed: boolean;
  /** state=absent: how many lines matched (Ansible's `found`). */
  found?: number;
}

function target(args: EditArgs, text: string): WriteTarget {
  const t: WriteTarget = { path: args.path, content: Buffer.from(text), backup: args.backup };
  if (args.mode !== undefined) t.mode = args.mode;
  if (args.owner !== undefined) t.owner = args.owner;
  if (args.group !== undefined) t.group = args.group;
  return t;
}

/** Turn an edit into a plan: content via planWrite, "ok" reason from the edit's message. */
export function planEdit(name: string, cur: CurrentFile, args: EditArgs, edit: EditResult | undefined, diffMode: boolean, given: Record<string, unknown> = {}, checkMode = false): Plan {
  const data = edit?.found !== undefined ? { ...given, found: edit.found } : given;
  if (!cur.info.exists) {
    if (!edit || !edit.changed) return { changed: false, reason: `${args.path} does not exist`, data: { ...data, msg: '' } };
    // In --check an earlier task may be the one that would create the file.
    if (!args.create && checkMode) return { changed: true, summary: `${args.path} does not exist yet; ${edit.msg} once it does`, data: { ...data, msg: edit.msg } };
    if (!args.create) throw new ModuleFailure(`${name}(${args.path}): destination ${args.path} does not exist; set create: true to create it`, { rc: 257 });
  }
  const text = edit ? edit.text : (cur.content ?? Buffer.alloc(0)).toString('utf8');
  const plan = planWrite(cur, target(args, text), diffMode, { ...data, msg: edit?.changed ? edit.msg : '' });
  if (!plan.changed) return { ...plan, reason: edit ? `${edit.msg}${plan.reason.startsWith('content and') ? `, ${plan.reason.slice('content and '.length)}` : ''}` : plan.reason };
  return { ...plan, summary: `${plan.summary}${edit?.changed ? ` (${edit.msg})` : ''}` };
}

export async function applyEdit(ctx: ModuleContext, cur: CurrentFile, args: EditArgs, text: string): Promise<Record<string, unknown>> {
  if (cur.info.exists) return applyWrite(ctx, cur, target(args, text));
  // create: missing parent directories are made (as Ansible does), looked for only when needed.
  try {
    return await applyWrite(ctx, cur, target(args, text));
  } catch (e) {
    if (e instanceof ConnectionError) throw e;
    const parent = args.path.replace(/\/[^/]*$/, '') || '/';
    const pst = await ctx.connection.stat(parent);
    if (pst.exists) throw e;
    await ctx.connection.mkdir(parent);
    return applyWrite(ctx, cur, target(args, text));
  }
}
