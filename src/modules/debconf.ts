/**
 * debconf: a debconf answer preseeded, as Ansible's debconf: the package's current answers read
 * with `debconf-show NAME`, and a question whose answer differs (booleans compared in lower
 * case) set with `debconf-set-selections` (`-u` with unseen). Without a question it reports the
 * current answers. A password is never shown by debconf-show, so it is always set, as Ansible's.
 */
import { argv, sh } from './lib/sh.js';
import { defineModule, ModuleFailure } from './types.js';

/** Python's str() of a YAML scalar given as the answer. */
const pyStr = (v: unknown): string => (v === true ? 'True' : v === false ? 'False' : String(v));

/** get_selections: `key: value` lines, the key without its leading `*`. */
export function parseDebconfShow(out: string): Record<string, string> {
  const sel: Record<string, string> = {};
  for (const line of out.split('\n')) {
    if (!line) continue;
    const i = line.indexOf(':');
    if (i < 0) throw new ModuleFailure(`debconf-show: unexpected line: ${line}`);
    sel[line.slice(0, i).replace(/^\*+|\*+$/g, '').trim()] = line.slice(i + 1).trim();
  }
  return sel;
}

export const debconf = defineModule({
  name: 'debconf',
  description: 'Preseed a debconf answer (debconf-set-selections) when the current one (debconf-show) differs',
  target: 'remote',
  checkMode: 'full',
  args: {
    name: { type: 'str', required: true, aliases: ['pkg'], description: 'the package the question belongs to' },
    question: { type: 'str', aliases: ['selection', 'setting'], description: 'the question (e.g. tzdata/Areas)' },
    vtype: { type: 'str', choices: ['boolean', 'error', 'multiselect', 'note', 'password', 'seen', 'select', 'string', 'text', 'title'], description: 'the answer\'s type' },
    value: { type: 'raw', aliases: ['answer'], description: 'the answer' },
    unseen: { type: 'bool', default: false, description: 'do not mark the question as seen (debconf-set-selections -u)' },
  },
  validate: (args) => {
    const given = [args.question, args.vtype, args.value].filter((x) => x !== undefined).length;
    return given !== 0 && given !== 3 ? ['parameters are required together: question, vtype, value'] : [];
  },
  async check(ctx, args): Promise<Record<string, string>> {
    const r = await sh(ctx, `debconf-show ${argv([args.name])}`);
    if (r.rc !== 0) throw new ModuleFailure(r.stderr.trim() || `debconf-show ${args.name}: rc ${r.rc}`);
    return parseDebconfShow(r.stdout);
  },
  plan(prev, args, ctx) {
    if (args.question === undefined) return { ok: true, reason: `${Object.keys(prev).length} answers of ${args.name}`, data: { current: prev, msg: '' } };
    let value = pyStr(args.value);
    let changed = !(args.question in prev);
    if (!changed) {
      let existing = prev[args.question]!;
      if (args.vtype === 'boolean') {
        value = value.toLowerCase();
        existing = existing.toLowerCase();
      }
      changed = value !== existing;
    }
    if (!changed) return { ok: true, reason: `${args.question} is ${args.vtype === 'password' ? '(hidden)' : value}`, data: { current: prev, msg: '' } };
    const previous = { [args.question]: prev[args.question] ?? '' };
    const current = { [args.question]: value };
    const line = [args.name, args.question, args.vtype!, args.vtype === 'boolean' && value === 'True' ? 'true' : args.vtype === 'boolean' && value === 'False' ? 'false' : value].join(' ');
    return {
      change: { line, unseen: args.unseen },
      summary: `set ${args.name} ${args.question}`,
      ...(ctx.diffMode ? { diff: [{ path: args.question, before: `${previous[args.question]}\n`, after: `${value}\n` }] } : {}),
      data: { current, previous, msg: '' },
    };
  },
  async apply(ctx, c) {
    const r = await sh(ctx, `debconf-set-selections${c.unseen ? ' -u' : ''}`, `${c.line}\n`);
    if (r.rc !== 0) throw new ModuleFailure(r.stderr.trim() || `debconf-set-selections: rc ${r.rc}`);
    return { msg: r.stdout };
  },
});
