/**
 * File operations over one SFTP session: lstat with owner names (from /etc/passwd and
 * /etc/group, read once), read, hash, atomic private write, mkdir -p, chmod, chown, remove,
 * symlink, rename.
 */
import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import { ConnectionError, type FileInfo, type FileKind, type WriteOptions, type WriteResult } from '../connection.js';
import { IdMap } from './ids.js';
import type { SshStats } from './stats.js';

const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;
export const SMALL_FILE = 8 * 1024 * 1024;

type Cb<T> = (err: Error | undefined | null, value?: T) => void;

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

  async lstatOrUndefined(path: string): Promise<Stats | undefined> {
    try {
      return await this.op<Stats>('stat', path, (cb) => this.sftp.lstat(path, cb));
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async stat(path: string): Promise<FileInfo> {
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

  readFile(path: string): Promise<Buffer> {
    return this.op<Buffer>('readFile', path, (cb) => this.sftp.readFile(path, cb));
  }

  /** sha256 of a file under 8 MiB read over SFTP; 'large' when the caller should hash remotely. */
  async sha256(path: string): Promise<string | undefined | 'large'> {
    let st: Stats;
    try {
      st = await this.op<Stats>('sha256', path, (cb) => this.sftp.stat(path, cb));
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    if (st.size >= SMALL_FILE) return 'large';
    return createHash('sha256').update(await this.readFile(path)).digest('hex');
  }

  async writeAtomic(path: string, content: Buffer, opts: WriteOptions): Promise<WriteResult> {
    const dir = posix.dirname(path);
    const tmp = posix.join(dir, `.${posix.basename(path)}.orchestrate-${randomBytes(6).toString('hex')}`);
    this.temps.add(tmp);
    const [handle, existing, ids] = await Promise.all([
      this.op<Buffer>('writeFile', path, (cb) => this.sftp.open(tmp, 'wx', { mode: opts.mode }, cb)).catch((e: unknown) => {
        if (!(e instanceof ConnectionError)) this.temps.delete(tmp); // not created
        throw e;
      }),
      this.lstatOrUndefined(path).catch(() => undefined),
      opts.owner !== undefined || opts.group !== undefined ? this.ids.resolve(opts.owner, opts.group) : undefined,
    ]);
    let closed = false;
    try {
      await this.fillTemp(handle, content, opts, ids, existing);
      closed = true;
      await this.op('writeFile', path, (cb) => this.sftp.close(handle, cb));
      const res: WriteResult = {};
      if (opts.backup && existing && kindOf(existing.mode) === 'file') res.backupPath = await this.backup(path);
      await this.rename(tmp, path);
      this.temps.delete(tmp);
      return res;
    } catch (e) {
      if (!closed) await this.op('close', tmp, (cb) => this.sftp.close(handle, cb)).catch(() => undefined);
      await this.op('unlink', tmp, (cb) => this.sftp.unlink(tmp, cb)).then(() => this.temps.delete(tmp), () => undefined);
      throw e instanceof ConnectionError ? this.lostDuring('writeFile', path) : e;
    }
  }

  private lostDuring(name: string, path: string): ConnectionError {
    return new ConnectionError(`${this.host}: connection lost during ${name}(${path})`, this.host, this.lost);
  }

  private async fillTemp(
    handle: Buffer,
    content: Buffer,
    opts: WriteOptions,
    ids: { uid?: number; gid?: number } | undefined,
    existing: Stats | undefined,
  ): Promise<void> {
    const p = 'writeFile';
    // The server's umask may have narrowed the mode at open (never widened): set it exactly.
    const setMode = this.op(p, '', (cb) => this.sftp.fchmod(handle, opts.mode, cb));
    const write = content.length > 0 ? this.op(p, '', (cb) => this.sftp.write(handle, content, 0, content.length, 0, cb)) : undefined;
    await Promise.all([setMode, write]);
    await this.fsync(handle);
    const uid = ids?.uid ?? existing?.uid;
    const gid = ids?.gid ?? existing?.gid;
    if (uid === undefined && gid === undefined) return;
    const st = await this.op<Stats>(p, '', (cb) => this.sftp.fstat(handle, cb));
    const want = { uid: uid ?? st.uid, gid: gid ?? st.gid };
    if (want.uid === st.uid && want.gid === st.gid) return;
    const chown = this.op(p, '', (cb) => this.sftp.fchown(handle, want.uid, want.gid, cb));
    if (ids) await chown; // asked for: must succeed
    else await chown.catch(() => undefined); // keeping an existing owner is best effort
    // chown may clear setuid/setgid bits: set the mode again when they are wanted.
    if (opts.mode & 0o6000) await this.op(p, '', (cb) => this.sftp.fchmod(handle, opts.mode, cb));
  }

  private async fsync(handle: Buffer): Promise<void> {
    await this.op('fsync', '', (cb) => {
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

  async mkdirp(path: string, mode = 0o755): Promise<void> {
    const st = await this.lstatOrUndefined(path);
    if (st) {
      if (kindOf(st.mode) === 'directory') return;
      throw new Error(`mkdir(${path}): exists and is not a directory`);
    }
    const parent = posix.dirname(path);
    if (parent !== path) await this.mkdirp(parent, mode);
    try {
      await this.op('mkdir', path, (cb) => this.sftp.mkdir(path, { mode }, cb));
    } catch (e) {
      const again = await this.lstatOrUndefined(path);
      if (again && kindOf(again.mode) === 'directory') return; // created concurrently
      throw e;
    }
    await this.op('chmod', path, (cb) => this.sftp.chmod(path, mode, cb));
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

  symlink(target: string, path: string): Promise<void> {
    return this.op('symlink', path, (cb) => this.sftp.symlink(target, path, cb));
  }

  end(): void {
    this.sftp.end();
  }
}
