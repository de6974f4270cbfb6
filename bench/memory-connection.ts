/**
 * A connection that does no I/O: an in-memory filesystem and commands that succeed at once.
 * Used by the engine benchmark (and tests) to measure the engine alone.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Connection, ExecOptions, ExecResult, FileInfo, WriteOptions, WriteResult } from '../src/connection/connection.js';

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

  constructor(readonly host: string) {}

  async connect(): Promise<void> {}

  async exec(command: string, _opts?: ExecOptions): Promise<ExecResult> {
    this.execCount++;
    const echo = /^echo (.*)$/.exec(command);
    return { rc: 0, stdout: echo ? `${echo[1]}\n` : '', stderr: '' };
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
