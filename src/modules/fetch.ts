/**
 * fetch: a file of the host copied to the control machine, as Ansible's fetch: into
 * dest/<inventory_hostname>/<src path>, or dest itself with flat (dest ending in / takes the
 * file's name). A relative dest is under the playbook's directory. Unchanged when the local copy
 * has the same SHA-1; validate_checksum compares the copy with the host's file. Skipped under
 * --check, as Ansible's.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { defineModule, ModuleFailure } from './types.js';

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

function localSha1(p: string): string | undefined {
  try {
    return statSync(p).isFile() ? sha1(readFileSync(p)) : undefined;
  } catch {
    return undefined;
  }
}

interface Fetched {
  src: string;
  dest: string;
  content?: Buffer;
  missing?: string;
}

export const fetchModule = defineModule({
  name: 'fetch',
  description: 'Copy a file from the host to the control machine (dest/<inventory_hostname>/<src path>, or dest itself with flat)',
  target: 'remote',
  checkMode: 'none',
  args: {
    src: { type: 'str', required: true, description: 'the file on the host (not a directory)' },
    dest: { type: 'str', required: true, description: 'the directory (or with flat, the file) on the control machine; relative to the playbook\'s directory' },
    fail_on_missing: { type: 'bool', default: true, description: 'fail when src does not exist or cannot be read' },
    validate_checksum: { type: 'bool', default: true, description: 'check the copy\'s checksum against the host\'s file' },
    flat: { type: 'bool', default: false, description: 'dest is the file itself (or a directory, ending in /, to put it in by its name)' },
  },
  async check(ctx, args): Promise<Fetched> {
    const src = path.posix.normalize(args.src);
    let dest = args.dest.startsWith('~') ? path.join(homedir(), args.dest.slice(1)) : args.dest;
    if (!path.isAbsolute(dest)) dest = path.join(String(ctx.vars['playbook_dir'] ?? process.cwd()), dest);
    if (args.flat) {
      if (args.dest.endsWith('/')) dest = path.join(dest, path.posix.basename(src));
    } else dest = path.join(dest, ctx.host, src);
    dest = path.normalize(dest);
    const info = await ctx.connection.stat(src);
    if (info.exists && info.kind === 'directory') throw new ModuleFailure('remote file is a directory, fetch cannot work on directories');
    if (!info.exists) return { src, dest, missing: 'the remote file does not exist, not transferring, ignored' };
    let content: Buffer;
    try {
      content = await ctx.connection.readFile(src);
    } catch {
      return { src, dest, missing: 'unable to read the remote file, not transferring, ignored' };
    }
    return { src, dest, content };
  },
  plan(s, args) {
    if (s.missing !== undefined || s.content === undefined) {
      if (args.fail_on_missing) throw new ModuleFailure(s.missing ?? 'the remote file does not exist');
      return { ok: true, reason: s.missing ?? 'no file', data: { file: s.src, msg: s.missing } };
    }
    const sum = sha1(s.content);
    if (localSha1(s.dest) === sum) return { ok: true, reason: `${s.dest} has the same content`, data: { md5sum: md5(s.content), file: s.src, dest: s.dest, checksum: sum } };
    return { change: { dest: s.dest, content: s.content, validate: args.validate_checksum }, summary: `fetch ${s.src} to ${s.dest}` };
  },
  async apply(_ctx, c) {
    mkdirSync(path.dirname(c.dest), { recursive: true });
    const tmp = `${c.dest}.${process.pid}.tmp`;
    writeFileSync(tmp, c.content);
    renameSync(tmp, c.dest);
    const remote = sha1(c.content);
    const local = localSha1(c.dest);
    if (c.validate && local !== remote) throw new ModuleFailure('checksum mismatch', { file: c.dest, dest: c.dest, remote_checksum: remote, checksum: local });
    return { md5sum: md5(c.content), dest: c.dest, remote_md5sum: null, checksum: local, remote_checksum: remote };
  },
});
