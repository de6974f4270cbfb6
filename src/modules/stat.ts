/** stat: facts about a path (exists, kind, mode "0644", owner, size, checksums). Never changes. */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { FileInfo } from '../connection/connection.js';
import { formatMode } from './lib/mode.js';
import { statExtra } from './lib/stat-extra.js';
import { defineModule } from './types.js';

export type StatState = { info: FileInfo; checksums?: Record<string, string>; extra?: Record<string, unknown> };

const PERM_BITS: [string, number][] = [
  ['rusr', 0o400], ['wusr', 0o200], ['xusr', 0o100], ['rgrp', 0o040], ['wgrp', 0o020], ['xgrp', 0o010], ['roth', 0o004], ['woth', 0o002], ['xoth', 0o001],
];

function describe(path: string, info: FileInfo, checksums: Record<string, string> | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  if (!info.exists) return { exists: false };
  const mode = info.mode ?? 0;
  return {
    exists: true,
    path,
    isdir: info.kind === 'directory',
    isreg: info.kind === 'file',
    islnk: info.kind === 'link',
    mode: formatMode(mode),
    uid: info.uid,
    gid: info.gid,
    pw_name: info.owner,
    gr_name: info.group,
    size: info.size,
    mtime: info.mtime,
    readable: true,
    writeable: true,
    executable: (mode & 0o111) !== 0,
    // the connection tells only file, directory, link or other: device, fifo and socket are false
    isblk: false,
    ischr: false,
    isfifo: false,
    issock: false,
    isuid: (mode & 0o4000) !== 0,
    isgid: (mode & 0o2000) !== 0,
    ...Object.fromEntries(PERM_BITS.map(([k, bit]) => [k, (mode & bit) !== 0])),
    ...(info.linkTarget !== undefined ? { lnk_target: info.linkTarget, lnk_source: posix.resolve(posix.dirname(path), info.linkTarget) } : {}),
    ...extra,
    ...(checksums ?? {}),
  };
}

export const stat = defineModule({
  name: 'stat',
  target: 'remote',
  checkMode: 'full',
  args: {
    path: { type: 'path', required: true, aliases: ['dest', 'name'] },
    get_checksum: { type: 'bool', default: true },
    checksum_algorithm: { type: 'str', default: 'sha1', choices: ['sha1', 'sha256', 'md5'], aliases: ['checksum', 'checksum_algo'] },
    follow: { type: 'bool', default: false },
    get_mime: { type: 'bool', default: true, aliases: ['mime', 'mime_type', 'mime-type'] },
    get_attributes: { type: 'bool', default: true, aliases: ['attr', 'attributes'] },
  },
  async check(ctx, args): Promise<StatState> {
    const conn = ctx.connection;
    // the fields SFTP does not carry, asked for in the same round trip as the lstat
    const extra = statExtra(ctx, args.path, { follow: args.follow, mime: args.get_mime, attributes: args.get_attributes });
    let info = await conn.stat(args.path);
    if (args.follow && info.kind === 'link' && info.linkTarget !== undefined) {
      info = await conn.stat(posix.resolve(posix.dirname(args.path), info.linkTarget));
    }
    if (!info.exists) {
      await extra;
      return { info };
    }
    if (!args.get_checksum || info.kind !== 'file') return { info, extra: await extra };
    if (args.checksum_algorithm === 'sha256') {
      const [h, x] = await Promise.all([conn.sha256(args.path), extra]);
      return { info, extra: x, checksums: h ? { checksum: h } : {} };
    }
    const [data, x] = await Promise.all([conn.readFile(args.path), extra]);
    const sum = (alg: string): string => createHash(alg).update(data).digest('hex');
    return { info, extra: x, checksums: { checksum: sum(args.checksum_algorithm) } };
  },
  plan: (s, args) => ({
    ok: true,
    reason: s.info.exists ? `${args.path} exists (${s.info.kind})` : `${args.path} does not exist`,
    data: { stat: describe(args.path, s.info, s.checksums, s.extra) },
  }),
});
