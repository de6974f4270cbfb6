/**
 * tempfile: a new temporary file or directory on the host, as Ansible's tempfile: named
 * prefix + 8 random characters of [a-z0-9_] + suffix (Python's tempfile names) in `path` or the
 * host's $TMPDIR (else /tmp), created exclusively with mode 0600 (file) or 0700 (directory).
 * Always changed; skipped in --check, as Ansible's (no check mode support).
 */
import { randomInt } from 'node:crypto';
import { argv, sh } from './lib/sh.js';
import { formatMode } from './lib/mode.js';
import { ownership } from './lib/write.js';
import { defineModule, ModuleFailure } from './types.js';

const CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_';
const randomName = (): string => Array.from({ length: 8 }, () => CHARS[randomInt(CHARS.length)]).join('');

export const tempfile = defineModule({
  name: 'tempfile',
  description: 'Create a temporary file or directory on the host and return its path',
  target: 'remote',
  checkMode: 'none',
  args: {
    state: { type: 'str', default: 'file', choices: ['file', 'directory'], description: 'make a file or a directory' },
    path: { type: 'path', description: 'the directory to create it in (default: the host\'s $TMPDIR, else /tmp)' },
    prefix: { type: 'str', default: 'ansible.', description: 'the start of its name' },
    suffix: { type: 'str', default: '', description: 'the end of its name' },
  },
  check: async () => undefined,
  plan(_s, args) {
    return { change: args, summary: `create a temporary ${args.state}` };
  },
  async apply(ctx, a) {
    const dir = a.path !== undefined ? argv([a.path.replace(/\/+$/, '') || '/']) : '"${TMPDIR:-/tmp}"';
    for (let attempt = 0; attempt < 10; attempt++) {
      const name = argv([`${a.prefix}${randomName()}${a.suffix}`]);
      const make = a.state === 'directory' ? `(umask 077; mkdir "$p")` : `(umask 077; set -C; : > "$p") 2>/dev/null`;
      const r = await sh(ctx, `p=${dir}/${name}; if [ -e "$p" ] || [ -L "$p" ]; then echo EXISTS; exit 0; fi; ${make} || exit 1; printf '%s' "$p"`);
      if (r.rc !== 0) throw new ModuleFailure(`tempfile: cannot create a temporary ${a.state} in ${a.path ?? 'the temporary directory'}: ${(r.stderr || r.stdout).trim() || `rc ${r.rc}`}`);
      if (r.stdout.trim() === 'EXISTS') continue;
      const path = r.stdout;
      const info = await ctx.connection.stat(path);
      return { path, state: a.state, ...ownership(info), ...(info.mode !== undefined ? { mode: formatMode(info.mode) } : {}), ...(info.size !== undefined ? { size: info.size } : {}) };
    }
    throw new ModuleFailure('tempfile: no free name after 10 attempts');
  },
});
