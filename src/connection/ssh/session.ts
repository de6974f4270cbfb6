/**
 * The per-host SSH session shared by every view of a connection: one client opened lazily
 * (concurrent first calls share one connect), a channel semaphore, one persistent shell for
 * commands, one SFTP session, and a private remote temp dir created on first use and removed at
 * close.
 */
import type { Client } from 'ssh2';
import { ConnectionError, type ConnectionSettings, type ExecResult } from '../connection.js';
import { plainCommand } from './become.js';
import { reportPid, runCommand, type RunSpec } from './exec.js';
import type { SshRuntime } from './runtime.js';
import { Semaphore } from './semaphore.js';
import { RemoteShell, shellEligible } from './shell.js';
import { SftpFiles } from './sftp-files.js';
import { loadSshConfig, type SshConfig } from './ssh-config.js';
import { resolveTarget, type TargetChain } from './target.js';
import { openChain, type OpenChain } from './client.js';
import { warnOnce } from './host-key.js';

let defaultConfig: SshConfig | undefined;

function sshConfigOf(runtime: SshRuntime): SshConfig {
  if (runtime.sshConfig) return runtime.sshConfig;
  if (!defaultConfig) {
    defaultConfig = loadSshConfig();
    for (const w of defaultConfig.warnings) warnOnce(runtime, w);
  }
  return defaultConfig;
}

export class SshSession {
  readonly chain: TargetChain;
  readonly sem: Semaphore;
  private opening: Promise<OpenChain> | undefined;
  private opened: OpenChain | undefined;
  private sftpP: Promise<SftpFiles> | undefined;
  /** The SFTP session last opened (kept after a drop, for its leftover temp files). */
  private files: SftpFiles | undefined;
  private tmpP: Promise<string> | undefined;
  private shell: RemoteShell | undefined;
  private lost: ConnectionError | undefined;
  private closing = false;
  /** Directories a become write has swept of stale temp files (once each per connection). */
  readonly sweptDirs = new Set<string>();

  constructor(
    readonly settings: ConnectionSettings,
    readonly runtime: SshRuntime,
  ) {
    this.chain = resolveTarget(settings, runtime, sshConfigOf(runtime));
    this.sem = new Semaphore(runtime.maxChannels ?? 8);
  }

  get host(): string {
    return this.settings.host;
  }

  get loginUser(): string {
    return this.chain.target.user;
  }

  connect(): Promise<Client> {
    if (this.lost) return Promise.reject(this.lost);
    if (this.closing) return Promise.reject(new ConnectionError(`${this.host}: connection is closed`, this.host));
    this.opening ??= openChain(this.chain, this.host, this.runtime).then((o) => this.onOpen(o));
    this.opening.catch(() => (this.opening = undefined));
    return this.opening.then((o) => o.client);
  }

  private onOpen(o: OpenChain): OpenChain {
    this.opened = o;
    o.client.setMaxListeners(0);
    o.client.on('close', () => {
      if (!this.closing) this.lost = new ConnectionError(`${this.host}: connection lost`, this.host);
      this.files?.drop();
      this.opened = undefined;
      this.shell = undefined;
      this.sftpP = undefined;
    });
    return o;
  }

  async exec(spec: Omit<RunSpec, 'host'>): Promise<ExecResult> {
    const client = await this.connect();
    const run: RunSpec = { ...spec, host: this.host };
    const viaShell = this.viaShell(client, run);
    if (viaShell) return viaShell;
    if (spec.timeoutMs !== undefined && this.loginUser === 'root') {
      run.commandLine = reportPid(spec.commandLine);
      run.killGroup = (pgid) => this.killGroup(client, pgid);
    }
    return this.sem.run(() => {
      this.runtime.stats?.inc(this.host, 'execChannels');
      this.runtime.stats?.inc(this.host, 'roundTrips', 2);
      return runCommand(client, run);
    });
  }

  /**
   * The command in the persistent shell, or undefined when it must (or, the shell being busy,
   * had better) have its own channel. The shell holds one channel permit while it lives, and is
   * only opened when that leaves room for the SFTP session and an exec channel.
   */
  private viaShell(client: Client, run: RunSpec): Promise<ExecResult> | undefined {
    const script = run.shellScript;
    if (script === undefined || this.runtime.persistentShell === false || this.settings.persistentShell === false) return undefined;
    if (!shellEligible(run, script)) return undefined;
    if (this.shell?.dead) this.shell = undefined;
    const stats = this.runtime.stats;
    if (!this.shell) {
      if (this.sem.size < 3 || !this.sem.tryAcquire()) return undefined;
      const sh = new RemoteShell(client, this.host, () => this.sem.release());
      this.shell = sh;
      stats?.inc(this.host, 'execChannels');
      stats?.inc(this.host, 'shellCommands');
      stats?.inc(this.host, 'roundTrips', 3); // open, exec, then the script
      return sh.start(run, script);
    }
    if (this.shell.busy) return undefined;
    const result = this.shell.run(run, script);
    if (!result) return undefined;
    stats?.inc(this.host, 'shellCommands');
    stats?.inc(this.host, 'roundTrips');
    return result;
  }

  /** Outside the channel semaphore (its permits may all be held by hung commands). */
  private async killGroup(client: Client, pgid: number): Promise<void> {
    this.runtime.stats?.inc(this.host, 'execChannels');
    await runCommand(client, { host: this.host, commandLine: `kill -KILL -- -${pgid} 2>/dev/null || kill -KILL ${pgid}` });
  }

  /** The one SFTP session; it holds one channel permit for its lifetime. */
  sftp(): Promise<SftpFiles> {
    this.sftpP ??= this.openSftp();
    this.sftpP.catch(() => (this.sftpP = undefined));
    return this.sftpP;
  }

  private async openSftp(): Promise<SftpFiles> {
    const client = await this.connect();
    await this.sem.acquire();
    try {
      const sftp = await new Promise<import('ssh2').SFTPWrapper>((resolve, reject) =>
        client.sftp((err, s) => (err ? reject(err) : resolve(s))),
      );
      this.runtime.stats?.inc(this.host, 'sftpSessions');
      this.runtime.stats?.inc(this.host, 'roundTrips', 3);
      sftp.on('close', () => this.sem.release());
      this.files = new SftpFiles(sftp, this.host, this.runtime.stats);
      return this.files;
    } catch (e) {
      this.sem.release();
      throw new ConnectionError(`${this.host}: cannot open an SFTP session: ${e instanceof Error ? e.message : String(e)}`, this.host, e);
    }
  }

  /** A private (0700) temp dir for this connection, created once. */
  tmpDir(): Promise<string> {
    const script = 'mktemp -d /tmp/.orchestrate-XXXXXXXX 2>/dev/null || { mkdir -p -m 0700 "$HOME/.orchestrate-tmp" && mktemp -d "$HOME/.orchestrate-tmp/XXXXXXXX"; }';
    this.tmpP ??= this.exec({ commandLine: plainCommand(script), shellScript: script }).then((r) => {
      const dir = r.stdout.trim();
      if (r.rc !== 0 || !dir.startsWith('/')) throw new Error(`${this.host}: cannot create a private temp dir: ${r.stderr.trim()}`);
      return dir;
    });
    this.tmpP.catch(() => (this.tmpP = undefined));
    return this.tmpP;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    if (this.lost) await this.cleanUpAfterLoss();
    const o = this.opened ?? (this.opening ? await this.opening.catch(() => undefined) : undefined);
    if (o && this.tmpP && !this.lost) {
      const dir = await this.tmpP.catch(() => undefined);
      const rm = `rm -rf -- '${dir}'`;
      if (dir) await this.exec({ commandLine: rm, shellScript: rm }).catch(() => undefined);
    }
    this.closing = true;
    this.shell?.end();
    if (this.sftpP) (await this.sftpP.catch(() => undefined))?.end();
    if (o) {
      const done = new Promise<void>((r) => o.client.once('close', () => r()));
      o.client.end();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      for (const j of [...o.jumps].reverse()) j.end();
    }
  }

  /**
   * After a dropped connection: temp files of interrupted writes and the private temp dir are
   * removed over one fresh connection (one attempt, best effort; an unreachable host keeps them).
   */
  private async cleanUpAfterLoss(): Promise<void> {
    const temps = [...(this.files?.temps ?? [])];
    const dir = this.tmpP ? await this.tmpP.catch(() => undefined) : undefined;
    if (temps.length === 0 && dir === undefined) return;
    const q = (p: string): string => `'${p.replace(/'/g, `'\\''`)}'`;
    const script = [temps.length > 0 ? `rm -f -- ${temps.map(q).join(' ')}` : '', dir ? `rm -rf -- ${q(dir)}` : ''].filter(Boolean).join('; ');
    let o: OpenChain | undefined;
    try {
      o = await openChain(this.chain, this.host, { ...this.runtime, connectRetries: 0 });
      this.runtime.stats?.inc(this.host, 'execChannels');
      await runCommand(o.client, { host: this.host, commandLine: script });
      this.files?.temps.clear();
    } catch {
      // the host stays unreachable: nothing more to do from here
    } finally {
      o?.client.end();
      for (const j of [...(o?.jumps ?? [])].reverse()) j.end();
    }
  }
}
