/**
 * ini_file: one option (or section) of an INI file set or removed, line by line as
 * community.general.ini_file (6.x, shipped with ansible 7 / ansible-core 2.14) edits it: comments
 * and the rest of the file untouched, `option = value` (or `option=value`), several values of one
 * option with `values`, `exclusive`, options without a value, a whole section removed.
 */
import { pyRegExp } from './lib/pyre.js';
import type { CurrentFile, WriteChange } from './lib/write.js';
import { applyWrite, planWrite, readCurrent, writeTarget } from './lib/write.js';
import type { ArgsOf, ModuleContext, Plan } from './types.js';
import { defineModule, missingInput, ModuleFailure } from './types.js';

const ARGS = {
  path: { type: 'path', required: true, aliases: ['dest'], description: 'the INI file' },
  section: { type: 'str', description: 'section name, without brackets; unset: the options before the first section' },
  option: { type: 'str', description: 'the option; unset with state=absent: the whole section is removed' },
  value: { type: 'str', description: 'the option\'s value' },
  values: { type: 'list', elements: 'str', description: 'several values of the option, one line each' },
  backup: { type: 'bool', default: false, description: 'keep the previous file as PATH.PID.DATE@TIME~ (registered as backup_file)' },
  state: { type: 'str', default: 'present', choices: ['absent', 'present'], description: 'present: set the option (or add the section); absent: remove it' },
  exclusive: { type: 'bool', default: true, description: 'present: remove other values of the option; absent: remove the option whatever its value (false: only the given values)' },
  no_extra_spaces: { type: 'bool', default: false, description: 'write option=value instead of option = value' },
  allow_no_value: { type: 'bool', default: false, description: 'allow an option without a value (a line with the option alone)' },
  create: { type: 'bool', default: true, description: 'create the file (and its directory) when missing; false: fail' },
  mode: { type: 'mode', description: 'permissions: octal (0644) or symbolic (u=rw,g=r)' },
  owner: { type: 'str', description: 'owner name or uid' },
  group: { type: 'str', description: 'group name or gid' },
} as const;

export type IniArgs = ArgsOf<typeof ARGS>;

const FAKE_SECTION = 'ad01e11446efb704fcdbdb21f2c43757423d91c5';
const BLANK_OR_COMMENT = /^[ \t]*([#;].*)?$/;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Python's re.match of the option line pattern (commented-out lines too, unless active). */
function optMatcher(option: string, active: boolean): (line: string) => RegExpExecArray | null {
  const re = pyRegExp(`^${active ? '' : '[#;]?'}( |\t)*(${escapeRe(option)})( |\t)*(=|$)( |\t)*(.*)`);
  return (line) => re.exec(line);
}

export interface IniEdit {
  text: string;
  changed: boolean;
  msg: string;
}

function splitKeepEnds(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** community.general.ini_file's do_ini, purely: the new text, whether it changed, and its msg. */
export function editIni(text: string, args: IniArgs): IniEdit {
  const option = args.option;
  const allowNoValue = args.allow_no_value;
  const values: string[] = [];
  for (const v of args.value !== undefined ? [args.value] : (args.values ?? [])) if (!values.includes(v)) values.push(v);
  let lines = splitKeepEnds(text.replace(/^\uFEFF/, ''));
  let changed = false;
  if (lines.length === 0) lines.push('\n');
  if (!lines[lines.length - 1]!.endsWith('\n')) {
    lines[lines.length - 1] += '\n';
    changed = true;
  }
  lines.unshift(`[${FAKE_SECTION}]`);
  lines.push('[');
  const section = args.section || FAKE_SECTION;
  let within = false;
  let start = 0;
  let end = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.startsWith(`[${section}]`)) {
      within = true;
      start = i;
    } else if (lines[i]!.startsWith('[') && within) {
      end = i;
      break;
    }
  }
  const before = lines.slice(0, start);
  let sect = lines.slice(start, end);
  const after = lines.slice(end);
  let touched = sect.map(() => false);
  let msg = 'OK';
  const fmt = (o: string, v: string): string => (args.no_extra_spaces ? `${o}=${v}\n` : `${o} = ${v}\n`);
  const update = (i: number, line: string): void => {
    if (sect[i] !== line) {
      changed = true;
      msg = 'option changed';
    }
    sect[i] = line;
    touched[i] = true;
  };
  let noValuePresent = false;
  const present = args.state === 'present';
  if (present && option) {
    const match = optMatcher(option, false);
    for (let i = 0; i < sect.length; i++) {
      const m = match(sect[i]!);
      if (!m) continue;
      const val = m[6]!;
      if (values.length > 0 && values.includes(val)) {
        if (!val && allowNoValue) {
          update(i, `${option}\n`);
          noValuePresent = true;
        } else update(i, fmt(option, val));
        values.splice(values.indexOf(val), 1);
      } else if (values.length === 0 && allowNoValue) {
        update(i, `${option}\n`);
        noValuePresent = true;
        break;
      }
    }
  }
  if (present && option && args.exclusive && !allowNoValue) {
    const match = optMatcher(option, false);
    if (values.length > 0) {
      for (let i = 0; i < sect.length; i++) {
        if (touched[i] || !match(sect[i]!)) continue;
        update(i, fmt(option, values.shift()!));
        if (values.length === 0) break;
      }
    }
    for (let i = sect.length - 1; i > 0; i--) {
      if (!touched[i] && match(sect[i]!)) {
        sect.splice(i, 1);
        touched.splice(i, 1);
        changed = true;
        msg = 'option changed';
      }
    }
  }
  if (present) {
    for (let i = sect.length; i > 0; i--) {
      if (BLANK_OR_COMMENT.test(sect[i - 1]!.replace(/\n$/, ''))) continue;
      if (option && values.length > 0) {
        sect.splice(i, 0, ...values.map((v) => fmt(option, v)));
        msg = 'option added';
        changed = true;
      } else if (option && values.length === 0 && allowNoValue && !noValuePresent) {
        sect.splice(i, 0, `${option}\n`);
        msg = 'option added';
        changed = true;
      }
      break;
    }
  }
  if (args.state === 'absent') {
    if (option) {
      const active = optMatcher(option, true);
      const kept = args.exclusive ? sect.filter((l) => !active(l)) : values.length > 0 ? sect.filter((l) => !(active(l) && values.includes(active(l)![6]!))) : sect;
      if (kept.length !== sect.length) {
        changed = true;
        msg = 'option changed';
        sect = kept;
        touched = sect.map(() => false);
      }
    } else if (sect.length > 0) {
      sect = [];
      msg = 'section removed';
      changed = true;
    }
  }
  lines = [...before, ...sect, ...after].slice(1, -1);
  if (!within && present) {
    lines.push(`[${section}]\n`);
    msg = 'section and option added';
    if (option && values.length > 0) lines.push(...values.map((v) => fmt(option, v)));
    else if (option && allowNoValue) lines.push(`${option}\n`);
    else msg = 'only section added';
    changed = true;
  }
  return { text: lines.join(''), changed, msg };
}

async function readIni(ctx: ModuleContext, args: IniArgs): Promise<CurrentFile> {
  const cur = await readCurrent(ctx, args.path, true);
  if (cur.info.kind === 'directory') throw new ModuleFailure(`ini_file(${args.path}): ${args.path} is a directory`);
  if (!cur.info.exists && !args.create) missingInput(ctx, `ini_file(${args.path}): Destination ${args.path} does not exist!`, `would edit ${args.path} (check mode: it does not exist yet)`);
  return cur;
}

function plan(cur: CurrentFile, args: IniArgs, diffMode: boolean): Plan<IniChange> {
  const before = (cur.content ?? Buffer.alloc(0)).toString('utf8');
  const edit = editIni(before, args);
  const data = { path: args.path, msg: edit.msg };
  if (!edit.changed && !cur.info.exists) return { ok: true, reason: `${args.path} does not exist and nothing is to be added`, data };
  const target = writeTarget(args.path, edit.changed ? Buffer.from(edit.text) : cur.content!, args);
  const p = planWrite(cur, target, false, data);
  if ('ok' in p) return { ...p, reason: `${args.section ? `[${args.section}] ` : ''}${args.option ?? ''}: ${edit.msg === 'OK' ? 'already as wanted' : edit.msg}`.trim() };
  const diff = diffMode && edit.changed ? [{ path: `${args.path} (content)`, before, after: edit.text }] : [];
  const change: IniChange = { write: p.change, ...(cur.info.exists ? {} : { mkdir: args.path.replace(/\/[^/]*$/, '') || '/' }) };
  return { change, summary: `${args.path}: ${edit.changed ? edit.msg : p.summary}`, ...(diff.length ? { diff } : {}), data };
}

interface IniChange {
  write: WriteChange;
  /** The file is new: its directory is made when missing, as Ansible's os.makedirs. */
  mkdir?: string;
}

export const ini_file = defineModule({
  name: 'ini_file',
  aliases: ['community.general.ini_file'],
  description: 'Set or remove one option (or a whole section) of an INI file, leaving comments and other lines as they are',
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  mutuallyExclusive: [['value', 'values']],
  validate(args) {
    if (args.state === 'present' && !args.allow_no_value && args.value === undefined && !(args.values ?? []).length) {
      return ["Parameter 'value(s)' must be defined if state=present and allow_no_value=False."];
    }
    return [];
  },
  check: (ctx, args) => readIni(ctx, args),
  plan: (cur, args, ctx) => plan(cur, args, ctx.diffMode),
  async apply(ctx, c) {
    if (c.mkdir) {
      const st = await ctx.connection.stat(c.mkdir);
      if (!st.exists) await ctx.connection.mkdir(c.mkdir);
    }
    return applyWrite(ctx, c.write);
  },
});
