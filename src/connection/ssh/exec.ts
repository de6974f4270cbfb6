/**
 * One command on one exec channel: stdin, timeout (signal + close), sudo conversation, and a
 * dropped connection turned into ConnectionError.
 */
import type { Client, ClientChannel } from 'ssh2';
import { ConnectionError, type BecomeOptions, type ExecResult } from '../connection.js';
import { classifySudoError, isSuPrompt, stripSudoNoise, suErrorMessage, sudoErrorMessage, SUDO_PROMPT } from './become.js';

export interface RunSpec {
  host: string;
  commandLine: string;
  /**
   * The script the persistent shell evaluates for this command (commandLine without its
   * `/bin/sh -c` wrapper; with become, the whole sudo command). Unset: exec channel only.
   */
  shellScript?: string;
  stdin?: string | Buffer;
  timeoutMs?: number;
  /**
   * Set when commandLine was built by sudoCommand (or, method su, by suCommand) with this marker.
   * su runs on a PTY: its prompt and the command's stdout and stderr all come as stdout.
   */
  become?: { options: BecomeOptions; marker: string };
  /**
   * When set, the command line starts with reportPid(): it prints its process group on stderr,
   * and a timeout calls this to kill the group. sshd refuses signal requests in sessions
   * without privilege separation (root logins), so the signal request alone is not enough.
   */
  killGroup?: (pgid: number) => Promise<void>;
}

const PID_TAG = 'ORCHESTRATE-PGID:';

/** Prefix for a command line whose process group a timeout may have to kill. */
export function reportPid(commandLine: string): string {
  return `printf '${PID_TAG}%s\\n' $$ >&2; ${commandLine}`;
}

/** `attach` runs inside ssh2's callback: packets that arrived with the open confirmation
 * (exit-status of a quick command) are emitted right after it, before any await resumes. */
function openExecOnce(client: Client, cmd: string, attach: (ch: ClientChannel) => void, pty: boolean): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    const cb = (err: Error | undefined, ch: ClientChannel): void => {
      if (err) return reject(err);
      attach(ch);
      resolve(ch);
    };
    if (pty) client.exec(cmd, { pty: { term: 'dumb' } }, cb);
    else client.exec(cmd, cb);
  });
}

/**
 * sshd frees a closed session only after it has handled the rest of the packets read with the
 * close, so an open right after a close can briefly exceed MaxSessions: retry such refusals.
 */
export async function openExec(client: Client, cmd: string, attach: (ch: ClientChannel) => void, attempts = 6, pty = false): Promise<ClientChannel> {
  for (let i = 0; ; i++) {
    try {
      return await openExecOnce(client, cmd, attach, pty);
    } catch (e) {
      const refused = e instanceof Error && /open failure/i.test(e.message);
      if (!refused || i >= attempts - 1) throw e;
      await new Promise((r) => setTimeout(r, 5 * 2 ** i));
    }
  }
}

/**
 * A finished command's result from its whole output: with become, stdout up to the marker line is
 * sudo's (no marker: sudo failed, and its stderr says why).
 */
export function becomeResult(spec: RunSpec, stdout: string, stderr: string, rc: number): ExecResult {
  if (!spec.become) return { rc, stdout, stderr };
  const marker = `${spec.become.marker}\n`;
  const i = stdout.indexOf(marker);
  if (i < 0) throw new Error(sudoErrorMessage(classifySudoError(stderr, 0), spec.become.options, spec.host, stderr));
  return { rc, stdout: stdout.slice(i + marker.length), stderr: stripSudoNoise(stderr) };
}

export async function runCommand(client: Client, spec: RunSpec): Promise<ExecResult> {
  let result!: Promise<ExecResult>;
  const attach = (ch: ClientChannel): void => {
    result = new Promise((resolve, reject) => new ExecDriver(client, ch, spec, resolve, reject).start());
  };
  try {
    await openExec(client, spec.commandLine, attach, 6, spec.become?.options.method === 'su');
  } catch (e) {
    throw new ConnectionError(`${spec.host}: cannot open a channel: ${e instanceof Error ? e.message : String(e)}`, spec.host, e);
  }
  return result;
}

class ExecDriver {
  private readonly out: Buffer[] = [];
  private readonly err: Buffer[] = [];
  private pre = ''; // stdout before the become marker
  private started: boolean;
  private prompts = 0;
  private rc: number | undefined;
  private signal: string | undefined;
  private failure: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  private settled = false;

  constructor(
    private readonly client: Client,
    private readonly ch: ClientChannel,
    private readonly spec: RunSpec,
    private readonly resolve: (r: ExecResult) => void,
    private readonly reject: (e: Error) => void,
  ) {
    this.started = spec.become === undefined;
    this.pidPending = spec.killGroup !== undefined;
  }

  private pidBuf = '';

  /** Strip the leading `ORCHESTRATE-PGID:<n>` line from stderr. */
  private takePid(d: Buffer): Buffer {
    this.pidBuf += d.toString('latin1');
    const nl = this.pidBuf.indexOf('\n');
    if (nl < 0) return Buffer.alloc(0);
    this.pidPending = false;
    const line = this.pidBuf.slice(0, nl);
    const rest = Buffer.from(this.pidBuf.slice(nl + 1), 'latin1');
    if (!line.startsWith(PID_TAG)) return Buffer.from(this.pidBuf, 'latin1');
    this.pgid = Number(line.slice(PID_TAG.length));
    return rest;
  }

  start(): void {
    const { ch, spec } = this;
    ch.on('data', (d: Buffer) => this.onStdout(d));
    ch.stderr.on('data', (d: Buffer) => this.onStderr(d));
    ch.on('exit', (code: number | null, sig?: string) => {
      if (typeof code === 'number') this.rc = code;
      if (sig) this.signal = sig;
    });
    ch.on('close', () => this.finish());
    this.client.on('close', this.onDrop);
    if (spec.timeoutMs !== undefined && spec.timeoutMs > 0) {
      this.timer = setTimeout(() => this.kill(new Error(`${spec.host}: command timed out after ${spec.timeoutMs} ms`)), spec.timeoutMs);
    }
    if (this.started) this.sendStdin();
  }

  private readonly onDrop = (): void => {
    this.fail(new ConnectionError(`${this.spec.host}: connection dropped while running a command`, this.spec.host));
  };

  private sendStdin(): void {
    if (this.spec.stdin !== undefined) this.ch.end(this.spec.stdin);
    else this.ch.end();
  }

  private get su(): boolean {
    return this.spec.become?.options.method === 'su';
  }

  private onStdout(d: Buffer): void {
    if (this.started) return void this.out.push(d);
    this.pre += d.toString('latin1');
    const m = new RegExp(`${this.spec.become!.marker}\r?\n`).exec(this.pre);
    if (!m) return this.su ? this.suConversation() : undefined;
    this.started = true;
    const rest = this.pre.slice(m.index + m[0].length);
    if (rest) this.out.push(Buffer.from(rest, 'latin1'));
    if (!this.su) this.sendStdin(); // su: stdin is the terminal, the command reads /dev/null
  }

  /** su's output before the command started: answer its password prompt once. */
  private suConversation(): void {
    const text = Buffer.from(this.pre, 'latin1').toString('utf8');
    const n = text.split(/\r?\n/).filter((l) => isSuPrompt(l)).length;
    if (n <= this.prompts) return;
    this.prompts = n;
    const b = this.spec.become!.options;
    if (b.password === undefined) this.kill(new Error(suErrorMessage('password-required', b, this.spec.host, text)));
    else if (n === 1) this.ch.write(`${b.password}\n`);
    else this.kill(new Error(suErrorMessage('incorrect-password', b, this.spec.host, text)));
  }

  private pgid: number | undefined;
  private pidPending: boolean;

  private onStderr(d: Buffer): void {
    if (this.pidPending) d = this.takePid(d);
    if (d.length === 0) return;
    this.err.push(d);
    if (this.started || !this.spec.become) return;
    const text = Buffer.concat(this.err).toString('utf8');
    const n = text.split(SUDO_PROMPT).length - 1;
    if (n <= this.prompts) return;
    this.prompts = n;
    const pw = this.spec.become.options.password;
    if (n === 1 && pw !== undefined) this.ch.write(`${pw}\n`);
    else this.kill(new Error(sudoErrorMessage('incorrect-password', this.spec.become.options, this.spec.host, text)));
  }

  private kill(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    sendSignal(this.ch, this.spec.become ? 'TERM' : 'KILL');
    if (this.spec.killGroup && this.pgid) void this.spec.killGroup(this.pgid).catch(() => undefined);
    this.ch.close();
    // The server closes the channel once the process is gone; do not wait on it forever.
    setTimeout(() => this.fail(e), 1000).unref();
  }

  private fail(e: Error): void {
    if (this.settled) return;
    this.cleanup();
    this.reject(e);
  }

  private cleanup(): void {
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.client.off('close', this.onDrop);
  }

  private finish(): void {
    if (this.settled) return;
    if (this.failure) return this.fail(this.failure);
    const stderr = Buffer.concat(this.err).toString('utf8');
    if (!this.started && this.spec.become && this.su) {
      const text = Buffer.from(this.pre, 'latin1').toString('utf8');
      const b = this.spec.become.options;
      return this.fail(new Error(suErrorMessage(this.prompts > 0 && b.password !== undefined ? 'incorrect-password' : 'other', b, this.spec.host, text)));
    }
    if (!this.started && this.spec.become) {
      const kind = classifySudoError(stderr, this.prompts);
      return this.fail(new Error(sudoErrorMessage(kind, this.spec.become.options, this.spec.host, stderr)));
    }
    if (this.rc === undefined && this.signal === undefined) {
      return this.fail(new ConnectionError(`${this.spec.host}: channel closed without an exit status (connection lost?)`, this.spec.host));
    }
    this.cleanup();
    const res: ExecResult = {
      rc: this.rc ?? 128 + 9,
      stdout: Buffer.concat(this.out).toString('utf8'),
      stderr: this.spec.become ? stripSudoNoise(stderr) : stderr,
    };
    if (this.signal) res.signal = this.signal;
    this.resolve(res);
  }
}

interface ChannelInternals {
  writable: boolean;
  outgoing?: { id: number; state: string };
  _client?: { _protocol?: { signal(id: number, name: string): void } };
}

/**
 * ssh2's Channel.signal() does nothing once stdin is closed (it checks `writable`), but the
 * channel is still open and OpenSSH accepts the request: send it through the protocol then.
 */
function sendSignal(ch: ClientChannel, name: string): void {
  const c = ch as unknown as ChannelInternals;
  try {
    if (c.writable) ch.signal(name);
    else if (c.outgoing?.state === 'open') c._client?._protocol?.signal(c.outgoing.id, name);
  } catch {
    // signal requests are best effort
  }
}
