/**
 * assemble: a file put together from a directory of fragments, as Ansible's assemble: the
 * regular files of `src` sorted by name (filtered by `regexp` on the name, hidden ones skipped
 * with ignore_hidden), a newline added after a fragment that lacks one, `delimiter` (escapes
 * decoded, a newline after it) between fragments. The result is written as copy writes (mode,
 * owner, group, backup, validate). `src` is on the host unless remote_src is false.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { argv, sh } from './lib/sh.js';
import { pyRegExp } from './lib/pyre.js';
import { VALIDATE_ARG, validateProblems, withValidate } from './lib/validate.js';
import { applyWrite, planWrite, readCurrent, writeTarget, type CurrentFile } from './lib/write.js';
import type { ModuleContext } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

/** Python's codecs.escape_decode of the common escapes (\n, \t, \\, \xHH, octal). */
function escapeDecode(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v' };
    return map[e] ?? `\\${e}`;
  });
}

/** assemble_from_fragments. */
export function assembleFragments(fragments: { name: string; content: Buffer }[], delimiter: string | undefined): Buffer {
  const out: Buffer[] = [];
  let delimitMe = false;
  let addNewline = false;
  for (const f of fragments) {
    if (addNewline) out.push(Buffer.from('\n'));
    if (delimitMe && delimiter) {
      const d = escapeDecode(delimiter);
      out.push(Buffer.from(d, 'latin1'));
      if (!d.endsWith('\n')) out.push(Buffer.from('\n'));
    }
    out.push(f.content);
    delimitMe = true;
    addNewline = !f.content.toString('latin1').endsWith('\n');
  }
  return Buffer.concat(out);
}

const byName = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function remoteFragments(ctx: ModuleContext, src: string): Promise<{ name: string; content: Buffer }[]> {
  const r = await sh(ctx, `[ -d ${argv([src])} ] || { echo "Source (${src.replace(/[\\"$`]/g, '')}) is not a directory" >&2; exit 2; }; find ${argv([src])} -mindepth 1 -maxdepth 1 -exec sh -c 'for p; do [ -f "$p" ] && printf "%s\\0" "\${p##*/}"; done; exit 0' sh {} +`);
  if (r.rc !== 0) throw new ModuleFailure(r.stderr.trim() || `Source (${src}) is not a directory`);
  const names = r.stdout.split('\0').filter((n) => n !== '').sort(byName);
  const out: { name: string; content: Buffer }[] = [];
  for (const name of names) out.push({ name, content: await ctx.connection.readFile(`${src.replace(/\/+$/, '')}/${name}`) });
  return out;
}

function localFragments(dir: string): { name: string; content: Buffer }[] {
  return readdirSync(dir)
    .sort(byName)
    .filter((n) => statSync(join(dir, n)).isFile())
    .map((name) => ({ name, content: readFileSync(join(dir, name)) }));
}

export const assemble = defineModule({
  name: 'assemble',
  description: 'Assemble a file from a directory of fragments (sorted by name), written as copy writes',
  target: 'remote',
  checkMode: 'full',
  args: {
    src: { type: 'path', required: true, description: 'the directory of fragments (on the host unless remote_src is false)' },
    dest: { type: 'path', required: true, description: 'the file to write' },
    regexp: { type: 'str', description: 'only fragments whose name this (Python) regular expression matches' },
    delimiter: { type: 'str', description: 'text put between fragments (escapes like \\n decoded)' },
    ignore_hidden: { type: 'bool', default: false, description: 'skip fragments whose name starts with a dot' },
    remote_src: { type: 'bool', default: true, description: 'false: src is on the control machine (role files/, then beside the playbook)' },
    mode: { type: 'mode', description: 'permissions of dest' },
    owner: { type: 'str', description: 'owner name or uid' },
    group: { type: 'str', description: 'group name or gid' },
    backup: { type: 'bool', default: false, description: 'keep the previous file as PATH.PID.DATE@TIME~ (registered as backup_file)' },
    validate: VALIDATE_ARG,
  },
  validate: (args) => validateProblems(args.validate),
  async check(ctx, args): Promise<{ content: Buffer; cur: CurrentFile }> {
    let frags = args.remote_src ? await remoteFragments(ctx, args.src) : localFragments(ctx.findFile('files', args.src));
    if (args.regexp !== undefined) {
      const re = pyRegExp(args.regexp);
      frags = frags.filter((f) => re.test(f.name));
    }
    if (args.ignore_hidden) frags = frags.filter((f) => !f.name.startsWith('.'));
    const content = assembleFragments(frags, args.delimiter);
    return { content, cur: await readCurrent(ctx, args.dest, ctx.diffMode) };
  },
  plan(s, args, ctx) {
    const target = withValidate(writeTarget(args.dest, s.content, args), args.validate, `assemble ${args.dest}`);
    return planWrite(s.cur, target, ctx.diffMode, { dest: args.dest, src: args.src });
  },
  apply: (ctx, change) => applyWrite(ctx, change),
});
