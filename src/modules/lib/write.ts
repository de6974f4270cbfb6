/**
 * The one write path for file content (copy, template, lineinfile, blockinfile): read the
 * current state (stat + sha256, over SFTP on ssh hosts), decide purely what differs (content,
 * mode, owner, group), and apply with connection.writeFile (atomic, final mode from the start)
 * or a chmod/chown when only attributes differ.
 */
import { createHash } from 'node:crypto';
import type { FileInfo } from '../../connection/connection.js';
import type { ModeArg } from './mode.js';
import { formatMode, resolveMode } from './mode.js';
import { writeValidated, type ValidateStyle } from './validate.js';
import type { FileDiff, ModuleContext, Plan, Registered } from '../types.js';

export type FileAttrs = { mode?: ModeArg; owner?: string; group?: string };

export type WriteTarget = FileAttrs & {
  path: string;
  content: Buffer;
  backup?: boolean;
  /** Mode used for mode: preserve (copy's source mode). */
  preserveMode?: number;
  /** A command that must accept the new content (in a temp file, `%s`) before it replaces path. */
  validate?: { command: string; style: ValidateStyle; label: string };
};

/** What to write at path, with the arguments' mode/owner/group/backup. */
export function writeTarget(path: string, content: Buffer, args: { mode?: ModeArg; owner?: string; group?: string; backup: boolean }, preserveMode?: number): WriteTarget {
  const t: WriteTarget = { path, content, backup: args.backup };
  if (args.mode !== undefined) t.mode = args.mode;
  if (args.owner !== undefined) t.owner = args.owner;
  if (args.group !== undefined) t.group = args.group;
  if (preserveMode !== undefined) t.preserveMode = preserveMode;
  return t;
}

export interface CurrentFile {
  path: string;
  info: FileInfo;
  sha256?: string;
  /** Present when read (diff mode, or the module needs it). */
  content?: Buffer;
}

const DEFAULT_FILE_MODE = 0o644;
const MAX_DIFF_BYTES = 256 * 1024;

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** stat + sha256 (or the content, when wanted), sent together: one round trip for both. */
export async function readCurrent(ctx: ModuleContext, path: string, wantContent: boolean): Promise<CurrentFile> {
  const conn = ctx.connection;
  const [info, data] = await Promise.all([
    conn.stat(path),
    wantContent ? conn.readFile(path).catch(() => undefined) : conn.sha256(path).catch(() => undefined),
  ]);
  const cur: CurrentFile = { path, info };
  if (!info.exists || info.kind === 'directory') return cur;
  if (Buffer.isBuffer(data)) {
    cur.content = data;
    cur.sha256 = sha256(data);
  } else if (typeof data === 'string') cur.sha256 = data;
  return cur;
}

function ownerMatches(want: string, name: string | undefined, id: number | undefined): boolean {
  return /^\d+$/.test(want) ? Number(want) === id : want === name;
}

export interface AttrChanges {
  mode?: number;
  owner?: string;
  group?: string;
  /** What already matches, for the "ok" reason (e.g. "mode 0600", "owner root"). */
  matching: string[];
  before: string[];
  after: string[];
}

/** Which of mode/owner/group must change on an existing path (or be set on a new one). */
export function attrChanges(info: FileInfo, attrs: FileAttrs, isDir: boolean, preserveMode?: number): AttrChanges {
  const res: AttrChanges = { matching: [], before: [], after: [] };
  const curMode = info.exists ? info.mode : undefined;
  const mode = resolveMode(attrs.mode, curMode, isDir, preserveMode);
  if (mode !== undefined) {
    if (mode === curMode) res.matching.push(`mode ${formatMode(mode)}`);
    else {
      res.mode = mode;
      res.before.push(`mode: ${curMode === undefined ? '-' : formatMode(curMode)}`);
      res.after.push(`mode: ${formatMode(mode)}`);
    }
  }
  for (const [key, want, name, id] of [
    ['owner', attrs.owner, info.owner, info.uid],
    ['group', attrs.group, info.group, info.gid],
  ] as const) {
    if (want === undefined) continue;
    if (info.exists && ownerMatches(want, name, id)) res.matching.push(`${key} ${want}`);
    else {
      res[key] = want;
      res.before.push(`${key}: ${info.exists ? (name ?? String(id)) : '-'}`);
      res.after.push(`${key}: ${want}`);
    }
  }
  return res;
}

export function hasAttrChanges(c: AttrChanges): boolean {
  return c.mode !== undefined || c.owner !== undefined || c.group !== undefined;
}

/** Text for a diff, or a placeholder for binary / large content. */
export function diffText(data: Buffer | undefined, hash?: string): string {
  if (data === undefined) return hash ? `(content not read: sha256 ${hash})\n` : '';
  if (data.length > MAX_DIFF_BYTES || data.includes(0)) return `(binary or large content: ${data.length} bytes, sha256 ${sha256(data)})\n`;
  return data.toString('utf8');
}

export interface WriteDecision {
  create: boolean;
  content: boolean;
  attrs: AttrChanges;
}

/** The change a write makes: the file as read, what to write, and what differs. */
export interface WriteChange {
  cur: CurrentFile;
  target: WriteTarget;
  decision: WriteDecision;
}

export function decideWrite(cur: CurrentFile, target: WriteTarget): WriteDecision {
  const exists = cur.info.exists;
  return {
    create: !exists,
    content: !exists || cur.sha256 !== sha256(target.content),
    attrs: attrChanges(cur.info, target, false, target.preserveMode),
  };
}

export function writeChange(cur: CurrentFile, target: WriteTarget): WriteChange {
  return { cur, target, decision: decideWrite(cur, target) };
}

/** The pure plan for writing `target` over `cur`. */
export function planWrite(cur: CurrentFile, target: WriteTarget, diffMode: boolean, data: Registered = {}): Plan<WriteChange> {
  const change = writeChange(cur, target);
  const d = change.decision;
  if (!d.content && !hasAttrChanges(d.attrs)) {
    const what = ['content', ...d.attrs.matching];
    const reason = `${what.length > 1 ? `${what.slice(0, -1).join(', ')} and ${what[what.length - 1]}` : what[0]} already match`;
    return { ok: true, reason, data };
  }
  const diff: FileDiff[] = [];
  if (diffMode && d.content) diff.push({ path: target.path, before: d.create ? '' : diffText(cur.content, cur.sha256), after: diffText(target.content) });
  if (diffMode && !d.create && hasAttrChanges(d.attrs)) diff.push({ path: `${target.path} (attributes)`, before: `${d.attrs.before.join('\n')}\n`, after: `${d.attrs.after.join('\n')}\n` });
  const parts = d.create ? ['create'] : [...(d.content ? ['content'] : []), ...d.attrs.after.map((s) => s.replace(': ', ' '))];
  const summary = d.create ? `create ${target.path}` : `update ${target.path}: ${parts.join(', ')}`;
  return { change, summary, ...(diff.length ? { diff } : {}), data };
}

/** Perform the write decided by planWrite. Returns registered data (backup_file). */
/** `report`: copy/template's result keys of a written file (owner, md5sum, src). */
export async function applyWrite(ctx: ModuleContext, change: WriteChange, report = false): Promise<Registered> {
  const conn = ctx.connection;
  const { cur, target, decision: d } = change;
  if (d.content) {
    const mode = d.attrs.mode ?? (cur.info.exists ? cur.info.mode : undefined) ?? DEFAULT_FILE_MODE;
    const opts = {
      mode, backup: target.backup ?? false, existing: cur.info,
      ...(target.owner !== undefined ? { owner: target.owner } : {}), ...(target.group !== undefined ? { group: target.group } : {}),
    };
    const res = target.validate
      ? await writeValidated(ctx, target.validate.label, target.path, target.content, opts, target.validate.command, target.validate.style)
      : await conn.writeFile(target.path, target.content, opts);
    if (!report) return res.backupPath ? { backup_file: res.backupPath } : {};
    // as Ansible's copy reports a written file: its owner, md5sum and the temp file it came from
    return {
      ...(res.backupPath ? { backup_file: res.backupPath } : {}),
      ...(res.owner ? ownership({ exists: true, ...res.owner }) : {}),
      md5sum: createHash('md5').update(target.content).digest('hex'),
      ...(res.tempPath ? { src: res.tempPath } : {}),
    };
  }
  await applyAttrs(ctx, target.path, d.attrs);
  return {};
}

/** chown then chmod (chown may clear setuid bits). */
export async function applyAttrs(ctx: ModuleContext, path: string, c: AttrChanges): Promise<void> {
  if (c.owner !== undefined || c.group !== undefined) await ctx.connection.chown(path, c.owner, c.group);
  if (c.mode !== undefined) await ctx.connection.chmod(path, c.mode);
}

/** Registered data describing a file after a write (Ansible's dest/mode/owner/...). */
export function fileResult(path: string, content: Buffer, mode: number | undefined): Record<string, unknown> {
  return {
    dest: path,
    checksum: createHash('sha1').update(content).digest('hex'),
    sha256: sha256(content),
    size: content.length,
    ...(mode !== undefined ? { mode: formatMode(mode) } : {}),
  };
}

/** owner/group/uid/gid of an existing path, as Ansible's results carry them. */
export function ownership(info: FileInfo): Record<string, unknown> {
  if (!info.exists) return {};
  return { ...(info.owner !== undefined ? { owner: info.owner } : {}), ...(info.group !== undefined ? { group: info.group } : {}), ...(info.uid !== undefined ? { uid: info.uid } : {}), ...(info.gid !== undefined ? { gid: info.gid } : {}) };
}
