/**
 * copy with remote_src of a directory, as Ansible's copy module does it on the host: `src/`
 * syncs the contents into dest, `src` (no slash) into dest/NAME. Files missing or different in the
 * target are copied with the source's mode, missing directories made with the source's mode;
 * entries only in the target stay. Both trees are listed by one command (stat + sha256), the copy
 * is one script (each file through a temp file and a rename).
 */
import { posix } from 'node:path';
import { shellQuote as q, type FileInfo } from '../../connection/connection.js';
import type { ModuleContext, Plan, Registered } from '../types.js';
import { ModuleFailure } from '../types.js';
import type { AttrChanges, FileAttrs } from './write.js';
import { applyAttrs, attrChanges, hasAttrChanges } from './write.js';

interface Listed {
  kind: string;
  mode: number;
  owner: string;
  group: string;
  uid: number;
  gid: number;
  link?: string;
  sha?: string;
}

type Tree = Map<string, Listed>;

export interface RemoteDirState {
  label: string;
  src: string;
  dest: string;
  /** Where the tree goes: dest, or dest/NAME. */
  target: string;
  destInfo: FileInfo;
  from: Tree;
  to: Tree;
}

function listScript(dir: string, follow: boolean): string {
  const L = follow ? '-L ' : '';
  return `if [ -d ${q(dir)} ]; then echo @DIR && cd ${q(dir)} && find ${L}. -mindepth 1 -exec stat ${L}-c '%F|%a|%U|%G|%u|%g|%n' -- {} + && echo @SHA && find ${L}. -mindepth 1 -type f -exec sha256sum -- {} + && find ${L}. -mindepth 1 -type l -exec sh -c 'for l; do printf "@LINK %s|%s\\n" "$l" "$(readlink "$l")"; done' sh {} +; fi`;
}

function parseTree(out: string): Tree {
  const tree: Tree = new Map();
  let sha = false;
  for (const line of out.split('\n')) {
    if (line === '@DIR') tree.set('.', { kind: 'directory', mode: 0, owner: '', group: '', uid: -1, gid: -1 });
    else if (line === '@SHA') sha = true;
    else if (line.startsWith('@LINK ')) {
      const [p, l] = line.slice(6).split('|');
      const e = tree.get(posix.normalize(p!));
      if (e) e.link = l!;
    } else if (sha) {
      const m = /^([0-9a-f]{64}) {2}(.*)$/.exec(line);
      const e = m ? tree.get(posix.normalize(m[2]!)) : undefined;
      if (e) e.sha = m![1]!;
    } else if (line) {
      const f = line.split('|');
      const kind = f[0] === 'directory' ? 'directory' : f[0]!.includes('regular') ? 'file' : f[0] === 'symbolic link' ? 'link' : 'other';
      tree.set(posix.normalize(f.slice(6).join('|')), { kind, mode: parseInt(f[1]!, 8), owner: f[2]!, group: f[3]!, uid: Number(f[4]), gid: Number(f[5]) });
    }
  }
  return tree;
}

export async function readRemoteDir(ctx: ModuleContext, label: string, src: string, dest: string, follow: boolean): Promise<RemoteDirState> {
  const destInfo = await ctx.connection.stat(dest);
  if (!destInfo.exists && !dest.endsWith('/')) {
    const parent = posix.dirname(dest);
    if (!(await ctx.connection.stat(parent)).exists) throw new ModuleFailure(`${label}: Destination directory ${parent} does not exist`);
  }
  const slash = src.endsWith('/');
  const target = slash ? dest.replace(/\/+$/, '') || '/' : posix.join(dest, posix.basename(src.replace(/\/+$/, '')));
  const opts = ctx.become ? { become: ctx.become } : {};
  const [a, b] = await Promise.all([ctx.connection.exec(listScript(src, follow), opts), ctx.connection.exec(listScript(target, follow), opts)]);
  if (a.rc !== 0) throw new ModuleFailure(`${label}: cannot list ${src}: ${a.stderr.trim()}`);
  return { label, src, dest, target, destInfo, from: parseTree(a.stdout), to: b.rc === 0 ? parseTree(b.stdout) : new Map() };
}

export interface RemoteDirChange {
  script: string;
  destAttrs?: AttrChanges;
  dest: string;
}

/** The pure plan: what to make and copy, as one script. */
export function planRemoteDir(s: RemoteDirState, args: FileAttrs): Plan<RemoteDirChange> {
  const lines = ['set -e', 'umask 022'];
  const at = (rel: string): string => q(posix.join(s.target, rel));
  let copies = 0;
  let dirs = 0;
  const targetMissing = !s.to.has('.');
  if (targetMissing) lines.push(`mkdir -p -- ${q(s.target)}`);
  const own = args.owner !== undefined || args.group !== undefined ? `${args.owner ?? ''}${args.group !== undefined ? `:${args.group}` : ''}` : undefined;
  let chown = false;
  for (const [rel, e] of [...s.from].filter(([r]) => r !== '.').sort(([a], [b]) => a.split('/').length - b.split('/').length)) {
    const t = s.to.get(rel);
    if (e.kind === 'directory') {
      if (!t) {
        lines.push(`mkdir -m ${e.mode.toString(8)} -- ${at(rel)}`);
        dirs++;
      }
    } else if (e.kind === 'link' && e.link !== undefined) {
      if (!t) {
        lines.push(`ln -s -- ${q(e.link)} ${at(rel)}`);
        copies++;
      }
    } else if (e.kind === 'file' && (!t || t.sha !== e.sha)) {
      const tmp = q(posix.join(s.target, posix.dirname(rel), `.${posix.basename(rel)}.orchestrate-copy`));
      lines.push(`cp -- ${q(posix.join(s.src, rel))} ${tmp} && chmod ${e.mode.toString(8)} ${tmp} && mv -f -- ${tmp} ${at(rel)}`);
      copies++;
    }
    if (own && t && ((args.owner !== undefined && args.owner !== t.owner && args.owner !== String(t.uid)) || (args.group !== undefined && args.group !== t.group && args.group !== String(t.gid)))) chown = true;
  }
  if (own && (chown || copies || dirs)) lines.push(`chown -R ${q(own)} -- ${q(s.target)}`);
  const destAttrs = s.destInfo.exists ? attrChanges(s.destInfo, args, s.destInfo.kind === 'directory') : undefined;
  const data: Registered = { dest: s.dest, src: s.src };
  const attrsChange = destAttrs && hasAttrChanges(destAttrs);
  if (!copies && !dirs && !chown && !attrsChange && !targetMissing) {
    return { ok: true, reason: `the ${s.from.size - 1} entries of ${s.src} already match under ${s.target}`, data };
  }
  const summary = `copy ${s.src} to ${s.target} on the host: ${copies} file(s), ${dirs} directory(ies)${chown ? ', ownership' : ''}`;
  return { change: { script: lines.join('\n'), dest: s.dest, ...(attrsChange ? { destAttrs } : {}) }, summary, data };
}

export async function applyRemoteDir(ctx: ModuleContext, label: string, c: RemoteDirChange): Promise<Registered> {
  const r = await ctx.connection.exec(c.script, ctx.become ? { become: ctx.become } : {});
  if (r.rc !== 0) throw new ModuleFailure(`${label}: copying on the host failed: ${r.stderr.trim()}`);
  if (c.destAttrs) await applyAttrs(ctx, c.dest, c.destAttrs);
  return {};
}
