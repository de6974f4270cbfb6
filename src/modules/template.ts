/** template: render a Jinja template from templates/ with the task's vars and write it like copy. */
import { decodeUtf8 } from '../util/utf8.js';
import { templateVars } from '../vars/managed.js';
import type { WriteState } from './lib/dest.js';
import { applyWriteState, planWriteState, readLocalSource, resolveDest } from './lib/dest.js';
import { defineModule, ModuleFailure } from './types.js';
import { readCurrent, writeTarget } from './lib/write.js';

export const template = defineModule({
  name: 'template',
  target: 'remote',
  checkMode: 'full',
  args: {
    src: { type: 'path', required: true },
    dest: { type: 'path', required: true },
    mode: { type: 'mode' },
    owner: { type: 'str' },
    group: { type: 'str' },
    backup: { type: 'bool', default: false },
    force: { type: 'bool', default: true },
    newline_sequence: { type: 'str', default: '\n', choices: ['\n', '\r', '\r\n'] },
  },
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
    return { label, dest, target: writeTarget(dest.path, Buffer.from(text), args, src.mode), cur };
  },
  plan: (s, args, ctx) => planWriteState(s, args.force, ctx.diffMode),
  apply: (ctx, c) => applyWriteState(ctx, c),
});
