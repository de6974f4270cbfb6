/** Shared by lineinfile and blockinfile: read the file, compute new text purely, write via write.ts. */
import { ConnectionError } from '../../connection/connection.js';
import type { ArgsOf, ModuleContext, Plan, Registered } from '../types.js';
import { ModuleFailure } from '../types.js';
import type { CurrentFile, WriteChange, WriteTarget } from './write.js';
import { applyWrite, planWrite, readCurrent, writeChange, writeTarget } from './write.js';
import { VALIDATE_ARG } from './validate.js';

/** The arguments lineinfile and blockinfile share. */
export const EDIT_ARGS = {
  path: { type: 'path', required: true, aliases: ['dest', 'destfile', 'name'], description: 'the file to edit' },
  create: { type: 'bool', default: false, description: 'create the file when it does not exist' },
  backup: { type: 'bool', default: false, description: 'keep the previous file as PATH.PID.DATE@TIME~ (registered as backup_file)' },
  mode: { type: 'mode', description: 'permissions: octal (0644) or symbolic (u=rw,g=r)' },
  owner: { type: 'str', description: 'owner name or uid' },
  group: { type: 'str', description: 'group name or gid' },
  validate: VALIDATE_ARG,
} as const;

export type EditArgs = ArgsOf<typeof EDIT_ARGS>;

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

function target(name: string, args: EditArgs, text: string): WriteTarget {
  const t = writeTarget(args.path, Buffer.from(text), args);
  if (args.validate !== undefined) t.validate = { command: args.validate, style: 'edit', label: `${name}(${args.path})` };
  return t;
}

/** Turn an edit into a plan: content via planWrite, "ok" reason from the edit's message. */
export function planEdit(name: string, cur: CurrentFile, args: EditArgs, edit: EditResult | undefined, diffMode: boolean, given: Registered = {}, checkMode = false): Plan<WriteChange> {
  const data: Registered = edit?.found !== undefined ? { ...given, found: edit.found } : given;
  if (!cur.info.exists) {
    if (!edit || !edit.changed) return { ok: true, reason: `${args.path} does not exist`, data: { ...data, msg: '' } };
    // In --check an earlier task may be the one that would create the file.
    if (!args.create && checkMode) return { change: writeChange(cur, target(name, args, edit.text)), summary: `${args.path} does not exist yet; ${edit.msg} once it does`, data: { ...data, msg: edit.msg } };
    if (!args.create) throw new ModuleFailure(`${name}(${args.path}): destination ${args.path} does not exist; set create: true to create it`, { rc: 257 });
  }
  const text = edit ? edit.text : (cur.content ?? Buffer.alloc(0)).toString('utf8');
  const plan = planWrite(cur, target(name, args, text), diffMode, { ...data, msg: edit?.changed ? edit.msg : '' });
  if ('ok' in plan) return { ...plan, reason: edit ? `${edit.msg}${plan.reason.startsWith('content and') ? `, ${plan.reason.slice('content and '.length)}` : ''}` : plan.reason };
  return { ...plan, summary: `${plan.summary}${edit?.changed ? ` (${edit.msg})` : ''}` };
}

export async function applyEdit(ctx: ModuleContext, change: WriteChange): Promise<Registered> {
  if (change.cur.info.exists) return applyWrite(ctx, change);
  // create: missing parent directories are made (as Ansible does), looked for only when needed.
  try {
    return await applyWrite(ctx, change);
  } catch (e) {
    if (e instanceof ConnectionError) throw e;
    const parent = change.target.path.replace(/\/[^/]*$/, '') || '/';
    const pst = await ctx.connection.stat(parent);
    if (pst.exists) throw e;
    await ctx.connection.mkdir(parent);
    return applyWrite(ctx, change);
  }
}
