/**
 * unarchive: extract a .tar(.gz/.bz2/.xz)/.tgz (tar) or .zip (unzip) into dest on the host.
 * The archive is local (files/) unless remote_src. Idempotence: `creates`, else every member
 * already present under dest (one remote command); member contents are not compared.
 */
import { execFile } from 'node:child_process';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { shellQuote } from '../connection/connection.js';
import { readLocalSource } from './lib/dest.js';
import type { ArgsOf, ModuleContext } from './types.js';
import { defineModule, missingInput, ModuleFailure } from './types.js';

const ARGS = {
  src: { type: 'path', required: true },
  dest: { type: 'path', required: true },
  remote_src: { type: 'bool', default: false },
  creates: { type: 'path' },
  extra_opts: { type: 'list', elements: 'str', default: [] },
} as const;

export type UnarchiveArgs = ArgsOf<typeof ARGS>;
export type UnarchiveState = { skip?: string; missing: number; members: number };

/** The change: upload the local archive (when not remote_src) to `upload.to`, then run `script`. */
export interface UnarchiveChange {
  src: string;
  upload?: { from: string; to: string };
  script: string;
}

/** Extraction (and removal of an uploaded archive) as one script. */
function extraction(args: UnarchiveArgs): UnarchiveChange {
  let src = args.src;
  let cleanup = '';
  let upload: UnarchiveChange['upload'];
  if (!args.remote_src) {
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

const COUNT_MISSING = (dest: string): string =>
  `n=0; m=0; while IFS= read -r f; do [ -z "$f" ] && continue; n=$((n+1)); [ -e ${shellQuote(dest)}/"$f" ] || [ -L ${shellQuote(dest)}/"$f" ] || m=$((m+1)); done; echo "$n $m"`;

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
  if (args.remote_src) {
    const kind = archiveKind(args.src);
    const tool = kind === 'zip' ? 'unzip' : 'tar';
    r = await conn.exec(`[ -f ${shellQuote(args.src)} ] || { echo 'source not found' >&2; exit 2; }\ncommand -v ${tool} >/dev/null 2>&1 || { echo '${tool} is not installed on the host' >&2; exit 127; }\nl=$(${listCmd(kind, args.src)}) || { echo 'cannot list the archive' >&2; exit 3; }\nprintf '%s\\n' "$l" | { ${COUNT_MISSING(args.dest)}; }`);
  } else {
    const local = await readLocalSource(ctx, 'files', args.src, `unarchive(${args.src})`);
    r = await conn.exec(`{ ${COUNT_MISSING(args.dest)}; }`, { stdin: await localMembers(local.path) });
  }
  if (r.rc !== 0) throw new ModuleFailure(`unarchive(${args.src}): ${r.stderr.trim() || `rc ${r.rc}`}`);
  const [n, m] = r.stdout.trim().split(/\s+/).map(Number);
  return { members: n ?? 0, missing: m ?? 0 };
}

export const unarchive = defineModule({
  name: 'unarchive',
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  async check(ctx, args): Promise<UnarchiveState> {
    if (args.creates !== undefined && (await ctx.connection.stat(args.creates)).exists) return { skip: `${args.creates} exists`, missing: 0, members: 0 };
    const d = await ctx.connection.stat(args.dest);
    if (!d.exists) missingInput(ctx, `unarchive(${args.src}): destination ${args.dest} is not a directory`, `would extract ${args.src} into ${args.dest} (check mode: ${args.dest} does not exist yet)`);
    if (d.kind !== 'directory') throw new ModuleFailure(`unarchive(${args.src}): destination ${args.dest} is not a directory`);
    if (args.remote_src && !(await ctx.connection.stat(args.src)).exists) missingInput(ctx, `unarchive(${args.src}): source ${args.src} not found on the host`, `would extract ${args.src} into ${args.dest} (check mode: ${args.src} does not exist yet)`);
    return countMissing(ctx, args);
  },
  plan(s, args) {
    const data = { dest: args.dest, src: args.src };
    if (s.skip) return { ok: true, reason: `skipped: ${s.skip}`, data };
    if (s.missing === 0 && s.members > 0) return { ok: true, reason: `all ${s.members} archive members already present in ${args.dest}`, data };
    return { change: extraction(args), summary: `extract ${args.src} into ${args.dest} (${s.missing} of ${s.members} members missing)`, data };
  },
  async apply(ctx, c) {
    const conn = ctx.connection;
    if (c.upload) {
      const local = await readLocalSource(ctx, 'files', c.upload.from, `unarchive(${c.src})`);
      await conn.writeFile(c.upload.to, local.content, { mode: 0o600 });
    }
    const r = await conn.exec(c.script, ctx.become ? { become: ctx.become } : {});
    if (r.rc !== 0) throw new ModuleFailure(`unarchive(${c.src}): extraction failed: ${r.stderr.trim() || `rc ${r.rc}`}`);
  },
});
