/**
 * unarchive: extract a .tar(.gz/.bz2/.xz)/.tgz (tar) or .zip (unzip) into dest on the host.
 * The archive is local (files/) unless remote_src. Idempotence: `creates`, else every member
 * already present under dest (one remote command); member contents are not compared.
 */
import { execFile } from 'node:child_process';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { shellQuote } from '../connection/connection.js';
import { readLocalSource } from './dest.js';
import type { ModuleContext, ModuleDef } from './types.js';
import { missingInput, ModuleFailure } from './types.js';

export type UnarchiveArgs = { src: string; dest: string; remote_src: boolean; creates?: string; extra_opts: string[] };
export type UnarchiveState = { skip?: string; missing: number; members: number };

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

export const unarchive = {
  name: 'unarchive',
  target: 'remote',
  checkMode: 'full',
  args: {
    src: { type: 'path', required: true },
    dest: { type: 'path', required: true },
    remote_src: { type: 'bool', default: false },
    creates: { type: 'path' },
    extra_opts: { type: 'list', elements: 'str', default: [] },
  },
  async check(ctx, args) {
    if (args.creates !== undefined && (await ctx.connection.stat(args.creates)).exists) return { skip: `${args.creates} exists`, missing: 0, members: 0 };
    const d = await ctx.connection.stat(args.dest);
    if (!d.exists) missingInput(ctx, `unarchive(${args.src}): destination ${args.dest} is not a directory`, `would extract ${args.src} into ${args.dest} (check mode: ${args.dest} does not exist yet)`);
    if (d.kind !== 'directory') throw new ModuleFailure(`unarchive(${args.src}): destination ${args.dest} is not a directory`);
    if (args.remote_src && !(await ctx.connection.stat(args.src)).exists) missingInput(ctx, `unarchive(${args.src}): source ${args.src} not found on the host`, `would extract ${args.src} into ${args.dest} (check mode: ${args.src} does not exist yet)`);
    return countMissing(ctx, args);
  },
  plan(s, args) {
    const data = { dest: args.dest, src: args.src };
    if (s.skip) return { changed: false, reason: `skipped: ${s.skip}`, data };
    if (s.missing === 0 && s.members > 0) return { changed: false, reason: `all ${s.members} archive members already present in ${args.dest}`, data };
    return { changed: true, summary: `extract ${args.src} into ${args.dest} (${s.missing} of ${s.members} members missing)`, data };
  },
  async apply(ctx, args) {
    const conn = ctx.connection;
    let src = args.src;
    let cleanup = '';
    if (!args.remote_src) {
      const local = await readLocalSource(ctx, 'files', args.src, `unarchive(${args.src})`);
      src = posix.join(args.dest, `.${posix.basename(args.src)}.${process.pid}.upload`);
      await conn.writeFile(src, local.content, { mode: 0o600 });
      cleanup = `; rc=$?; rm -f ${shellQuote(src)}; exit $rc`;
    }
    const extra = args.extra_opts.map(shellQuote).join(' ');
    const cmd = archiveKind(args.src) === 'zip' ? `unzip -o -q ${extra} ${shellQuote(src)} -d ${shellQuote(args.dest)}` : `tar -xf ${shellQuote(src)} -C ${shellQuote(args.dest)} ${extra}`;
    const r = await conn.exec(`${cmd}${cleanup}`, ctx.become ? { become: ctx.become } : {});
    if (r.rc !== 0) throw new ModuleFailure(`unarchive(${args.src}): extraction failed: ${r.stderr.trim() || `rc ${r.rc}`}`);
  },
} satisfies ModuleDef<UnarchiveArgs, UnarchiveState>;
