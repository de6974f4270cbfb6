/**
 * File operations over one SFTP session: lstat with owner names (from /etc/passwd and
 * /etc/group, read once), read, hash, atomic private write, mkdir -p, chmod, chown, remove,
 * symlink, rename.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { FileEntryWithStats, OpenMode, SFTPWrapper, Stats } from 'ssh2';
import { ConnectionError, isStaleTemp, tempNameFor, type FileInfo, type FileKind, type MadeDir, type WriteOptions, type WriteResult } from '../connection.js';
import { IdMap } from './ids.js';
import type { SshStats } from './stats.js';

const EOF = 1;
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;
/** SSH_FX_FAILURE: what sftp-server answers for ENOSPC, EDQUOT, EIO, ... (SFTP v3 has no finer code). */
const FAILURE = 4;
export const SMALL_FILE = 8 * 1024 * 1024;
/** The first read of a file, sent with its fstat: most files read whole are small configs. */
const FIRST_READ = 32 * 1024;
/** Later reads (OpenSSH's sftp-server answers up to 256 KiB at once; ssh2 splits as needed). */
const READ_CHUNK = 256 * 1024;

type Cb<T> = (err: Error | undefined | null, value?: T) => void;

/** The answer of statvfs@openssh.com (struct statvfs; ssh2 gives 64-bit fields as number or bigint). */
interface StatVfs {
  f_frsize: number | bigint;
  f_bavail: number | bigint;
  f_favail: number | bigint;
}

/** Owner of the file a write replaces (kept on the new file) and whether it is a regular file. */
interface Existing {
  uid: number | undefined;
  gid: number | undefined;
  isFile: boolean;
}

function sftpCode(e: unknown): number | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'number') return e.code;
  return undefined;
}

export function isMissing(e: unknown): boolean {
  return sftpCode(e) === NO_SUCH_FILE;
}

function describe(e: unknown): string {
  const code = sftpCode(e);
  if (code === NO_SUCH_FILE) return 'no such file or directory';
  if (code === PERMISSION_DENIED) return 'permission denied';
  return e instanceof Error ? e.message.toLowerCase() : String(e);
}

export function kindOf(mode: number): FileKind {
  switch (mode & 0o170000) {
    case 0o100000: return 'file';
    case 0o040000: return 'directory';
    case 0o120000: return 'link';
    default: return 'other';
  }
}

export function backupName(path: string, now = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const ts = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}@${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}`;
  return `${path}.${ts}~`;
}

export class SftpFiles {
  readonly ids: IdMap;
  /** Temp files created and not yet renamed or removed: what a dropped connection leaves behind. */
  readonly temps = new Set<string>();
  private readonly inflight = new Set<(e: Error) => void>();
  private lost: ConnectionError | undefined;
  /** Directories whose stale temp files this session has looked for (once each). */
  private readonly swept = new Set<string>();

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly host: string,
    private readonly stats?: SshStats,
  ) {
    this.ids = new IdMap((p) => this.readFile(p), host);
    sftp.once('close', () => this.drop());
  }

  /**
   * The session or connection is gone: fail every request still waiting for an answer (ssh2
   * does not answer the rest of a large write whose chunks were still queued).
   */
  drop(): void {
    this.lost ??= new ConnectionError(`${this.host}: connection lost`, this.host);
    for (const fail of [...this.inflight]) fail(this.lost);
    this.inflight.clear();
  }

  /** Run one SFTP request; failures read `<op>(<path>): <cause>`. */
  op<T>(name: string, path: string, fn: (cb: Cb<T>) => void): Promise<T> {
    if (this.lost) return Promise.reject(this.lostDuring(name, path));
    this.stats?.inc(this.host, 'sftpOps');
    if (this.inflight.size === 0) this.stats?.inc(this.host, 'roundTrips');
    return new Promise((resolve, reject) => {
      const onLost = (): void => reject(this.lostDuring(name, path));
      this.inflight.add(onLost);
      fn((err, value) => {
        this.inflight.delete(onLost);
        if (this.lost) onLost();
        else if (err) {
          const e = new Error(`${name}(${path}): ${describe(err)}`);
          Object.assign(e, { code: sftpCode(err), cause: err });
          reject(e);
        } else resolve(value as T);
      });
    });
  }

  /** Open a handle; its value is whatever the server names (never assumed). */
  private openHandle(name: string, label: string, path: string, flags: OpenMode, attrs?: { mode: number }): Promise<Buffer> {
    return this.op<Buffer>(name, label, (cb) => (attrs ? this.sftp.open(path, flags, attrs, cb) : this.sftp.open(path, flags, cb)));
  }

  /** Close and wait for the answer. */
  private closeHandle(name: string, path: string, handle: Buffer): Promise<void> {
    return this.op<void>(name, path, (cb) => this.sftp.close(handle, cb));
  }

  async lstatOrUndefined(path: string): Promise<Stats | undefined> {
    try {
      return await this.op<Stats>('stat', path, (cb) => this.sftp.lstat(path, cb));
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async stat(path: string): Promise<FileInfo> {
    // The first look on a host also asks for /etc/passwd and /etc/group (names of owner and
    // group), sent with the lstat rather than after it: one round trip less when the path exists.
    void this.ids.load();
    const st = await this.lstatOrUndefined(path);
    if (!st) return { exists: false };
    const kind = kindOf(st.mode);
    const [linkTarget, owner, group] = await Promise.all([
      kind === 'link' ? this.op<string>('readlink', path, (cb) => this.sftp.readlink(path, cb)) : undefined,
      this.ids.userName(st.uid),
      this.ids.groupName(st.gid),
    ]);
    const info: FileInfo = { exists: true, kind, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: st.size, mtime: st.mtime };
    if (owner !== undefined) info.owner = owner;
    if (group !== undefined) info.group = group;
    if (linkTarget !== undefined) info.linkTarget = linkTarget;
    return info;
  }

  /**
   * Read a whole file: open, then fstat and the first read sent together, then close without
   * waiting for the answer (requests run in order on the server). Two round trips for a small
   * file instead of the four of open / fstat / read / close one after another.
   * With `limit`, a file of that size or more is not read: 'large' is returned.
   */
  async readFile(path: string): Promise<Buffer>;
  async readFile(path: string, limit: number): Promise<Buffer | 'large'>;
  async readFile(path: string, limit?: number): Promise<Buffer | 'large'> {
    const handle = await this.openHandle('readFile', path, path, 'r');
    try {
      const first = Buffer.allocUnsafe(FIRST_READ);
      const [st, n] = await Promise.all([
        this.op<Stats>('readFile', path, (cb) => this.sftp.fstat(handle, cb)),
        this.readAt(handle, path, first, 0),
      ]);
      if (limit !== undefined && st.size >= limit) return 'large';
      const head = Buffer.from(first.subarray(0, n)); // exact size: content may be kept a while
      if (n < FIRST_READ && n >= st.size) return head;
      const parts = [head];
      let pos = n;
      for (;;) {
        const buf = Buffer.alloc(Math.max(READ_CHUNK, st.size - pos)); // the file may have grown
        const got = await this.readAt(handle, path, buf, pos);
        if (got === 0) break;
        parts.push(buf.subarray(0, got));
        pos += got;
      }
      return Buffer.concat(parts);
    } finally {
      this.closeQuietly(handle);
    }
  }

  /** Read into buf at a file offset; 0 at end of file. */
  private async readAt(handle: Buffer, path: string, buf: Buffer, pos: number): Promise<number> {
    // ssh2 splits a read longer than the server's limit and answers 0 bytes at end of file.
    return this.op<number>('readFile', path, (cb) => this.sftp.read(handle, buf, 0, buf.length, pos, (err, bytes) => cb(err, bytes)));
  }

  /** Close a handle without waiting: later requests on this session are answered after it. */
  private closeQuietly(handle: Buffer): void {
    if (this.lost) return;
    this.stats?.inc(this.host, 'sftpOps');
    try {
      this.sftp.close(handle, () => undefined);
    } catch {
      // the session is gone; nothing to close
    }
  }

  /** sha256 of a file under 8 MiB read over SFTP; 'large' when the caller should hash remotely. */
  async sha256(path: string): Promise<string | undefined | 'large'> {
    let data: Buffer | 'large';
    try {
      data = await this.readFile(path, SMALL_FILE);
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    if (data === 'large') return 'large';
    return createHash('sha256').update(data).digest('hex');
  }

  /**
   * Atomic private write: a temp file in the target directory opened with the final mode, then
   * [fchmod, write, fsync, fchown] sent together, then close and rename together (the server
   * answers in order, and the rename is sent only once fsync has succeeded). Three round trips
   * on any SFTP server: the data waits for the handle the server names. The caller's look at the
   * target (`opts.existing`) is used instead of a stat of our own.
   */
  async writeAtomic(path: string, content: Buffer, opts: WriteOptions): Promise<WriteResult> {
    const tmp = tempNameFor(path);
    this.temps.add(tmp);
    const known = opts.existing;
    const knownExisting = known?.exists ? { uid: known.uid, gid: known.gid, isFile: known.kind === 'file' } : undefined;
    const opened = this.openHandle('writeFile', path, tmp, 'wx', { mode: opts.mode }).catch((e: unknown) => {
      if (!(e instanceof ConnectionError)) this.temps.delete(tmp); // not created
      throw e;
    });
    const [handle, existing, ids] = await Promise.all([
      opened,
      known ? knownExisting : this.existingOf(path),
      opts.owner !== undefined || opts.group !== undefined ? this.ids.resolve(opts.owner, opts.group) : undefined,
    ]);
    let closed = false;
    const sweep = this.sweepStaleTemps(path);
    try {
      const written = await this.fillTemp(path, handle, content, opts, ids, existing);
      closed = true;
      const close = this.closeHandle('writeFile', path, handle);
      const res: WriteResult = { tempPath: tmp };
      if (written) res.owner = await this.ownerOf(written.uid, written.gid);
      if (opts.backup && existing?.isFile) {
        await close;
        res.backupPath = await this.backup(path);
        await this.rename(tmp, path);
      } else {
        await Promise.all([close, this.rename(tmp, path)]);
      }
      this.temps.delete(tmp);
      await sweep;
      return res;
    } catch (e) {
      if (!closed) await this.closeHandle('close', tmp, handle).catch(() => undefined);
      await this.op('unlink', tmp, (cb) => this.sftp.unlink(tmp, cb)).then(() => this.temps.delete(tmp), () => undefined);
      await sweep;
      throw e instanceof ConnectionError ? this.lostDuring('writeFile', path) : await this.writeFailure(path, content.length, e);
    }
  }

  /**
   * A failed write, naming host, path and cause. SFTP v3 answers a full disk with a bare
   * "failure": then the file system's free blocks and inodes (statvfs@openssh.com) tell the cause.
   */
  private async writeFailure(path: string, size: number, e: unknown): Promise<Error> {
    let text = e instanceof Error ? e.message : String(e);
    if (sftpCode(e) === FAILURE) {
      const dir = posix.dirname(path);
      const fs = await this.op<StatVfs>('statvfs', dir, (cb) => {
        try {
          this.sftp.ext_openssh_statvfs(dir, cb);
        } catch (x) {
          cb(x as Error); // a server without statvfs@openssh.com
        }
      }).catch(() => undefined);
      const blocks = fs ? Number(fs.f_bavail) : undefined;
      const free = fs ? Number(fs.f_bavail) * Number(fs.f_frsize) : undefined;
      if (fs && Number(fs.f_favail) === 0) text = `writeFile(${path}): no free inodes left on the file system of ${dir}`;
      else if (free !== undefined && (blocks === 0 || free < size)) text = `writeFile(${path}): no space left on device (${free} bytes free on the file system of ${dir}, ${size} to write)`;
      else text = `writeFile(${path}): failure (the SFTP server names no cause${free !== undefined ? `; ${free} bytes free on the file system of ${dir}` : ''})`;
    }
    return Object.assign(new Error(`${this.host}: ${text}`), { code: sftpCode(e), cause: e });
  }

  /**
   * Remove the temp files of ours an interrupted write left in path's directory (stale: see
   * STALE_TEMP_MS), once per directory per session, beside the write that starts it. It starts
   * once our own temp file exists, so the directory's mtime is the host's clock at least at its
   * creation: ages never depend on this machine's clock. Best effort: it never fails the write.
   */
  private async sweepStaleTemps(path: string): Promise<void> {
    const dir = posix.dirname(path);
    if (this.swept.has(dir)) return;
    this.swept.add(dir);
    try {
      const [here, entries] = await Promise.all([this.op<Stats>('stat', dir, (cb) => this.sftp.lstat(dir, cb)), this.listDir(dir)]);
      const now = here.mtime * 1000;
      const stale = entries.filter((e) => isStaleTemp(e.filename, kindOf(e.attrs.mode), e.attrs.mtime * 1000, now));
      await Promise.all(stale.map((e) => {
        const p = posix.join(dir, e.filename);
        return this.op('unlink', p, (cb) => this.sftp.unlink(p, cb)).catch(() => undefined);
      }));
    } catch {
      // an unreadable directory keeps what it holds
    }
  }

  /** Every entry of a directory: opendir, readdir until end of directory, close (unawaited). */
  private async listDir(dir: string): Promise<FileEntryWithStats[]> {
    const handle = await this.op<Buffer>('readdir', dir, (cb) => this.sftp.opendir(dir, cb));
    const all: FileEntryWithStats[] = [];
    try {
      for (;;) {
        const batch = await this.op<FileEntryWithStats[]>('readdir', dir, (cb) => this.sftp.readdir(handle, cb)).catch((e: unknown) => {
          if (sftpCode(e) === EOF) return undefined;
          throw e;
        });
        if (!batch) return all;
        all.push(...batch);
      }
    } finally {
      this.closeQuietly(handle);
    }
  }

  /** uid/gid with their names (the id tables are loaded by the look before any write). */
  private async ownerOf(uid: number, gid: number): Promise<NonNullable<WriteResult['owner']>> {
    const [owner, group] = await Promise.all([this.ids.userName(uid).catch(() => undefined), this.ids.groupName(gid).catch(() => undefined)]);
    return { uid, gid, ...(owner !== undefined ? { owner } : {}), ...(group !== undefined ? { group } : {}) };
  }

  private async existingOf(path: string): Promise<Existing | undefined> {
    const st = await this.lstatOrUndefined(path).catch(() => undefined);
    return st ? { uid: st.uid, gid: st.gid, isFile: kindOf(st.mode) === 'file' } : undefined;
  }

  private lostDuring(name: string, path: string): ConnectionError {
    return new ConnectionError(`${this.host}: connection lost during ${name}(${path})`, this.host, this.lost);
  }

  private async fillTemp(
    path: string,
    handle: Buffer,
    content: Buffer,
    opts: WriteOptions,
    ids: { uid?: number; gid?: number } | undefined,
    existing: Existing | undefined,
  ): Promise<{ uid: number; gid: number } | undefined> {
    const p = 'writeFile';
    const uid = ids?.uid ?? existing?.uid;
    const gid = ids?.gid ?? existing?.gid;
    const steps: Promise<unknown>[] = [
      // The server's umask may have narrowed the mode at open (never widened): set it exactly.
      this.op(p, path, (cb) => this.sftp.fchmod(handle, opts.mode, cb)),
    ];
    if (content.length > 0) steps.push(this.op(p, path, (cb) => this.sftp.write(handle, content, 0, content.length, 0, cb)));
    steps.push(this.fsync(path, handle));
    if (uid !== undefined || gid !== undefined) {
      // -1 keeps the temp file's own id (chown(2) semantics, which sftp-server passes through).
      const chown = this.op(p, path, (cb) => this.sftp.fchown(handle, uid ?? -1, gid ?? -1, cb));
      if (ids) steps.push(chown); // asked for: must succeed
      else steps.push(chown.catch(() => undefined)); // keeping an existing owner is best effort
      // chown may clear setuid/setgid bits: set the mode again when they are wanted.
      if (opts.mode & 0o6000) steps.push(this.op(p, path, (cb) => this.sftp.fchmod(handle, opts.mode, cb)));
    }
    // the owner the file ends up with, asked in the same batch (answered after the chown)
    const fstat = this.op<Stats>(p, path, (cb) => this.sftp.fstat(handle, cb)).catch(() => undefined);
    steps.push(fstat);
    // Every answer is in before this returns, a failure or not: no request of it is left in flight.
    const failed = (await Promise.allSettled(steps)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const st = await fstat;
    return st ? { uid: st.uid, gid: st.gid } : undefined;
  }

  private async fsync(path: string, handle: Buffer): Promise<void> {
    await this.op('fsync', path, (cb) => {
      try {
        this.sftp.ext_openssh_fsync(handle, (err) => cb(err));
      } catch {
        cb(undefined); // server without fsync@openssh.com
      }
    });
  }

  private async backup(path: string): Promise<string> {
    const b = backupName(path);
    try {
      await this.op('backup', path, (cb) => this.sftp.ext_openssh_hardlink(path, b, cb));
    } catch {
      const data = await this.readFile(path);
      const st = await this.op<Stats>('backup', path, (cb) => this.sftp.stat(path, cb));
      await this.op('backup', b, (cb) => this.sftp.writeFile(b, data, { mode: st.mode & 0o7777, flag: 'wx' }, cb));
    }
    return b;
  }

  /** posix-rename (replaces the target atomically) when offered, else plain SFTP rename. */
  rename(from: string, to: string): Promise<void> {
    return this.op('rename', `${from} -> ${to}`, (cb) => {
      try {
        this.sftp.ext_openssh_rename(from, to, cb);
      } catch {
        this.sftp.rename(from, to, cb);
      }
    });
  }

  /**
   * mkdir -p, optimistic: mkdir the path itself first (callers usually know it is missing), with a
   * stat of it sent together, and make the parents only when the server says one is missing.
   * Created directories get `mode` exactly: the server's umask applies at mkdir, so a chmod
   * follows when the stat shows a different mode. Existing ones are left as they are (the stat
   * tells a directory from something else).
   */
  async mkdirp(path: string, mode = 0o755): Promise<MadeDir | void> {
    const made = this.op('mkdir', path, (cb) => this.sftp.mkdir(path, { mode }, cb));
    // stat, not lstat: as with mkdir -p, a link to a directory is a directory.
    const looked = this.op<Stats>('mkdir', path, (cb) => this.sftp.stat(path, cb));
    const [m, l] = await Promise.allSettled([made, looked]);
    const st = l.status === 'fulfilled' ? l.value : undefined;
    if (m.status === 'rejected') {
      const e: unknown = m.reason;
      if (e instanceof ConnectionError) throw e;
      const parent = posix.dirname(path);
      if (isMissing(e) && parent !== path) {
        await this.mkdirp(parent, mode);
        return this.mkdirp(path, mode);
      }
      if (st && kindOf(st.mode) === 'directory') return; // already there, or created concurrently
      if (st) throw new Error(`mkdir(${path}): exists and is not a directory`);
      throw e;
    }
    if (!st || (st.mode & 0o7777) !== mode) await this.op('chmod', path, (cb) => this.sftp.chmod(path, mode, cb));
    return st ? { ...(await this.ownerOf(st.uid, st.gid)), size: st.size } : undefined;
  }

  chmod(path: string, mode: number): Promise<void> {
    return this.op('chmod', path, (cb) => this.sftp.chmod(path, mode, cb));
  }

  async chown(path: string, owner?: string, group?: string): Promise<void> {
    if (owner === undefined && group === undefined) return;
    const [ids, st] = await Promise.all([
      this.ids.resolve(owner, group),
      this.op<Stats>('chown', path, (cb) => this.sftp.stat(path, cb)),
    ]);
    await this.op('chown', path, (cb) => this.sftp.chown(path, ids.uid ?? st.uid, ids.gid ?? st.gid, cb));
  }

  /** Remove a file, link or empty directory; a missing path is fine. */
  async remove(path: string): Promise<void> {
    const st = await this.lstatOrUndefined(path);
    if (!st) return;
    if (kindOf(st.mode) === 'directory') await this.op('remove', path, (cb) => this.sftp.rmdir(path, cb));
    else await this.op('remove', path, (cb) => this.sftp.unlink(path, cb));
  }

  /**
   * path becomes a symlink to target: a temp link, renamed over path. Both requests are sent
   * together (the server answers in order; the temp name is new and random, so a failed symlink
   * fails the rename too).
   */
  async symlink(target: string, path: string): Promise<void> {
    const tmp = tempNameFor(path, '.lnk');
    const made = this.op('symlink', path, (cb) => this.sftp.symlink(target, tmp, cb));
    const moved = this.rename(tmp, path);
    const [m, r] = await Promise.allSettled([made, moved]);
    if (m.status === 'rejected') throw m.reason;
    if (r.status === 'rejected') {
      await this.op('unlink', tmp, (cb) => this.sftp.unlink(tmp, cb)).catch(() => undefined);
      throw r.reason;
    }
  }

  end(): void {
    this.sftp.end();
  }
}
