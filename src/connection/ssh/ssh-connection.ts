/** SshConnection: the Connection contract over one shared SshSession, with an optional become. */
import { posix } from 'node:path';
import {
  type BecomeOptions, type Connection, ConnectionError, type ConnectionSettings, type ExecOptions, type ExecResult,
  type FileInfo, tempNameFor, type WriteOptions, type WriteResult,
  type MadeDir,
} from '../connection.js';
import { buildScript, newMarker, plainCommand, sudoCommand } from './become.js';
import {
  becomeRead, becomeRun, becomeScripts, becomeSha256, becomeStat, becomeWrite, type BecomeRunner,
} from './become-files.js';
import type { SshRuntime } from './runtime.js';
import { SshSession } from './session.js';

export class SshConnection implements Connection {
  readonly transport = 'ssh';

  constructor(
    private readonly session: SshSession,
    private readonly become?: BecomeOptions,
  ) {}

  get host(): string {
    return this.session.host;
  }

  /** The same connection (client, SFTP, channels) with another default become. */
  withBecome(become: BecomeOptions | false): SshConnection {
    return new SshConnection(this.session, become === false ? undefined : become);
  }

  async connect(): Promise<void> {
    await this.session.connect();
  }

  private sudoFor(b: BecomeOptions | false | undefined): BecomeOptions | undefined {
    const eff = b === undefined ? this.become : b === false ? undefined : b;
    if (!eff) return undefined;
    return (eff.user || 'root') === this.session.loginUser ? undefined : eff;
  }

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const parts: { env?: Record<string, string>; cwd?: string } = {};
    if (opts.env) parts.env = opts.env;
    if (opts.cwd !== undefined) parts.cwd = opts.cwd;
    const script = buildScript(command, parts);
    const timeoutMs = opts.timeoutMs ?? this.session.settings.commandTimeoutMs;
    const b = this.sudoFor(opts.become);
    const base = { ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
    if (!b) return this.session.exec({ ...base, commandLine: plainCommand(script), shellScript: script });
    const marker = newMarker();
    const line = sudoCommand(script, b, marker);
    return this.session.exec({ ...base, commandLine: line, shellScript: line, become: { options: b, marker } });
  }

  /** Runner for file operations as the become user, or undefined to use SFTP as the login user. */
  private runner(): BecomeRunner | undefined {
    const b = this.sudoFor(undefined);
    if (!b) return undefined;
    return (script, stdin) => this.exec(script, { become: b, ...(stdin !== undefined ? { stdin } : {}) });
  }

  async stat(path: string): Promise<FileInfo> {
    const run = this.runner();
    return run ? becomeStat(run, path) : (await this.session.sftp()).stat(path);
  }

  async readFile(path: string): Promise<Buffer> {
    const run = this.runner();
    return run ? becomeRead(run, path) : (await this.session.sftp()).readFile(path);
  }

  async sha256(path: string): Promise<string | undefined> {
    const run = this.runner();
    if (run) return becomeSha256(run, path);
    const h = await (await this.session.sftp()).sha256(path);
    if (h !== 'large') return h;
    return becomeSha256((script) => this.exec(script, { become: false }), path);
  }

  async writeFile(path: string, content: Buffer | string, opts: WriteOptions): Promise<WriteResult> {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const run = this.runner();
    if (!run) return (await this.session.sftp()).writeAtomic(path, data, opts);
    const b = this.sudoFor(undefined)!;
    const swept = this.session.sweptDirs;
    const sweep = !swept.has(posix.dirname(path));
    swept.add(posix.dirname(path));
    // A failed write names the host as SFTP's do ("web1: writeFile(/p): cat: write error: No space left on device").
    const named = (e: unknown): never => {
      throw e instanceof Error && !(e instanceof ConnectionError) && !e.message.startsWith(`${this.host}: `) ? Object.assign(new Error(`${this.host}: ${e.message}`), { cause: e }) : e;
    };
    if ((b.user || 'root') !== 'root') return becomeWrite(run, path, data, { ...opts, sweep }).catch(named); // content on stdin
    // Root: upload into the private temp dir (0700, login user), then one sudo command moves it in.
    const [dir, sftp] = await Promise.all([this.session.tmpDir(), this.session.sftp()]);
    const source = posix.join(dir, `upload-${Math.random().toString(36).slice(2)}`);
    await sftp.writeAtomic(source, data, { mode: 0o600 });
    return becomeWrite(run, path, data, { ...opts, source, sweep }).catch(named);
  }

  async mkdir(path: string, mode?: number): Promise<MadeDir | void> {
    const run = this.runner();
    if (run) return becomeRun(run, becomeScripts.mkdir(path, mode), `mkdir(${path})`);
    return (await this.session.sftp()).mkdirp(path, mode);
  }

  async chmod(path: string, mode: number): Promise<void> {
    const run = this.runner();
    if (run) return becomeRun(run, becomeScripts.chmod(path, mode), `chmod(${path})`);
    return (await this.session.sftp()).chmod(path, mode);
  }

  async chown(path: string, owner?: string, group?: string): Promise<void> {
    if (owner === undefined && group === undefined) return;
    const run = this.runner();
    if (run) return becomeRun(run, becomeScripts.chown(path, owner, group), `chown(${path})`);
    return (await this.session.sftp()).chown(path, owner, group);
  }

  async remove(path: string, recursive = false): Promise<void> {
    const run = this.runner() ?? (recursive ? (s: string) => this.exec(s, { become: false }) : undefined);
    if (run) return becomeRun(run, becomeScripts.remove(path, recursive), `remove(${path})`);
    return (await this.session.sftp()).remove(path);
  }

  async symlink(target: string, path: string): Promise<void> {
    const run = this.runner();
    if (run) return becomeRun(run, becomeScripts.symlink(target, path, tempNameFor(path, '.lnk')), `symlink(${path})`);
    return (await this.session.sftp()).symlink(target, path);
  }

  async rename(from: string, to: string): Promise<void> {
    const run = this.runner();
    if (run) return becomeRun(run, becomeScripts.rename(from, to), `rename(${from})`);
    return (await this.session.sftp()).rename(from, to);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

export function createSshConnection(settings: ConnectionSettings, opts: SshRuntime): SshConnection {
  return new SshConnection(new SshSession(settings, opts), settings.become);
}
