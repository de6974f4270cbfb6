/**
 * replace: every match of a Python regular expression in a file replaced, as ansible.builtin.replace
 * does it: the pattern compiled with MULTILINE, `\1` and `\g<name>` in the replacement, the search
 * limited to the text after `after` and/or before `before` (DOTALL), the real file of a symlink
 * edited, the new content validated before it replaces the file.
 */
import { shellQuote } from '../connection/connection.js';
import { pyRegExp, pySubn, parseTemplate } from './lib/pyre.js';
import { VALIDATE_ARG, validateProblems } from './lib/validate.js';
import type { CurrentFile, WriteChange } from './lib/write.js';
import { applyWrite, planWrite, readCurrent, writeTarget } from './lib/write.js';
import type { ArgsOf, ModuleContext, Plan } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

const ARGS = {
  path: { type: 'path', required: true, aliases: ['dest', 'destfile', 'name'], description: 'the file to edit (a symlink: the file it points to)' },
  regexp: { type: 'str', required: true, description: 'Python regular expression, compiled with MULTILINE (^ and $ match at every line); every match is replaced' },
  replace: { type: 'str', default: '', description: 'the replacement; \\1 and \\g<name> insert groups (empty: matches are removed)' },
  after: { type: 'str', description: 'only replace in the text after the first match of this expression' },
  before: { type: 'str', description: 'only replace in the text before the last match of this expression (with after: before its first match after after)' },
  backup: { type: 'bool', default: false, description: 'keep the previous file as PATH.PID.DATE@TIME~ (registered as backup_file)' },
  validate: VALIDATE_ARG,
  encoding: { type: 'str', default: 'utf-8', description: 'character encoding of the file (utf-8, latin-1, ascii, utf-16-le)' },
  mode: { type: 'mode', description: 'permissions: octal (0644) or symbolic (u=rw,g=r)' },
  owner: { type: 'str', description: 'owner name or uid' },
  group: { type: 'str', description: 'group name or gid' },
} as const;

export type ReplaceArgs = ArgsOf<typeof ARGS>;

const ENCODINGS: Record<string, BufferEncoding> = {
  'utf-8': 'utf8', utf8: 'utf8', 'latin-1': 'latin1', latin1: 'latin1', 'iso-8859-1': 'latin1', 'iso8859-1': 'latin1', ascii: 'latin1', 'us-ascii': 'latin1', 'utf-16-le': 'utf16le', 'utf-16le': 'utf16le',
};

function encodingOf(name: string): BufferEncoding | undefined {
  return ENCODINGS[name.toLowerCase().replace(/_/g, '-')];
}

/** The text between after and before, as Ansible's replace builds its section pattern. */
function sectionPattern(args: ReplaceArgs): string {
  if (args.after && args.before) return `${args.after}(?P<subsection>.*?)${args.before}`;
  if (args.after) return `${args.after}(?P<subsection>.*)`;
  if (args.before) return `(?P<subsection>.*)${args.before}`;
  return '';
}

export interface ReplaceEdit {
  text: string;
  msg: string;
  changed: boolean;
  /** after/before matched nothing: Ansible stops there (no attributes applied). */
  noSection?: boolean;
}

/** The edit, purely: Python's re.subn over the section. */
export function replaceText(contents: string, args: ReplaceArgs): ReplaceEdit {
  const pattern = sectionPattern(args);
  let section = contents;
  let start = 0;
  let end = contents.length;
  if (pattern) {
    const re = pyRegExp(pattern, { dotall: true });
    const m = new RegExp(re.source, `${re.flags}d`).exec(contents);
    const idx = m?.indices?.groups?.['subsection'];
    if (!m || !idx) return { text: contents, changed: false, noSection: true, msg: `Pattern for before/after params did not match the given file: ${pattern}` };
    [start, end] = idx;
    section = contents.slice(start, end);
  }
  const r = pySubn(pyRegExp(args.regexp, { multiline: true }, true), args.replace, section);
  if (r.count === 0 || r.text === section) return { text: contents, changed: false, msg: '' };
  return { text: contents.slice(0, start) + r.text + contents.slice(end), changed: true, msg: `${r.count} replacements made` };
}

interface ReplaceState {
  cur: CurrentFile;
  /** The file written: the target of a symlink. */
  real: string;
}

async function readState(ctx: ModuleContext, args: ReplaceArgs): Promise<ReplaceState> {
  let cur = await readCurrent(ctx, args.path, true);
  let real = args.path;
  if (cur.info.kind === 'link') {
    const r = await ctx.connection.exec(`realpath -- ${shellQuote(args.path)}`);
    if (r.rc !== 0) throw new ModuleFailure(`replace(${args.path}): cannot resolve the symlink: ${r.stderr.trim()}`, { rc: 257 });
    real = r.stdout.trim();
    cur = await readCurrent(ctx, real, true);
  }
  if (cur.info.exists && cur.info.kind === 'directory') throw new ModuleFailure(`replace(${args.path}): Path ${args.path} is a directory !`, { rc: 256 });
  if (!cur.info.exists) throw new ModuleFailure(`replace(${args.path}): Path ${args.path} does not exist !`, { rc: 257 });
  return { cur, real };
}

function plan(s: ReplaceState, args: ReplaceArgs, diffMode: boolean): Plan<WriteChange> {
  const enc = encodingOf(args.encoding)!;
  const contents = (s.cur.content ?? Buffer.alloc(0)).toString(enc);
  const edit = replaceText(contents, args);
  if (edit.noSection) return { ok: true, reason: edit.msg, data: { rc: 0, msg: edit.msg } };
  const target = writeTarget(s.real, edit.changed ? Buffer.from(edit.text, enc) : s.cur.content!, args);
  if (args.validate !== undefined) target.validate = { command: args.validate, style: 'edit', label: `replace(${args.path})` };
  const p = planWrite(s.cur, target, diffMode, { rc: 0 });
  if ('ok' in p) return { ...p, reason: `no match of ${JSON.stringify(args.regexp)} to replace`, data: { rc: 0, msg: '' } };
  const attrs = p.change.decision.attrs.after.length > 0;
  const msg = edit.changed ? `${edit.msg}${attrs ? ' and ownership, perms or SE linux context changed' : ''}` : 'ownership, perms or SE linux context changed';
  const diff = diffMode && edit.changed ? [{ path: args.path, before: contents, after: edit.text }, ...(p.diff ?? []).filter((d) => d.path !== s.real)] : p.diff;
  return { ...p, summary: `${s.real}: ${msg}`, ...(diff ? { diff } : {}), data: { rc: 0, msg } };
}

export const replace = defineModule({
  name: 'replace',
  description: 'Replace every match of a regular expression in a file (Python re syntax, multiline), with backreferences',
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  validate(args) {
    const p = validateProblems(args.validate);
    if (!encodingOf(args.encoding)) p.push(`encoding: unsupported encoding ${JSON.stringify(args.encoding)} (utf-8, latin-1, ascii, utf-16-le)`);
    for (const [k, v] of [['regexp', args.regexp], ['after', args.after], ['before', args.before]] as const) {
      if (v === undefined) continue;
      try {
        pyRegExp(v);
      } catch (e) {
        p.push(`${k}: invalid regular expression: ${(e as Error).message}`);
      }
    }
    try {
      parseTemplate(args.replace);
    } catch (e) {
      p.push(`replace: ${(e as Error).message}`);
    }
    return p;
  },
  check: (ctx, args) => readState(ctx, args),
  plan: (s, args, ctx) => plan(s, args, ctx.diffMode),
  apply: (ctx, c) => applyWrite(ctx, c),
});
