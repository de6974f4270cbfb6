/**
 * `validate` of copy, template, lineinfile, blockinfile and replace: the new content is written to
 * a temp file beside the destination (final mode and owner), the command runs on it with `%s`
 * standing for its path (no shell, as Ansible's run_command splits it), and only when it exits 0
 * is the temp file renamed over the destination. A failing command leaves the destination as it
 * was and the temp file removed.
 */
import { shellQuote, tempNameFor, type FileInfo, type WriteOptions, type WriteResult } from '../../connection/connection.js';
import type { ModuleContext } from '../types.js';
import { ModuleFailure } from '../types.js';
import { splitArgv } from './kv.js';

export const VALIDATE_ARG = {
  type: 'str',
  description: 'command run on the new content before it replaces the destination; %s is the path of the temp file holding it (run without a shell)',
} as const;

/** Static check of a validate argument (Ansible: "validate must contain %s"). */
export function validateProblems(validate: string | undefined): string[] {
  if (validate === undefined) return [];
  if (!validate.includes('%s')) return [`validate must contain %s: ${validate}`];
  try {
    if (splitArgv(validate).length === 0) return ['validate: no command given'];
  } catch (e) {
    return [`validate: ${(e as Error).message}`];
  }
  return [];
}

/** The command line for a temp path: each word with `%s` → path and `%%` → `%`, shell-quoted. */
export function validateCommand(validate: string, path: string): string {
  return splitArgv(validate)
    .map((w) => w.replace(/%%|%s/g, (m) => (m === '%%' ? '%' : path)))
    .map(shellQuote)
    .join(' ');
}

/** What a failure registers: copy/template exit_status, stdout and stderr as Ansible's copy; the line editors only the message. */
export type ValidateStyle = 'copy' | 'edit';

/** Write `content` for `path` through a validated temp file. */
export async function writeValidated(
  ctx: ModuleContext,
  label: string,
  path: string,
  content: Buffer,
  opts: WriteOptions & { existing: FileInfo },
  validate: string,
  style: ValidateStyle,
): Promise<WriteResult> {
  const conn = ctx.connection;
  const tmp = tempNameFor(path);
  const keep = opts.existing.exists && opts.owner === undefined && opts.group === undefined && ctx.become
    ? { owner: String(opts.existing.uid), group: String(opts.existing.gid) }
    : {};
  await conn.writeFile(tmp, content, { mode: opts.mode, ...keep, ...(opts.owner !== undefined ? { owner: opts.owner } : {}), ...(opts.group !== undefined ? { group: opts.group } : {}), existing: opts.existing.exists ? opts.existing : { exists: false } });
  const cmd = validateCommand(validate, tmp);
  let renamed = false;
  try {
    const r = await conn.exec(cmd, ctx.become ? { become: ctx.become } : {});
    if (r.rc !== 0) {
      const out = (r.stderr.trim() || r.stdout.trim()).slice(0, 2000);
      throw new ModuleFailure(`${label}: failed to validate: \`${validate}\` exited with ${r.rc}${out ? `: ${out}` : ''}; ${path} left unchanged`, {
        ...(style === 'copy' ? { exit_status: r.rc, stdout: r.stdout, stderr: r.stderr } : {}),
      });
    }
    const res: WriteResult = {};
    if (opts.backup && opts.existing.exists && opts.existing.kind === 'file') res.backupPath = await backup(ctx, label, path);
    await conn.rename(tmp, path);
    renamed = true;
    return res;
  } finally {
    if (!renamed) await conn.remove(tmp).catch(() => undefined);
  }
}

/** Ansible's backup name (`path.PID.YYYY-MM-DD@HH:MM:SS~`), made on the host. */
async function backup(ctx: ModuleContext, label: string, path: string): Promise<string> {
  const p = shellQuote(path);
  const r = await ctx.connection.exec(`b=${p}.$$.$(date +%Y-%m-%d@%H:%M:%S)~ && cp -p -- ${p} "$b" && printf %s "$b"`, ctx.become ? { become: ctx.become } : {});
  if (r.rc !== 0) throw new ModuleFailure(`${label}: backup of ${path} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** A copy/template write target with its validate command, when given. */
export function withValidate<T extends { validate?: { command: string; style: ValidateStyle; label: string } }>(target: T, validate: string | undefined, label: string): T {
  return validate === undefined ? target : { ...target, validate: { command: validate, style: 'copy', label } };
}
