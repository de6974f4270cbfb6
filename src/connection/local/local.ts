/**
 * The local transport: the control machine itself, through fs and `/bin/sh -c`. Used for
 * `connection: local` hosts, local (Vault) modules and tests. Becoming another user runs commands
 * through `sudo -n -u USER`; file operations run as the current process.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { BecomeOptions, Connection, ExecOptions, ExecResult, FileInfo, WriteOptions, WriteResult } from '../connection.js';
import { isStaleTemp, shellQuote, TEMP_NAME, tempNameFor } from '../connection.js';
import { IdResolver } from './ids.js';

export interface LocalConnectionOptions {
  host?: string;
  /** Default become for exec (ExecOptions.become overrides). */
  become?: BecomeOptions;
  /** Default exec timeout. */
  commandTimeoutMs?: number;
  ids?: IdResolver;
  /** Test hook: called with the temp file's path right after it is created, before any write. */
  afterTempCreate?: (tmpPath: string) => void;
}

function errCode(e: unknown): string | undefined {
  return e && typeof e === 'object' && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** Node's "ENOSPC: no space left on device, write" names neither file nor host: this does. */
function writeFailure(host: string, path: string, e: unknown): Error {
  const code = errCode(e);
  const cause = code === 'ENOSPC' ? `no space left on device (the file system of ${dirname(path)})` : code === 'EDQUOT' ? 'disk quota exceeded' : undefined;
  if (!cause) return e instanceof Error ? e : new Error(String(e));
  return Object.assign(new Error(`${host}: writeFile(${path}): ${cause}`), { code, cause: e });
}

/** `path.PID.YYYY-MM-DD@HH:MM:SS~`, Ansible's backup name. */
export function backupName(path: string, now = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}@${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}`;
  return `${path}.${process.pid}.${stamp}~`;
}

export class LocalConnection implements Connection {
  readonly host: string;
  readonly transport = 'local';
  private readonly ids: IdResolver;
  private readonly me = userInfo().username;
  /** Directories whose stale temp files this connection has looked for (once each). */
  private readonly swept = new Set<string>();

  constructor(private readonly opts: LocalConnectionOptions = {}) {
    this.host = opts.host ?? 'localhost';
    this.ids = opts.ids ?? new IdResolver();
  }

  async connect(): Promise<void> {}

  async close(): Promise<void> {}

  /** The argv that runs `command`, through sudo when becoming another user. */
  commandLine(command: string, become: BecomeOptions | false | undefined): string[] {
    const b = become === undefined ? this.opts.become : become;
    if (!b || (b.user || 'root') === this.me) return ['/bin/sh', '-c', command];
    const auth = b.password !== undefined ? ['-S', '-p', ''] : ['-n'];
    return ['sudo', ...auth, '-H', '-u', b.user || 'root', '--', '/bin/sh', '-c', command];
  }

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    let script = command;
    if (opts.env) {
      const exports = Object.entries(opts.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
      script = `${exports.join('; ')}; ${script}`;
    }
    if (opts.cwd) script = `cd -- ${shellQuote(opts.cwd)} || exit 1; ${script}`;
    const become = opts.become === undefined ? this.opts.become : opts.become;
    const argv = this.commandLine(script, become);
    let stdin: string | Buffer | undefined = opts.stdin;
    if (become && argv[0] === 'sudo' && become.password !== undefined) {
      stdin = Buffer.concat([Buffer.from(`${become.password}\n`), Buffer.from(opts.stdin ?? '')]);
    }
    return this.run(argv, stdin, opts.timeoutMs ?? this.opts.commandTimeoutMs);
  }

  private run(argv: string[], stdin: string | Buffer | undefined, timeoutMs: number | undefined): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            try {
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              child.kill('SIGKILL');
            }
          }, timeoutMs)
        : undefined;
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.stdin.on('error', () => {});
      child.on('error', (e) => {
        if (timer) clearTimeout(timer);
        reject(new Error(`cannot run ${argv[0]}: ${e.message}`));
      });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        if (timedOut) return reject(new Error(`command timed out after ${timeoutMs} ms`));
        const res: ExecResult = { rc: code ?? 128, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
        if (signal) res.signal = signal;
        resolve(res);
      });
      child.stdin.end(stdin ?? '');
    });
  }

  async stat(path: string): Promise<FileInfo> {
    let st;
    try {
      st = await fs.lstat(path);
    } catch (e) {
      if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return { exists: false };
      throw e;
    }
    const kind = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'link' : 'other';
    const info: FileInfo = { exists: true, kind, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: st.size, mtime: st.mtimeMs / 1000 };
    const owner = this.ids.userName(st.uid);
    const group = this.ids.groupName(st.gid);
    if (owner !== undefined) info.owner = owner;
    if (group !== undefined) info.group = group;
    if (kind === 'link') info.linkTarget = await fs.readlink(path);
    return info;
  }

  readFile(path: string): Promise<Buffer> {
    return fs.readFile(path);
  }

  sha256(path: string): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      const h = createHash('sha256');
      const s = createReadStream(path);
      s.on('data', (d) => h.update(d));
      s.on('error', (e) => (errCode(e) === 'ENOENT' ? resolve(undefined) : reject(e)));
      s.on('end', () => resolve(h.digest('hex')));
    });
  }

  private ownership(existing: FileInfo, owner?: string, group?: string): { uid: number; gid: number } | undefined {
    const uid = owner !== undefined ? this.ids.uid(owner) : existing.uid;
    const gid = group !== undefined ? this.ids.gid(group) : existing.gid;
    const myUid = process.geteuid?.() ?? -1;
    const myGid = process.getegid?.() ?? -1;
    const u = uid === undefined || uid === myUid ? -1 : uid;
    const g = gid === undefined || gid === myGid ? -1 : gid;
    return u === -1 && g === -1 ? undefined : { uid: u, gid: g };
  }

  async writeFile(path: string, content: Buffer | string, opts: WriteOptions): Promise<WriteResult> {
    const existing = await this.stat(path);
    if (existing.exists && existing.kind === 'directory') throw new Error(`${path} is a directory`);
    const own = this.ownership(existing, opts.owner, opts.group);
    const tmp = tempNameFor(path);
    const flags = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;
    const fh = await fs.open(tmp, flags, opts.mode & 0o777);
    const result: WriteResult = {};
    await this.sweepStaleTemps(dirname(path));
    try {
      this.opts.afterTempCreate?.(tmp);
      if (own) await fh.chown(own.uid, own.gid);
      await fh.chmod(opts.mode);
      await fh.writeFile(content);
      await fh.sync();
      await fh.close();
      if (opts.backup && existing.exists && existing.kind === 'file') {
        result.backupPath = backupName(path);
        await fs.copyFile(path, result.backupPath, constants.COPYFILE_EXCL);
      }
      await fs.rename(tmp, path);
    } catch (e) {
      await fh.close().catch(() => {});
      await fs.unlink(tmp).catch(() => {});
      throw writeFailure(this.host, path, e);
    }
    await syncDir(dirname(path));
    const after = await this.stat(path);
    if (after.uid !== undefined && after.gid !== undefined) {
      result.owner = { uid: after.uid, gid: after.gid, ...(after.owner !== undefined ? { owner: after.owner } : {}), ...(after.group !== undefined ? { group: after.group } : {}) };
    }
    result.tempPath = tmp;
    return result;
  }

  /** Remove temp files of ours an interrupted write left in dir (STALE_TEMP_MS), once per directory. */
  private async sweepStaleTemps(dir: string): Promise<void> {
    if (this.swept.has(dir)) return;
    this.swept.add(dir);
    const now = Date.now();
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const kind = e.isFile() ? 'file' : e.isSymbolicLink() ? 'link' : 'other';
      if (kind === 'other' || !TEMP_NAME.test(e.name)) continue;
      const p = join(dir, e.name);
      const st = await fs.lstat(p).catch(() => undefined);
      if (st && isStaleTemp(e.name, kind, st.mtimeMs, now)) await fs.unlink(p).catch(() => undefined);
    }
  }

  async mkdir(path: string, mode = 0o755): Promise<void> {
    const missing: string[] = [];
    for (let p = path; ; p = dirname(p)) {
      const st = await this.stat(p);
      if (st.exists) {
        if (st.kind !== 'directory') throw new Error(`cannot create directory ${path}: ${p} exists and is not a directory`);
        break;
      }
      missing.unshift(p);
      if (dirname(p) === p) break;
    }
    for (const p of missing) {
      try {
        await fs.mkdir(p, { mode: mode & 0o777 });
      } catch (e) {
        if (errCode(e) !== 'EEXIST') throw e;
        continue;
      }
      await fs.chmod(p, mode);
    }
  }

  chmod(path: string, mode: number): Promise<void> {
    return fs.chmod(path, mode);
  }

  async chown(path: string, owner?: string, group?: string): Promise<void> {
    if (owner === undefined && group === undefined) return;
    await fs.lchown(path, owner !== undefined ? this.ids.uid(owner) : -1, group !== undefined ? this.ids.gid(group) : -1);
  }

  async remove(path: string, recursive = false): Promise<void> {
    const st = await this.stat(path);
    if (!st.exists) return;
    if (st.kind === 'directory' && !recursive) await fs.rmdir(path);
    else await fs.rm(path, { recursive, force: true });
  }

  async symlink(target: string, path: string): Promise<void> {
    const tmp = tempNameFor(path, '.lnk');
    await fs.symlink(target, tmp);
    try {
      await fs.rename(tmp, path);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  rename(from: string, to: string): Promise<void> {
    return fs.rename(from, to);
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const d = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    await d.sync().finally(() => d.close());
  } catch {
    /* best effort: some filesystems refuse fsync on directories */
  }
}
