/**
 * unarchive: extract a .tar(.gz/.bz2/.xz)/.tgz (tar) or .zip (unzip) into dest on the host.
 * The archive is local (files/) unless remote_src. Idempotence: `creates`, else every member
 * already present under dest (one remote command); member contents are not compared. `mode`,
 * `owner` and `group` are set on every member, as Ansible's unarchive does after extracting (and
 * on each run: a member whose attributes differ makes the task changed). `copy: false` is the
 * older spelling of `remote_src: true`.
 */
import { execFile } from 'node:child_process';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { shellQuote } from '../connection/connection.js';
import { readLocalSource } from './lib/dest.js';
import type { ModeArg } from './lib/mode.js';
import { formatMode } from './lib/mode.js';
import { attrChanges, hasAttrChanges } from './lib/write.js';
import type { ArgsOf, ModuleContext } from './types.js';
import { defineModule, missingInput, ModuleFailure } from './types.js';

const ARGS = {
  src: { type: 'path', required: true },
  dest: { type: 'path', required: true },
  remote_src: { type: 'bool' },
  /** Deprecated in Ansible for remote_src: `copy: false` is `remote_src: true`. */
  copy: { type: 'bool' },
  creates: { type: 'path' },
  extra_opts: { type: 'list', elements: 'str', default: [] },
  mode: { type: 'mode' },
  owner: { type: 'str' },
  group: { type: 'str' },
} as const;

export type UnarchiveArgs = ArgsOf<typeof ARGS>;
/** A present member's attributes, as the inspection script prints them. */
export interface MemberAttrs {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  owner: string;
  group: string;
  isDir: boolean;
  isLink: boolean;
}
export type UnarchiveState = { skip?: string; missing: number; members: number; present?: MemberAttrs[] };

/** The change: upload the local archive (when not remote_src) to `upload.to`, run `script`
 * (the extraction; empty when only attributes differ), then set `attrs` on every member. */
export interface UnarchiveChange {
  src: string;
  upload?: { from: string; to: string };
  script: string;
  attrs?: { dest: string; remoteList?: string; mode?: ModeArg; owner?: string; group?: string };
}

/** The archive is on the host: `remote_src: true`, or its older spelling `copy: false`. */
function isRemote(args: UnarchiveArgs): boolean {
  return args.copy !== undefined ? !args.copy : args.remote_src === true;
}

function wantsAttrs(args: UnarchiveArgs): boolean {
  return args.mode !== undefined || args.owner !== undefined || args.group !== undefined;
}

/** Extraction (and removal of an uploaded archive) as one script. */
function extraction(args: UnarchiveArgs): UnarchiveChange {
  let src = args.src;
  let cleanup = '';
  let upload: UnarchiveChange['upload'];
  if (!isRemote(args)) {
    src = posix.join(args.dest, `.${posix.basename(args.src)}.${process.pid}.upload`);
    upload = { from: args.src, to: src };
    cleanup = `; rc=$?; rm -f ${shellQuote(src)}; exit $rc`;
  }
  const extra = args.extra_opts.map(shellQuote).join(' ');
  const cmd = archiveKind(args.src) === 'zip' ? `unzip -o -q ${extra} ${shellQuote(src)} -d ${shellQuote(args.dest)}` : `tar -xf ${shellQuote(src)} -C ${shellQuote(args.dest)} ${extra}`;
  return { src: args.src, ...(upload ? { upload } : {}), script: `${cmd}${cleanup}` };
}

const run = promisify(execFile);

export function archiveKind(src: string): 'zip' | 'tar' {
  return /\.zip$/i.test(src) ? 'zip' : 'tar';
}

function listCmd(kind: 'zip' | 'tar', path: string): string {
  return kind === 'zip' ? `unzip -Z1 ${shellQuote(path)}` : `tar -tf ${shellQuote(path)}`;
}

/** Counts members and missing ones ("n m" last); with `attrs`, prints each present member's
 * "A<TAB>mode<TAB>uid<TAB>gid<TAB>owner<TAB>group<TAB>kind<TAB>member" before. */
const COUNT_MISSING = (dest: string, attrs = false): string => {
  const p = `${shellQuote(dest)}/"$f"`;
  const show = attrs ? `; if [ -e ${p} ] || [ -L ${p} ]; then printf 'A\\t%s\\t%s\\n' "$(stat -c '%a\t%u\t%g\t%U\t%G\t%F' ${p})" "$f"; fi` : '';
  return `n=0; m=0; while IFS= read -r f; do [ -z "$f" ] && continue; n=$((n+1)); [ -e ${p} ] || [ -L ${p} ] || m=$((m+1))${show}; done; echo "$n $m"`;
};

function parseMembers(out: string): MemberAttrs[] {
  return out.split('\n').filter((l) => l.startsWith('A\t')).map((l) => {
    const [, mode, uid, gid, owner, group, kind, ...path] = l.split('\t');
    return { path: path.join('\t'), mode: parseInt(mode!, 8), uid: Number(uid), gid: Number(gid), owner: owner!, group: group!, isDir: kind === 'directory', isLink: kind === 'symbolic link' };
  });
}

/** Members whose mode/owner/group differ from the arguments (links: owner and group only). */
export function membersToFix(present: readonly MemberAttrs[], args: { mode?: ModeArg; owner?: string; group?: string }): string[] {
  return present
    .filter((m) => {
      const info = { exists: true, mode: m.mode, uid: m.uid, gid: m.gid, owner: m.owner, group: m.group };
      return hasAttrChanges(attrChanges(info, { ...(m.isLink ? {} : { mode: args.mode }), owner: args.owner, group: args.group }, m.isDir));
    })
    .map((m) => m.path);
}

/** chown/chmod every member named on stdin (or by `list`), links only chowned. */
function attrsScript(a: NonNullable<UnarchiveChange['attrs']>): string {
  const p = `${shellQuote(a.dest)}/"$f"`;
  const owner = a.owner !== undefined || a.group !== undefined ? `chown -h ${shellQuote(`${a.owner ?? ''}${a.group !== undefined ? `:${a.group}` : ''}`)} ${p} || exit 1; ` : '';
  const mode = a.mode === undefined ? '' : `[ -L ${p} ] || chmod ${shellQuote(typeof a.mode === 'number' ? formatMode(a.mode) : a.mode)} ${p} || exit 1; `;
  const loop = `while IFS= read -r f; do [ -z "$f" ] && continue; ${owner}${mode}done`;
  return a.remoteList ? `${a.remoteList} | { ${loop}; }` : loop;
}

async function localMembers(path: string): Promise<string> {
  const kind = archiveKind(path);
  try {
    const r = kind === 'zip' ? await run('unzip', ['-Z1', path]) : await run('tar', ['-tf', path]);
    return r.stdout;
  } catch (e) {
    throw new ModuleFailure(`unarchive(${path}): cannot list the archive: ${(e as Error).message}`);
  }
}

async function countMissing(ctx: ModuleContext, args: UnarchiveArgs): Promise<UnarchiveState> {
  const conn = ctx.connection;
  let r;
  const attrs = wantsAttrs(args);
  if (isRemote(args)) {
    const kind = archiveKind(args.src);
    const tool = kind === 'zip' ? 'unzip' : 'tar';
    r = await conn.exec(`[ -f ${shellQuote(args.src)} ] || { echo 'source not found' >&2; exit 2; }\ncommand -v ${tool} >/dev/null 2>&1 || { echo '${tool} is not installed on the host' >&2; exit 127; }\nl=$(${listCmd(kind, args.src)}) || { echo 'cannot list the archive' >&2; exit 3; }\nprintf '%s\\n' "$l" | { ${COUNT_MISSING(args.dest, attrs)}; }`);
  } else {
    const local = await readLocalSource(ctx, 'files', args.src, `unarchive(${args.src})`);
    r = await conn.exec(`{ ${COUNT_MISSING(args.dest, attrs)}; }`, { stdin: await localMembers(local.path) });
  }
  if (r.rc !== 0) throw new ModuleFailure(`unarchive(${args.src}): ${r.stderr.trim() || `rc ${r.rc}`}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  const [n, m] = last.split(/\s+/).map(Number);
  return { members: n ?? 0, missing: m ?? 0, ...(attrs ? { present: parseMembers(r.stdout) } : {}) };
}

/** What apply needs to set mode/owner/group on every member. */
function attrsChange(args: UnarchiveArgs): UnarchiveChange['attrs'] {
  const remoteList = isRemote(args) ? listCmd(archiveKind(args.src), args.src) : undefined;
  return { dest: args.dest, ...(remoteList ? { remoteList } : {}), ...(args.mode !== undefined ? { mode: args.mode } : {}), ...(args.owner !== undefined ? { owner: args.owner } : {}), ...(args.group !== undefined ? { group: args.group } : {}) };
}

export const unarchive = defineModule({
  name: 'unarchive',
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  mutuallyExclusive: [['copy', 'remote_src']],
  async check(ctx, args): Promise<UnarchiveState> {
    if (args.creates !== undefined && (await ctx.connection.stat(args.creates)).exists) return { skip: `${args.creates} exists`, missing: 0, members: 0 };
    const d = await ctx.connection.stat(args.dest);
    if (!d.exists) missingInput(ctx, `unarchive(${args.src}): destination ${args.dest} is not a directory`, `would extract ${args.src} into ${args.dest} (check mode: ${args.dest} does not exist yet)`);
    if (d.kind !== 'directory') throw new ModuleFailure(`unarchive(${args.src}): destination ${args.dest} is not a directory`);
    if (isRemote(args) && !(await ctx.connection.stat(args.src)).exists) missingInput(ctx, `unarchive(${args.src}): source ${args.src} not found on the host`, `would extract ${args.src} into ${args.dest} (check mode: ${args.src} does not exist yet)`);
    return countMissing(ctx, args);
  },
  plan(s, args) {
    const data = { dest: args.dest, src: args.src };
    if (s.skip) return { ok: true, reason: `skipped: ${s.skip}`, data };
    const attrs = wantsAttrs(args) ? attrsChange(args) : undefined;
    if (s.missing === 0 && s.members > 0) {
      const fix = s.present ? membersToFix(s.present, args) : [];
      if (fix.length === 0) return { ok: true, reason: `all ${s.members} archive members already present in ${args.dest}${attrs ? ', with their mode/owner/group' : ''}`, data };
      return { change: { src: args.src, script: '', attrs: attrs! }, summary: `set mode/owner/group of ${fix.length} of ${s.members} members in ${args.dest}`, data };
    }
    const change = extraction(args);
    return { change: attrs ? { ...change, attrs } : change, summary: `extract ${args.src} into ${args.dest} (${s.missing} of ${s.members} members missing)`, data };
  },
  async apply(ctx, c) {
    const conn = ctx.connection;
    const opts = ctx.become ? { become: ctx.become } : {};
    if (c.script) {
      if (c.upload) {
        const local = await readLocalSource(ctx, 'files', c.upload.from, `unarchive(${c.src})`);
        await conn.writeFile(c.upload.to, local.content, { mode: 0o600 });
      }
      const r = await conn.exec(c.script, opts);
      if (r.rc !== 0) throw new ModuleFailure(`unarchive(${c.src}): extraction failed: ${r.stderr.trim() || `rc ${r.rc}`}`);
    }
    if (c.attrs) {
      const stdin = c.attrs.remoteList ? undefined : await localMembers((await readLocalSource(ctx, 'files', c.src, `unarchive(${c.src})`)).path);
      const r = await conn.exec(attrsScript(c.attrs), { ...opts, ...(stdin !== undefined ? { stdin } : {}) });
      if (r.rc !== 0) throw new ModuleFailure(`unarchive(${c.src}): setting mode/owner/group of the members failed: ${r.stderr.trim() || `rc ${r.rc}`}`);
    }
  },
});
