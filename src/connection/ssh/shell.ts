/**
 * The host's persistent shell: one exec channel running a small POSIX sh loop that reads scripts
 * on its stdin and runs each in a subshell (stdin from /dev/null, no positional parameters), then
 * writes an end record: `<nonce> <rc>\n` on stdout and `<nonce>\n` on stderr. A command costs
 * one round trip and one fork of that shell, where an exec channel costs two round trips (open,
 * exec), an sshd session process and a fresh /bin/sh; opening the shell costs those once. Scripts
 * travel on stdin only, so no command line of ours (and no secret in one) shows in the host's `ps`.
 *
 * A script reaches the loop as lines ended by a line holding only the nonce (random per shell, so
 * no script line can be mistaken for it); `read` takes stdin byte by byte, as POSIX requires, so
 * nothing is read ahead. Commands that need stdin, a sudo password conversation or a timeout keep
 * their own exec channel (ExecDriver), and so does any command sent while the shell is busy.
 */
import { randomBytes } from 'node:crypto';
import type { Client, ClientChannel } from 'ssh2';
import { ConnectionError, shellQuote, type ExecResult } from '../connection.js';
import { becomeResult, openExec, type RunSpec } from './exec.js';

/** Scripts above this size go over their own exec channel (the loop reads stdin byte by byte). */
export const SHELL_MAX_SCRIPT = 64 * 1024;

/** Whether a command can run in the persistent shell. */
export function shellEligible(spec: RunSpec, script: string): boolean {
  return (
    spec.stdin === undefined &&
    spec.timeoutMs === undefined &&
    spec.become?.options.password === undefined &&
    spec.become?.options.method !== 'su' &&
    script.length <= SHELL_MAX_SCRIPT &&
    !script.includes('\0')
  );
}

/** The loop (`sh -c LOOP`): every script read from stdin, in a subshell of its own. */
export function shellLoop(nonce: string): string {
  return [
    `__o_n=${nonce}`,
    `__o_run() { ( __o_c=$1; unset __o_n __o_l __o_s __o_r; set --; eval "$__o_c" ) </dev/null; __o_r=$?; printf '%s %s\\n' "$__o_n" "$__o_r"; printf '%s\\n' "$__o_n" >&2; }`,
    '__o_s=',
    'while IFS= read -r __o_l; do',
    '  case $__o_l in',
    '  "$__o_n") __o_run "$__o_s"; __o_s= ;;',
    `  *) __o_s="$__o_s$__o_l`,
    '" ;;',
    '  esac',
    'done',
  ].join('\n');
}

/**
 * Collects one stream up to the end record: the needle, then the rest of that line. Data after
 * the record can only come from a background process of the command, and is dropped.
 */
export class EndScanner {
  private parts: Buffer[] = [];
  private len = 0;
  private at = -1;

  constructor(private readonly needle: Buffer) {}

  /** Returns the body and the end line once both are complete. */
  push(d: Buffer): { body: Buffer; line: string } | undefined {
    if (d.length === 0 && this.len === 0) return undefined;
    this.parts.push(d);
    this.len += d.length;
    if (this.at < 0) {
      const from = Math.max(0, this.len - d.length - (this.needle.length - 1));
      const i = this.tail(from).indexOf(this.needle);
      if (i < 0) return undefined;
      this.at = from + i;
    }
    const after = this.tail(this.at + this.needle.length);
    const nl = after.indexOf(10);
    if (nl < 0) return undefined;
    const all = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    return { body: all.subarray(0, this.at), line: after.subarray(0, nl).toString('latin1') };
  }

  /** Bytes from absolute offset `from` to the end. */
  private tail(from: number): Buffer {
    let start = this.len;
    let k = this.parts.length;
    while (k > 0 && start > from) start -= this.parts[--k]!.length;
    const buf = k === this.parts.length - 1 ? this.parts[k]! : Buffer.concat(this.parts.slice(k));
    return buf.subarray(from - start);
  }
}

interface Pending {
  spec: RunSpec;
  out: EndScanner;
  err: EndScanner;
  stdout?: Buffer;
  rc?: number;
  stderr?: Buffer;
  resolve: (r: ExecResult) => void;
  reject: (e: Error) => void;
}

export class RemoteShell {
  private ch: ClientChannel | undefined;
  private current: Pending | undefined;
  private readonly nonce = `ORCHESTRATE-SH-${randomBytes(12).toString('hex')}`;
  private readonly needle = Buffer.from(this.nonce, 'latin1');
  /** Set once the channel is gone (or failed to open): open another shell. */
  dead = false;

  constructor(
    private readonly client: Client,
    private readonly host: string,
    /** Called once when the channel is closed (the session releases its channel permit). */
    private readonly onClose: () => void,
  ) {}

  get busy(): boolean {
    return this.current !== undefined || this.ch === undefined;
  }

  /**
   * Open the channel and send the first script as soon as the loop runs. Scripts only ever travel
   * on stdin, never in a command line that other users of the host could read in `ps`.
   */
  start(spec: RunSpec, script: string): Promise<ExecResult> {
    const result = this.expect(spec);
    const cmd = `/bin/sh -c ${shellQuote(shellLoop(this.nonce))}`;
    const attach = (ch: ClientChannel): void => {
      this.attach(ch);
      this.send(script);
    };
    openExec(this.client, cmd, attach).catch((e: unknown) => {
      this.dead = true;
      this.onClose();
      this.settle(new ConnectionError(`${this.host}: cannot open a channel: ${e instanceof Error ? e.message : String(e)}`, this.host, e));
    });
    return result;
  }

  /** Run a script (the caller checked `busy` and shellEligible); undefined if this shell cannot frame it. */
  run(spec: RunSpec, script: string): Promise<ExecResult> | undefined {
    if (script.includes(this.nonce)) return undefined;
    const result = this.expect(spec);
    this.send(script);
    return result;
  }

  private send(script: string): void {
    this.ch!.write(`${script}\n${this.nonce}\n`);
  }

  /** Ask the loop to exit (end of stdin). */
  end(): void {
    if (this.ch && !this.dead) this.ch.end();
  }

  private expect(spec: RunSpec): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
      this.current = { spec, out: new EndScanner(this.needle), err: new EndScanner(this.needle), resolve, reject };
    });
  }

  private readonly onDrop = (): void => {
    this.settle(new ConnectionError(`${this.host}: connection dropped while running a command`, this.host));
  };

  private attach(ch: ClientChannel): void {
    this.ch = ch;
    ch.on('data', (d: Buffer) => this.onStdout(d));
    ch.stderr.on('data', (d: Buffer) => this.onStderr(d));
    this.client.on('close', this.onDrop);
    ch.on('close', () => {
      const wasDead = this.dead;
      this.dead = true;
      if (!wasDead) this.onClose();
      // A dropped connection closes its channels first: let its own event name the cause. The
      // connection itself is fine otherwise (the host stays reachable; the next command opens
      // another shell).
      setImmediate(() => {
        this.client.off('close', this.onDrop);
        this.settle(new Error(`${this.host}: the remote shell ended while running a command (killed?)`));
      });
    });
  }

  private onStdout(d: Buffer): void {
    const p = this.current;
    if (!p || p.stdout) return; // output of a background process of an earlier command
    const r = p.out.push(d);
    if (!r) return;
    p.stdout = r.body;
    p.rc = Number(r.line.trim());
    this.maybeDone();
  }

  private onStderr(d: Buffer): void {
    const p = this.current;
    if (!p || p.stderr) return;
    const r = p.err.push(d);
    if (!r) return;
    p.stderr = r.body;
    this.maybeDone();
  }

  private maybeDone(): void {
    const p = this.current;
    if (!p || p.stdout === undefined || p.stderr === undefined) return;
    this.current = undefined;
    try {
      p.resolve(becomeResult(p.spec, p.stdout.toString('utf8'), p.stderr.toString('utf8'), Number.isFinite(p.rc) ? p.rc! : 128 + 9));
    } catch (e) {
      p.reject(e as Error);
    }
  }

  private settle(e: Error): void {
    const p = this.current;
    this.current = undefined;
    p?.reject(e);
  }
}
