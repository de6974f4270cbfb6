/**
 * find: files, directories or links under paths, filtered as ansible.builtin.find filters them
 * (glob or Python-regex patterns on the basename, excludes, contains, age, size, hidden, depth),
 * each reported with the stat fields Ansible's find reports. The tree is listed by one command on
 * the host (find + stat, lstat of every entry, in the order os.walk visits it); contents for
 * `contains` and `get_checksum` are read over the connection.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { shellQuote } from '../connection/connection.js';
import { fnmatchRegExp } from '../inventory/index.js';
import { pyRegExp } from './lib/pyre.js';
import type { ArgsOf, ModuleContext } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

const ARGS = {
  paths: { type: 'list', elements: 'str', required: true, aliases: ['name', 'path'], description: 'directories to search' },
  patterns: { type: 'list', elements: 'str', default: [], aliases: ['pattern'], description: 'basename patterns: shell globs, or Python regular expressions with use_regex (any one must match)' },
  excludes: { type: 'list', elements: 'str', aliases: ['exclude'], description: 'basename patterns to leave out (same kind as patterns)' },
  contains: { type: 'str', description: 'Python regular expression a file\'s content must match (at the start of a line, or anywhere with read_whole_file)' },
  read_whole_file: { type: 'bool', default: false, description: 'match contains against the whole file instead of line by line' },
  file_type: { type: 'str', default: 'file', choices: ['any', 'directory', 'file', 'link'], description: 'kind of entries to report' },
  age: { type: 'str', description: 'at least this old (5m, 2d, 1w; seconds without unit), or at most when negative' },
  age_stamp: { type: 'str', default: 'mtime', choices: ['atime', 'ctime', 'mtime'], description: 'the time age compares' },
  size: { type: 'str', description: 'at least this size (10k, 2m, 1g; bytes without unit), or at most when negative' },
  recurse: { type: 'bool', default: false, description: 'descend into subdirectories' },
  hidden: { type: 'bool', default: false, description: 'include entries whose name starts with a dot' },
  follow: { type: 'bool', default: false, description: 'descend into symlinked directories' },
  get_checksum: { type: 'bool', default: false, description: 'add the sha1 checksum of each file' },
  use_regex: { type: 'bool', default: false, description: 'patterns and excludes are Python regular expressions (matched at the start of the name) instead of globs' },
  depth: { type: 'int', description: 'with recurse: how many levels deep to report (1: only the paths\' own entries)' },
} as const;

export type FindArgs = ArgsOf<typeof ARGS>;

interface Entry {
  path: string;
  name: string;
  parent: string;
  mode: number;
  fields: string[];
}

const FMT = '%f|%u|%g|%s|%i|%d|%h|%X|%Y|%Z|%U|%G|%n';
const S_IFMT = 0o170000;
const TYPES: Record<number, string> = { 0o040000: 'isdir', 0o020000: 'ischr', 0o060000: 'isblk', 0o100000: 'isreg', 0o010000: 'isfifo', 0o120000: 'islnk', 0o140000: 'issock' };

function unitValue(v: string | undefined, what: string, units: Record<string, number>): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(-?\d+)([a-z])?$/.exec(v.toLowerCase());
  if (!m || (m[2] !== undefined && !(m[2] in units))) throw new ModuleFailure(`failed to process ${what}`, { [what]: v });
  return Number(m[1]) * (m[2] ? units[m[2]]! : 1);
}
const AGE_UNITS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const SIZE_UNITS = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

function depthLimit(args: FindArgs): number {
  if (!args.recurse) return 1;
  return args.depth ? args.depth + 1 : 0;
}

/** One command: for each path, a marker line, then find + stat of every entry under it. */
function script(args: FindArgs): string {
  const lines = ['date +%s'];
  const max = depthLimit(args);
  for (const p of args.paths) {
    const q = shellQuote(p);
    lines.push(`if [ -d ${q} ]; then echo "@D ${p.replace(/[\\"`$]/g, '\\$&')}"; find ${args.follow ? '-L ' : ''}${q} -mindepth 1 ${max ? `-maxdepth ${max} ` : ''}-exec stat -c '${FMT}' -- {} + 2>&1 | sed 's/^find: /@E /'; else echo "@N ${p.replace(/[\\"`$]/g, '\\$&')}"; fi`);
  }
  return lines.join('\n');
}

interface Listed {
  now: number;
  /** path → entries, in find's order; or the reason it was skipped. */
  roots: { path: string; entries: Entry[]; error?: string }[];
}

function parse(stdout: string): Listed {
  const [first, ...rest] = stdout.split('\n');
  const out: Listed = { now: Number(first), roots: [] };
  let cur: Listed['roots'][number] | undefined;
  for (const line of rest) {
    if (line.startsWith('@D ') || line.startsWith('@N ')) {
      cur = { path: line.slice(3), entries: [] };
      if (line.startsWith('@N ')) cur.error = `'${cur.path}' is not a directory`;
      out.roots.push(cur);
    } else if (line.startsWith('@E ') && cur) cur.error = line.slice(3);
    else if (line !== '' && cur) {
      const fields = line.split('|');
      const name = fields.slice(12).join('|');
      const path = posix.normalize(name);
      fields.length = 12;
      cur.entries.push({ path, name: posix.basename(path), parent: posix.dirname(path), mode: parseInt(fields[0]!, 16), fields });
    }
  }
  return out;
}

/** os.walk's order: a directory's files, then its directories, then each directory's walk. */
function walkOrder(root: string, entries: Entry[]): Entry[] {
  const kids = new Map<string, Entry[]>();
  for (const e of entries) kids.set(e.parent, [...(kids.get(e.parent) ?? []), e]);
  const out: Entry[] = [];
  const walk = (dir: string): void => {
    const list = kids.get(dir) ?? [];
    const dirs = list.filter((e) => (e.mode & S_IFMT) === 0o040000 || kids.has(e.path));
    out.push(...list.filter((e) => !dirs.includes(e)), ...dirs);
    for (const d of dirs) walk(d.path);
  };
  walk(posix.normalize(root).replace(/(.)\/$/, '$1'));
  return out;
}

function statinfo(e: Entry): Record<string, unknown> {
  const [, uid, gid, size, ino, dev, nlink, atime, mtime, ctime, pw, gr] = e.fields;
  const m = e.mode;
  const r: Record<string, unknown> = { path: e.path, mode: (m & 0o7777).toString(8).padStart(4, '0') };
  for (const [bits, key] of Object.entries(TYPES)) r[key] = (m & S_IFMT) === Number(bits);
  Object.assign(r, {
    uid: Number(uid), gid: Number(gid), size: Number(size), inode: Number(ino), dev: Number(dev), nlink: Number(nlink),
    atime: Number(atime), mtime: Number(mtime), ctime: Number(ctime), gr_name: gr === 'UNKNOWN' ? '' : gr, pw_name: pw === 'UNKNOWN' ? '' : pw,
    wusr: !!(m & 0o200), rusr: !!(m & 0o400), xusr: !!(m & 0o100), wgrp: !!(m & 0o20), rgrp: !!(m & 0o40), xgrp: !!(m & 0o10),
    woth: !!(m & 0o2), roth: !!(m & 0o4), xoth: !!(m & 0o1), isuid: !!(m & 0o4000), isgid: !!(m & 0o2000),
  });
  return r;
}

/** Ansible's pfilter: any pattern matches and no exclude does (regexes anchored at the start, as re.match). */
function nameFilter(args: FindArgs): (name: string) => boolean {
  const compile = (p: string): RegExp => (args.use_regex ? new RegExp(pyRegExp(p).source, `${pyRegExp(p).flags}y`) : fnmatchRegExp(p));
  const test = (re: RegExp, name: string): boolean => {
    re.lastIndex = 0;
    return re.test(name);
  };
  const patterns = (args.patterns.length ? args.patterns : [args.use_regex ? '.*' : '*']).map(compile);
  const excludes = (args.excludes ?? []).map(compile);
  return (name) => patterns.some((p) => test(p, name)) && !excludes.some((x) => test(x, name));
}

function contentMatches(data: Buffer, pattern: string, whole: boolean): boolean {
  const text = data.toString('utf8');
  if (whole) return pyRegExp(pattern).test(text);
  const re = new RegExp(pyRegExp(pattern).source, `${pyRegExp(pattern).flags}y`);
  return (text.match(/[^\n]*\n|[^\n]+$/g) ?? []).some((line) => {
    re.lastIndex = 0;
    return re.test(line);
  });
}

interface Found {
  data: Record<string, unknown>;
}

async function find(ctx: ModuleContext, args: FindArgs): Promise<Found> {
  const age = unitValue(args.age, 'age', AGE_UNITS);
  const size = unitValue(args.size, 'size', SIZE_UNITS);
  const r = await ctx.connection.exec(script(args), ctx.become ? { become: ctx.become } : {});
  if (r.rc !== 0 && r.stdout === '') throw new ModuleFailure(`find(${args.paths.join(', ')}): listing failed: ${r.stderr.trim()}`);
  const listed = parse(r.stdout);
  const named = nameFilter(args);
  const stampIdx = { atime: 7, mtime: 8, ctime: 9 }[args.age_stamp];
  const ageOk = (e: Entry): boolean => age === undefined || (age >= 0 ? listed.now - Number(e.fields[stampIdx]) >= age : listed.now - Number(e.fields[stampIdx]) <= -age);
  const sizeOk = (e: Entry): boolean => size === undefined || (size >= 0 ? Number(e.fields[3]) >= size : Number(e.fields[3]) <= -size);
  const files: Entry[] = [];
  const skipped: Record<string, string> = {};
  let examined = 0;
  for (const root of listed.roots) {
    if (root.error) {
      skipped[root.path] = root.error;
      continue;
    }
    const maxDepth = args.recurse && args.depth ? args.depth : Infinity;
    const rootDepth = posix.normalize(`${root.path.replace(/\/+$/, '')}/`).split('/').length - 1;
    const depthOf = (e: Entry): number => e.path.split('/').length - 1 - rootDepth + 1;
    for (const e of walkOrder(root.path, root.entries)) {
      examined++;
      if (depthOf(e) > maxDepth) continue;
      if (e.name.startsWith('.') && !args.hidden) continue;
      const kind = e.mode & S_IFMT;
      const isReg = kind === 0o100000;
      const wanted = args.file_type === 'any' ? !isReg || sizeOk(e)
        : args.file_type === 'directory' ? kind === 0o040000
          : args.file_type === 'link' ? kind === 0o120000
            : isReg && sizeOk(e);
      if (wanted && named(e.name) && ageOk(e)) files.push(e);
    }
  }
  const wantContent = args.file_type === 'file' && args.contains !== undefined;
  const regular = (e: Entry): boolean => (e.mode & S_IFMT) === 0o100000;
  const contents = await Promise.all(files.map((e) => ((wantContent || args.get_checksum) && regular(e) ? ctx.connection.readFile(e.path).catch(() => undefined) : undefined)));
  const result: Record<string, unknown>[] = [];
  files.forEach((e, i) => {
    const data = contents[i];
    if (wantContent && (data === undefined || !contentMatches(data, args.contains!, args.read_whole_file))) return;
    const info = statinfo(e);
    if (args.get_checksum && regular(e) && data !== undefined) info['checksum'] = createHash('sha1').update(data).digest('hex');
    result.push(info);
  });
  const msg = Object.keys(skipped).length ? 'Not all paths examined, check warnings for details' : 'All paths examined';
  return { data: { files: result, changed: false, msg, matched: result.length, examined, skipped_paths: skipped } };
}

export const findModule = defineModule({
  name: 'find',
  description: 'List files, directories or links under paths that match name patterns, content, age or size, with their stat fields',
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  validate(args) {
    const p: string[] = [];
    const check = (what: string, pats: readonly string[] | undefined): void => {
      for (const x of pats ?? []) {
        try {
          pyRegExp(x);
        } catch (e) {
          p.push(`${what}: invalid regular expression ${JSON.stringify(x)}: ${(e as Error).message}`);
        }
      }
    };
    if (args.use_regex) {
      check('patterns', args.patterns);
      check('excludes', args.excludes);
    }
    if (args.contains !== undefined) check('contains', [args.contains]);
    return p;
  },
  check: (ctx, args) => find(ctx, args),
  plan: (found) => ({ ok: true, reason: `${String(found.data['matched'])} of ${String(found.data['examined'])} entries matched`, data: found.data }),
});
