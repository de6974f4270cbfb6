/**
 * A connection that does no I/O: an in-memory filesystem, and commands answered at once by a
 * tiny shell (`echo WORDS`, `true`, `false`, `exit N`; anything else succeeds with no output)
 * or by the handler it is given. The engine benchmark runs its fleet on it (the engine alone,
 * no network) and the executor's tests run playbooks on it in-process. It is a complete
 * implementation of the Connection contract, but no inventory selects it.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Connection, ExecOptions, ExecResult, FileInfo, WriteOptions, WriteResult } from './connection.js';

/** Answers a command in place of the built-in shell (undefined: the built-in shell answers). */
export type MemoryExec = (command: string, opts: ExecOptions | undefined) => ExecResult | undefined;

interface Entry {
  kind: 'file' | 'directory' | 'link';
  mode: number;
  content?: Buffer;
  target?: string;
  owner: string;
  group: string;
}

export class MemoryConnection implements Connection {
  readonly transport = 'memory';
  readonly files = new Map<string, Entry>([['/', { kind: 'directory', mode: 0o755, owner: 'root', group: 'root' }]]);
  execCount = 0;
  /** Every command run, in order. */
  readonly commands: string[] = [];

  constructor(
    readonly host: string,
    private readonly handler?: MemoryExec,
  ) {}

  async connect(): Promise<void> {}

  async exec(command: string, opts?: ExecOptions): Promise<ExecResult> {
    this.execCount++;
    this.commands.push(command);
    return this.handler?.(command, opts) ?? tinyShell(command);
  }

  async stat(p: string): Promise<FileInfo> {
    const e = this.files.get(p);
    if (!e) return { exists: false };
    return { exists: true, kind: e.kind, mode: e.mode, uid: 0, gid: 0, owner: e.owner, group: e.group, size: e.content?.length ?? 0, mtime: 0, ...(e.target ? { linkTarget: e.target } : {}) };
  }

  async readFile(p: string): Promise<Buffer> {
    const e = this.files.get(p);
    if (!e || e.kind !== 'file') throw new Error(`${p}: no such file`);
    return e.content ?? Buffer.alloc(0);
  }

  async sha256(p: string): Promise<string | undefined> {
    const e = this.files.get(p);
    return e?.kind === 'file' ? createHash('sha256').update(e.content ?? Buffer.alloc(0)).digest('hex') : undefined;
  }

  async writeFile(p: string, content: Buffer | string, opts: WriteOptions): Promise<WriteResult> {
    const parent = this.files.get(path.dirname(p));
    if (!parent || parent.kind !== 'directory') throw new Error(`${path.dirname(p)}: no such directory`);
    this.files.set(p, { kind: 'file', mode: opts.mode, content: Buffer.from(content), owner: opts.owner ?? 'root', group: opts.group ?? 'root' });
    return {};
  }

  async mkdir(p: string, mode = 0o755): Promise<void> {
    const parts = p.split('/').filter(Boolean);
    let cur = '';
    for (const part of parts) {
      cur += `/${part}`;
      if (!this.files.has(cur)) this.files.set(cur, { kind: 'directory', mode, owner: 'root', group: 'root' });
    }
  }

  async chmod(p: string, mode: number): Promise<void> {
    const e = this.files.get(p);
    if (!e) throw new Error(`${p}: no such file`);
    e.mode = mode;
  }

  async chown(p: string, owner?: string, group?: string): Promise<void> {
    const e = this.files.get(p);
    if (!e) throw new Error(`${p}: no such file`);
    if (owner) e.owner = owner;
    if (group) e.group = group;
  }

  async remove(p: string): Promise<void> {
    for (const k of [...this.files.keys()]) if (k === p || k.startsWith(`${p}/`)) this.files.delete(k);
  }

  async symlink(target: string, p: string): Promise<void> {
    this.files.set(p, { kind: 'link', mode: 0o777, target, owner: 'root', group: 'root' });
  }

  async rename(from: string, to: string): Promise<void> {
    const e = this.files.get(from);
    if (!e) throw new Error(`${from}: no such file`);
    this.files.delete(from);
    this.files.set(to, e);
  }

  async close(): Promise<void> {}
}

const unquote = (w: string): string => w.replace(/^'(.*)'$/, '$1');

/** `echo WORDS` prints them; `true`, `false` and `exit N` give their status; the rest succeeds. */
function tinyShell(command: string): ExecResult {
  const cmd = command.trim();
  const echo = /^'?echo'? (.*)$/.exec(cmd);
  if (echo) return { rc: 0, stdout: `${echo[1]!.split(' ').map(unquote).join(' ')}\n`, stderr: '' };
  const word = unquote(cmd);
  if (word === 'false') return { rc: 1, stdout: '', stderr: '' };
  const exit = /^exit (\d+)$/.exec(cmd);
  if (exit) return { rc: Number(exit[1]), stdout: '', stderr: '' };
  return { rc: 0, stdout: '', stderr: '' };
}
