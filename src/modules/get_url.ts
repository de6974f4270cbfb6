/**
 * get_url: download on the HOST (curl, else wget) into a temp file in dest's directory, verify
 * the checksum, set mode/owner, then rename into place. Skipped when dest already has the
 * checksum (or exists and force is false).
 */
import { posix } from 'node:path';
import { shellQuote } from '../connection/connection.js';
import type { FileInfo } from '../connection/connection.js';
import { formatMode, resolveMode } from './lib/mode.js';
import type { ArgsOf, Plan } from './types.js';
import { defineModule, ModuleFailure } from './types.js';
import type { AttrChanges } from './lib/write.js';
import { attrChanges, applyAttrs, hasAttrChanges } from './lib/write.js';

const ARGS = {
  url: { type: 'str', required: true },
  dest: { type: 'path', required: true },
  checksum: { type: 'str' },
  mode: { type: 'mode' },
  owner: { type: 'str' },
  group: { type: 'str' },
  force: { type: 'bool', default: false },
  timeout: { type: 'int', default: 10 },
  headers: { type: 'dict' },
  validate_certs: { type: 'bool', default: true },
} as const;

export type GetUrlArgs = ArgsOf<typeof ARGS>;

export type GetUrlState = { path: string; info: FileInfo; sum?: string };

/** The change: fix the attributes of the file already there, or download (script) into path. */
export type GetUrlChange =
  | { kind: 'attrs'; path: string; attrs: AttrChanges }
  | { kind: 'download'; path: string; url: string; script: string; owner?: string; group?: string };

const ALGS = ['sha256', 'sha1', 'sha512', 'md5'];

export function parseChecksum(s: string): { alg: string; hex: string } {
  const m = /^(\w+):([0-9a-fA-F]+)$/.exec(s.trim());
  if (!m || !ALGS.includes(m[1]!)) throw new Error(`checksum must be ALGORITHM:HEX with one of ${ALGS.join(', ')}`);
  return { alg: m[1]!, hex: m[2]!.toLowerCase() };
}

export function downloadScript(args: GetUrlArgs, path: string, mode: number): string {
  const q = shellQuote;
  const hdrs = Object.entries(args.headers ?? {}).map(([k, v]) => `${k}: ${String(v)}`);
  const curl = ['curl -fsSL', args.validate_certs ? '' : '-k', `--max-time ${args.timeout}`, ...hdrs.map((h) => `-H ${q(h)}`), `-o "$t"`, q(args.url)].filter(Boolean).join(' ');
  const wget = ['wget -q', args.validate_certs ? '' : '--no-check-certificate', `-T ${args.timeout}`, ...hdrs.map((h) => `--header=${q(h)}`), `-O "$t"`, q(args.url)].filter(Boolean).join(' ');
  const sum = args.checksum ? parseChecksum(args.checksum) : { alg: 'sha256', hex: '' };
  return [
    `t=$(mktemp ${q(`${posix.dirname(path)}/.${posix.basename(path)}.XXXXXX`)}) || exit 1`,
    `trap 'rm -f "$t"' EXIT`,
    `if command -v curl >/dev/null 2>&1; then ${curl} || exit 4`,
    `elif command -v wget >/dev/null 2>&1; then ${wget} || exit 4`,
    `else echo 'neither curl nor wget is installed on the host' >&2; exit 127; fi`,
    `s=$(${sum.alg}sum "$t" | cut -d' ' -f1)`,
    sum.hex ? `if [ "$s" != ${q(sum.hex)} ]; then echo "checksum mismatch: expected ${sum.alg}:${sum.hex}, got ${sum.alg}:$s" >&2; exit 3; fi` : ':',
    `chmod ${formatMode(mode)} "$t" || exit 1`,
    `mv -f "$t" ${q(path)} || exit 1`,
    `trap - EXIT`,
    `echo "$s"`,
  ].join('\n');
}

export const get_url = defineModule({
  name: 'get_url',
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  validate(args) {
    if (!/^(https?|ftp|file):\/\//.test(args.url)) return [`url must be http(s)://, ftp:// or file://, got ${JSON.stringify(args.url)}`];
    try {
      if (args.checksum) parseChecksum(args.checksum);
    } catch (e) {
      return [(e as Error).message];
    }
    return [];
  },
  async check(ctx, args): Promise<GetUrlState> {
    let path = args.dest;
    let info = await ctx.connection.stat(path);
    if (info.kind === 'directory') {
      path = posix.join(args.dest, posix.basename(new URL(args.url).pathname) || 'index.html');
      info = await ctx.connection.stat(path);
    }
    if (!info.exists || !args.checksum) return { path, info };
    const { alg, hex } = parseChecksum(args.checksum);
    if (alg === 'sha256') return { path, info, ...(await ctx.connection.sha256(path).then((s) => (s ? { sum: s } : {}))) };
    const r = await ctx.connection.exec(`${alg}sum ${shellQuote(path)} | cut -d' ' -f1`);
    return { path, info, sum: r.rc === 0 ? r.stdout.trim() : `unknown:${hex}` };
  },
  plan(s, args): Plan<GetUrlChange> {
    const data = { dest: s.path, url: args.url };
    const want = args.checksum ? parseChecksum(args.checksum).hex : undefined;
    const have = s.info.exists && (want ? s.sum === want : !args.force);
    if (!have) {
      const mode = resolveMode(args.mode, s.info.mode, false) ?? s.info.mode ?? 0o644;
      const change: GetUrlChange = { kind: 'download', path: s.path, url: args.url, script: downloadScript(args, s.path, mode), ...(args.owner !== undefined ? { owner: args.owner } : {}), ...(args.group !== undefined ? { group: args.group } : {}) };
      return { change, summary: `download ${args.url} to ${s.path}${s.info.exists ? ' (checksum differs)' : ''}`, data };
    }
    const attrs = attrChanges(s.info, args, false);
    const why = want ? `${s.path} exists with checksum ${args.checksum}` : `${s.path} exists and force is false`;
    if (!hasAttrChanges(attrs)) return { ok: true, reason: why, data };
    const change: GetUrlChange = { kind: 'attrs', path: s.path, attrs };
    return { change, summary: `update ${s.path}: ${attrs.after.join(', ')}`, diff: [{ path: `${s.path} (attributes)`, before: `${attrs.before.join('\n')}\n`, after: `${attrs.after.join('\n')}\n` }], data };
  },
  async apply(ctx, c) {
    if (c.kind === 'attrs') return applyAttrs(ctx, c.path, c.attrs);
    const r = await ctx.connection.exec(c.script, ctx.become ? { become: ctx.become } : {});
    if (r.rc !== 0) throw new ModuleFailure(`get_url(${c.url}): ${r.rc === 3 ? '' : 'download failed: '}${r.stderr.trim() || `rc ${r.rc}`}`, { dest: c.path, url: c.url });
    if (c.owner !== undefined || c.group !== undefined) await ctx.connection.chown(c.path, c.owner, c.group);
    return { checksum_dest: r.stdout.trim() };
  },
});
