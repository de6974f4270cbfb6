/** blockinfile: a marked block of lines, inserted, updated or removed, like Ansible's. */
import type { EditResult } from './lib/lineedit.js';
import { applyEdit, EDIT_ARGS, planEdit, readForEdit, splitLines, stripEol } from './lib/lineedit.js';
import type { ArgsOf } from './types.js';
import { defineModule } from './types.js';
import { validateProblems } from './lib/validate.js';
import type { CurrentFile } from './lib/write.js';

const ARGS = {
  ...EDIT_ARGS,
  block: { type: 'str', default: '', aliases: ['content'] },
  marker: { type: 'str', default: '# {mark} ANSIBLE MANAGED BLOCK' },
  marker_begin: { type: 'str', default: 'BEGIN' },
  marker_end: { type: 'str', default: 'END' },
  state: { type: 'str', default: 'present', choices: ['present', 'absent'] },
  insertafter: { type: 'str' },
  insertbefore: { type: 'str' },
} as const;

export type BlockinfileArgs = ArgsOf<typeof ARGS>;

function anchor(lines: string[], args: BlockinfileArgs): number {
  if (args.insertbefore === 'BOF') return 0;
  const pattern = args.insertafter !== undefined && args.insertafter !== 'EOF' ? args.insertafter : args.insertbefore;
  if (pattern === undefined) return lines.length;
  const re = new RegExp(pattern);
  let idx = -1;
  for (let i = 0; i < lines.length; i++) if (re.test(lines[i]!)) idx = i;
  if (idx < 0) return lines.length;
  return args.insertafter !== undefined ? idx + 1 : idx;
}

export function editBlock(text: string, args: BlockinfileArgs): EditResult {
  const lines = splitLines(text).map(stripEol);
  const begin = args.marker.replace('{mark}', args.marker_begin);
  const end = args.marker.replace('{mark}', args.marker_end);
  const body = args.block === '' ? [] : args.block.replace(/\n$/, '').split('\n');
  const blockLines = args.state === 'present' && body.length > 0 ? [begin, ...body, end] : [];
  let n0 = lines.findIndex((l) => l === begin);
  const n1 = lines.findIndex((l) => l === end);
  if (n0 < 0 || n1 < 0) n0 = anchor(lines, args);
  else if (n0 < n1) lines.splice(n0, n1 - n0 + 1);
  else {
    lines.splice(n1, n0 - n1 + 1);
    n0 = n1;
  }
  lines.splice(n0, 0, ...blockLines);
  const out = lines.length ? `${lines.join('\n')}\n` : '';
  const normalized = splitLines(text).map(stripEol).join('\n') + (text === '' ? '' : '\n');
  if (out === normalized || out === text) {
    return { text, changed: false, msg: args.state === 'present' ? (blockLines.length ? 'block already present' : 'block already absent') : 'block already absent' };
  }
  return { text: out, changed: true, msg: blockLines.length ? (n1 >= 0 ? 'block updated' : 'block inserted') : 'block removed' };
}

function edit(cur: CurrentFile, args: BlockinfileArgs): EditResult {
  return editBlock((cur.content ?? Buffer.alloc(0)).toString('utf8'), args);
}

export const blockinfile = defineModule({
  name: 'blockinfile',
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  mutuallyExclusive: [['insertafter', 'insertbefore']],
  validate(args) {
    if (!args.marker.includes('{mark}')) return ['marker must contain {mark}'];
    const bad = validateProblems(args.validate);
    if (bad.length > 0) return bad;
    for (const v of [args.insertafter, args.insertbefore]) {
      if (v === undefined || v === 'EOF' || v === 'BOF') continue;
      try {
        new RegExp(v);
      } catch (e) {
        return [`invalid regular expression ${JSON.stringify(v)}: ${(e as Error).message}`];
      }
    }
    return [];
  },
  check: (ctx, args): Promise<CurrentFile> => readForEdit(ctx, 'blockinfile', args),
  plan: (cur, args, ctx) => planEdit('blockinfile', cur, args, edit(cur, args), ctx.diffMode, {}, ctx.checkMode),
  apply: (ctx, change) => applyEdit(ctx, change),
});
