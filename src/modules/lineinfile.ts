/** lineinfile: ensure a line is present (or replaced via regexp) or absent, like Ansible's. */
import type { EditResult } from './lib/lineedit.js';
import { applyEdit, EDIT_ARGS, planEdit, readForEdit, splitLines, stripEol } from './lib/lineedit.js';
import type { ArgsOf } from './types.js';
import { defineModule } from './types.js';
import { validateProblems } from './lib/validate.js';
import type { CurrentFile } from './lib/write.js';

const ARGS = {
  ...EDIT_ARGS,
  line: { type: 'str', aliases: ['value'] },
  regexp: { type: 'str', aliases: ['regex'] },
  search_string: { type: 'str' },
  state: { type: 'str', default: 'present', choices: ['present', 'absent'] },
  insertafter: { type: 'str' },
  insertbefore: { type: 'str' },
  backrefs: { type: 'bool', default: false },
  firstmatch: { type: 'bool', default: false },
} as const;

export type LineinfileArgs = ArgsOf<typeof ARGS>;

/** Python's `\1` / `\g<name>` backrefs → the match's groups. */
function expand(template: string, m: RegExpExecArray): string {
  return template.replace(/\\(\d+)|\\g<(\w+)>/g, (_s, n: string | undefined, name: string | undefined) => {
    const v = n !== undefined ? m[Number(n)] : /^\d+$/.test(name!) ? m[Number(name)] : m.groups?.[name!];
    return v ?? '';
  });
}

function findIndex(lines: string[], test: (l: string) => boolean, first: boolean): number {
  let idx = -1;
  for (let i = 0; i < lines.length; i++) {
    if (test(stripEol(lines[i]!))) {
      idx = i;
      if (first) break;
    }
  }
  return idx;
}

function matcher(args: LineinfileArgs): ((l: string) => boolean) | undefined {
  if (args.regexp !== undefined) {
    const re = new RegExp(args.regexp);
    return (l) => re.test(l);
  }
  if (args.search_string !== undefined) return (l) => l.includes(args.search_string!);
  return undefined;
}

function insertIndex(lines: string[], args: LineinfileArgs): number {
  if (args.insertbefore === 'BOF') return 0;
  if (args.insertafter !== undefined && args.insertafter !== 'EOF') {
    const re = new RegExp(args.insertafter);
    const i = findIndex(lines, (l) => re.test(l), args.firstmatch);
    if (i >= 0) return i + 1;
  } else if (args.insertbefore !== undefined) {
    const re = new RegExp(args.insertbefore);
    const i = findIndex(lines, (l) => re.test(l), args.firstmatch);
    if (i >= 0) return i;
  }
  return lines.length;
}

export function present(text: string, args: LineinfileArgs): EditResult {
  const lines = splitLines(text);
  const line = args.line!;
  const match = matcher(args);
  const exact = (l: string): boolean => l === line;
  const idx = findIndex(lines, match ?? exact, args.firstmatch);
  if (idx >= 0) {
    let newLine = line;
    if (args.backrefs && args.regexp !== undefined) newLine = expand(line, new RegExp(args.regexp).exec(stripEol(lines[idx]!))!);
    if (stripEol(lines[idx]!) === newLine) return { text, changed: false, msg: 'line already present' };
    lines[idx] = `${newLine}${lines[idx]!.endsWith('\n') ? '\n' : ''}`;
    return { text: lines.join(''), changed: true, msg: 'line replaced' };
  }
  if (args.backrefs) return { text, changed: false, msg: 'regexp did not match (backrefs: nothing done)' };
  if (match && findIndex(lines, exact, false) >= 0) return { text, changed: false, msg: 'line already present' };
  const at = insertIndex(lines, args);
  if (at > 0 && at <= lines.length && stripEol(lines[at - 1]!) === line && args.insertafter && args.insertafter !== 'EOF') {
    return { text, changed: false, msg: 'line already present' };
  }
  if (at > 0 && !lines[at - 1]!.endsWith('\n')) lines[at - 1] += '\n';
  lines.splice(at, 0, `${line}\n`);
  return { text: lines.join(''), changed: true, msg: 'line added' };
}

export function absent(text: string, args: LineinfileArgs): EditResult {
  const lines = splitLines(text);
  const test = matcher(args) ?? ((l: string) => l === args.line);
  const kept = lines.filter((l) => !test(stripEol(l)));
  const n = lines.length - kept.length;
  return n === 0 ? { text, changed: false, msg: 'line already absent', found: 0 } : { text: kept.join(''), changed: true, msg: `${n} line(s) removed`, found: n };
}

function edit(cur: CurrentFile, args: LineinfileArgs): EditResult {
  const text = (cur.content ?? Buffer.alloc(0)).toString('utf8');
  return args.state === 'absent' ? absent(text, args) : present(text, args);
}

export const lineinfile = defineModule({
  name: 'lineinfile',
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  mutuallyExclusive: [['insertafter', 'insertbefore'], ['regexp', 'search_string'], ['backrefs', 'search_string']],
  validate(args) {
    const p: string[] = validateProblems(args.validate);
    if (args.state === 'present' && args.line === undefined) p.push('line is required with state=present');
    if (args.state === 'absent' && args.line === undefined && args.regexp === undefined && args.search_string === undefined) p.push('one of line, regexp or search_string is required with state=absent');
    if (args.backrefs && args.regexp === undefined) p.push('regexp is required with backrefs=true');
    for (const k of ['regexp', 'insertafter', 'insertbefore'] as const) {
      const v = args[k];
      if (v === undefined || v === 'EOF' || v === 'BOF') continue;
      try {
        new RegExp(v);
      } catch (e) {
        p.push(`${k}: invalid regular expression: ${(e as Error).message}`);
      }
    }
    return p;
  },
  check: (ctx, args): Promise<CurrentFile> => readForEdit(ctx, 'lineinfile', args),
  plan: (cur, args, ctx) => planEdit('lineinfile', cur, args, edit(cur, args), ctx.diffMode, {}, ctx.checkMode),
  apply: (ctx, change) => applyEdit(ctx, change),
});
