/** template: render a Jinja template from templates/ with the task's vars and write it like copy. */
import { decodeUtf8 } from '../util/utf8.js';
import { templateVars } from '../vars/managed.js';
import type { WriteState } from './lib/dest.js';
import { applyWriteState, planWriteState, readLocalSource, resolveDest } from './lib/dest.js';
import { defineModule, ModuleFailure } from './types.js';
import { readCurrent, writeTarget } from './lib/write.js';
import { VALIDATE_ARG, validateProblems, withValidate } from './lib/validate.js';

export const template = defineModule({
  name: 'template',
  description: 'Render a Jinja template from templates/ with the task\'s variables and write it on the host, atomically',
  target: 'remote',
  checkMode: 'full',
  args: {
    src: { type: 'path', required: true, description: 'template file, looked up in the role\'s templates/ then beside the playbook' },
    dest: { type: 'path', required: true, description: 'file to write; a directory (or a path ending in /) gets the template\'s name' },
    mode: { type: 'mode', description: 'permissions: octal (0644), symbolic (u=rw,g=r) or preserve (the template file\'s)' },
    owner: { type: 'str', description: 'owner name or uid' },
    group: { type: 'str', description: 'group name or gid' },
    backup: { type: 'bool', default: false, description: 'keep the previous file as PATH.PID.DATE@TIME~ (registered as backup_file)' },
    force: { type: 'bool', default: true, description: 'false: leave an existing destination alone' },
    newline_sequence: { type: 'str', default: '\n', choices: ['\n', '\r', '\r\n'], description: 'line ending of the written file' },
    validate: VALIDATE_ARG,
  },
  validate: (args) => validateProblems(args.validate),
  async check(ctx, args): Promise<WriteState> {
    const label = `template(${args.dest})`;
    const src = await readLocalSource(ctx, 'templates', args.src, label);
    let text: string;
    try {
      text = decodeUtf8(src.content, src.path);
    } catch (e) {
      throw new ModuleFailure(`${label}: ${(e as Error).message}`);
    }
    try {
      text = ctx.render(text, templateVars(ctx.vars['orchestrate_ansible_managed'], args.src, src.path, args.dest));
    } catch (e) {
      throw new ModuleFailure(`${label}: rendering ${args.src} failed: ${(e as Error).message}`);
    }
    if (args.newline_sequence !== '\n') text = text.replace(/\n/g, args.newline_sequence);
    const dest = await resolveDest(ctx, label, args.dest, args.src, ctx.diffMode);
    const cur = dest.cur ?? (await readCurrent(ctx, dest.path, ctx.diffMode));
    return { label, dest, target: withValidate(writeTarget(dest.path, Buffer.from(text), args, src.mode), args.validate, label), cur };
  },
  plan: (s, args, ctx) => planWriteState(s, args.force, ctx.diffMode),
  apply: (ctx, c) => applyWriteState(ctx, c),
});
