/**
 * The connection contract. Every transport (local, ssh) implements it; modules only ever see
 * this interface (through ModuleContext.connection), never ssh2 or fs directly.
 */
import { randomBytes } from 'node:crypto';

export interface ExecOptions {
  /** Data written to the command's stdin, then stdin is closed. */
  stdin?: string | Buffer;
  /** Kill the command (and fail) after this many milliseconds. */
  timeoutMs?: number;
  /** Run through sudo (become). Undefined means the connection's default. */
  become?: BecomeOptions | false;
  /** Extra environment variables (exported in the remote shell before the command). */
  env?: Record<string, string>;
  /** Working directory. */
  cwd?: string;
}

export interface BecomeOptions {
  user: string; // default "root"
  method: 'sudo';
  password?: string;
}

export interface ExecResult {
  rc: number;
  stdout: string;
  stderr: string;
  /** Set when the command was killed by a signal. */
  signal?: string;
}

export type FileKind = 'file' | 'directory' | 'link' | 'other';

export interface FileInfo {
  exists: boolean;
  kind?: FileKind;
  /** Permission bits only (e.g. 0o644). */
  mode?: number;
  uid?: number;
  gid?: number;
  owner?: string;
  group?: string;
  size?: number;
  mtime?: number; // seconds
  /** Target of a symlink (lstat semantics: links are not followed). */
  linkTarget?: string;
}

export interface WriteOptions {
  /** Final permission bits; the temp file is created with them, so content is never exposed. */
  mode: number;
  /** Owner/group by name or numeric string. Unset keeps the default for new files / current for existing. */
  owner?: string;
  group?: string;
  /** Keep a timestamped copy of the previous file; returns its path in WriteResult. */
  backup?: boolean;
  /**
   * What the caller's stat() found at the path just before, so the write need not look again
   * (the owner of a replaced file is kept). Omitted: the connection looks itself.
   */
  existing?: FileInfo;
}

/** A directory mkdir made, as the look sent with it found it (owner and size for the file module's result). */
export type MadeDir = Pick<FileInfo, 'uid' | 'gid' | 'owner' | 'group' | 'size'>;

export interface WriteResult {
  backupPath?: string;
  /** Owner of the file written, when the write learnt it on the way (fstat with the write). */
  owner?: Pick<FileInfo, 'uid' | 'gid' | 'owner' | 'group'>;
  /** The temp file the content was written to before the rename (Ansible's `src`). */
  tempPath?: string;
}

/**
 * A connection to one host. Opened lazily on first use, reused for the whole run.
 * All paths are absolute remote paths. Errors are thrown as ConnectionError (unreachable /
 * dropped) or plain Error (the operation failed: permission, missing file, ...).
 */
export interface Connection {
  readonly host: string;
  /** 'local' or 'ssh' */
  readonly transport: string;
  /** Open the connection now (it is otherwise opened on first use). Throws ConnectionError. */
  connect(): Promise<void>;
  /** Run a command through a POSIX shell (`sh -c`). Never throws for rc != 0. */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  /** lstat-like: never throws for a missing path (exists: false). */
  stat(path: string): Promise<FileInfo>;
  /** Read a whole file. Throws if it does not exist. */
  readFile(path: string): Promise<Buffer>;
  /** sha256 hex of a file's content, or undefined when it does not exist. */
  sha256(path: string): Promise<string | undefined>;
  /**
   * Atomic write: temp file in the target's directory created with the final mode, fsync,
   * chown when asked, rename over the target. A killed run never leaves a half-written target.
   */
  writeFile(path: string, content: Buffer | string, opts: WriteOptions): Promise<WriteResult>;
  mkdir(path: string, mode?: number): Promise<MadeDir | void>; // like mkdir -p; mode applies to created dirs
  chmod(path: string, mode: number): Promise<void>;
  chown(path: string, owner?: string, group?: string): Promise<void>;
  remove(path: string, recursive?: boolean): Promise<void>;
  /** Make path a symlink to target, replacing what is there atomically (a temp link renamed over it). */
  symlink(target: string, path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  close(): Promise<void>;
}

/** Thrown when a host cannot be reached or the link drops: the host becomes UNREACHABLE. */
export class ConnectionError extends Error {
  constructor(
    message: string,
    readonly host: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}

/** Host connection settings, resolved from inventory vars (ansible_* names). */
export interface ConnectionSettings {
  host: string; // inventory name
  address: string; // ansible_host or name
  port?: number;
  user?: string;
  privateKeyFile?: string;
  password?: string;
  commonArgs?: string; // ansible_ssh_common_args
  transport: 'ssh' | 'local';
  become?: BecomeOptions;
  hostKeyChecking?: boolean | 'accept-new';
  knownHostsFile?: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** orchestrate_persistent_shell: false runs every command on its own exec channel. */
  persistentShell?: boolean;
}

export type ConnectionFactory = (settings: ConnectionSettings) => Connection;

export function shellQuote(s: string): string {
  if (s === '') return "''";
  if (/^[A-Za-z0-9_\/.:=@%+,-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A temp name next to path (a file being written, a link being replaced): hidden and random, so it never collides. */
export function tempNameFor(path: string, suffix = ''): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.orchestrate-${randomBytes(6).toString('hex')}${suffix}`;
}

/** The base names tempNameFor gives: `.NAME.orchestrate-<12 hex digits>`, `.lnk` for links. */
export const TEMP_NAME = /^\..+\.orchestrate-[0-9a-f]{12}(\.lnk)?$/;

/**
 * A temp file of ours whose mtime is this much older than the host's clock is left over from an
 * interrupted write (a killed run, a dropped connection): a write in progress touches its temp
 * file at every chunk and renames it within milliseconds of its last chunk, so 15 minutes
 * without a change means nobody will rename it. The next write into that directory removes it.
 */
export const STALE_TEMP_MS = 15 * 60_000;

/** Whether a directory entry is a stale temp file of ours (ages compared on the host's own clock). */
export function isStaleTemp(name: string, kind: FileKind, mtimeMs: number, hostNowMs: number): boolean {
  return (kind === 'file' || kind === 'link') && TEMP_NAME.test(name) && hostNowMs - mtimeMs > STALE_TEMP_MS;
}
