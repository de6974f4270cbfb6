/**
 * What SFTP's stat does not carry and Ansible's stat module returns (modules/stat.py): times with
 * their fractions, inode, dev, nlink, blocks, block_size, device_type, the file type bits
 * (block/char device, fifo, socket), and on request the mime type and charset (`file`) and the
 * ext2 attributes (`lsattr -vd`, module_utils' get_file_attributes). One command through the
 * host's persistent shell, sent alongside the SFTP lstat, so it adds no round trip.
 */
import { shellQuote } from '../../connection/connection.js';
import type { ModuleContext } from '../types.js';

const FILE_ATTRIBUTES: Record<string, string> = {
  A: 'noatime', a: 'append', c: 'compressed', C: 'nocow', d: 'nodump', D: 'dirsync', e: 'extents', E: 'encrypted', h: 'blocksize', i: 'immutable',
  I: 'indexed', j: 'journalled', N: 'inline', s: 'zero', S: 'synchronous', t: 'notail', T: 'blockroot', u: 'undelete', X: 'compressedraw', Z: 'compresseddirty',
};
const FIELDS = '%X %Y %Z %i %d %h %b %o %f %t %T';
const MARK = '--orchestrate-stat--';

export function statScript(path: string, opts: { follow: boolean; mime: boolean; attributes: boolean }): string {
  const p = shellQuote(path);
  const L = opts.follow ? '-L ' : '';
  const lines = [`stat ${L}-c '${FIELDS.replace(/%([XYZ])/g, '%.9$1')}' -- ${p} 2>/dev/null || stat ${L}-c '${FIELDS}' -- ${p} 2>/dev/null`];
  lines.push(`echo ${MARK}`);
  if (opts.mime) lines.push(`command -v file >/dev/null 2>&1 && file -b --mime-type --mime-encoding -- ${p} 2>/dev/null`);
  lines.push(`echo ${MARK}`);
  if (opts.attributes) lines.push(`lsattr -vd -- ${p} 2>/dev/null`);
  return `${lines.join('\n')}\n:`;
}

/** makedev as glibc packs it (Python's st_rdev). */
function makedev(major: number, minor: number): number {
  return ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12) | (Math.floor(major / 0x1000) * 2 ** 32);
}

export function parseStatOutput(out: string, opts: { mime: boolean; attributes: boolean }): Record<string, unknown> {
  const [statPart = '', mimePart = '', attrPart = ''] = out.split(`${MARK}\n`);
  const r: Record<string, unknown> = {};
  const f = statPart.trim().split(/\s+/);
  if (f.length === 11) {
    const [atime, mtime, ctime, inode, dev, nlink, blocks, blksize, rawMode, major, minor] = f as [string, string, string, string, string, string, string, string, string, string, string];
    const fmt = parseInt(rawMode, 16) & 0o170000;
    Object.assign(r, {
      atime: Number(atime), mtime: Number(mtime), ctime: Number(ctime), inode: Number(inode), dev: Number(dev), nlink: Number(nlink),
      blocks: Number(blocks), block_size: Number(blksize), device_type: makedev(parseInt(major, 16), parseInt(minor, 16)),
      isblk: fmt === 0o060000, ischr: fmt === 0o020000, isfifo: fmt === 0o010000, issock: fmt === 0o140000,
    });
  }
  if (opts.mime) {
    r['mimetype'] = 'unknown';
    r['charset'] = 'unknown';
    const m = /^([^;]+);\s*charset=(\S+)/.exec(mimePart.trim());
    if (m) [r['mimetype'], r['charset']] = [m[1]!.trim(), m[2]!.trim()];
  }
  if (opts.attributes) {
    r['version'] = null;
    r['attributes'] = [];
    r['attr_flags'] = '';
    const a = attrPart.trim().split(/\s+/);
    if (a.length >= 2 && /^\d+$/.test(a[0]!)) {
      const flags = a[1]!.replace(/-/g, '');
      Object.assign(r, { version: a[0], attr_flags: flags, attributes: [...flags].filter((c) => c in FILE_ATTRIBUTES).map((c) => FILE_ATTRIBUTES[c]) });
    }
  }
  return r;
}

/** The extra fields of one path (empty when the command cannot run: the SFTP fields still stand). */
export async function statExtra(ctx: ModuleContext, path: string, opts: { follow: boolean; mime: boolean; attributes: boolean }): Promise<Record<string, unknown>> {
  try {
    const res = await ctx.connection.exec(statScript(path, opts), ctx.become ? { become: ctx.become } : {});
    return parseStatOutput(res.stdout, opts);
  } catch {
    return {};
  }
}
