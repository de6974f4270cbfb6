/**
 * The persistent shell's loop and framing, driven through a stand-in for an ssh2 client whose
 * exec channels are local `/bin/sh -c` processes (what sshd runs for an exec request).
 */
import { execFileSync, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Client } from 'ssh2';
import { EndScanner, RemoteShell, shellEligible, SHELL_MAX_SCRIPT } from '../../src/connection/ssh/shell.js';
import { newMarker, sudoCommand } from '../../src/connection/ssh/become.js';
import { ConnectionError } from '../../src/connection/connection.js';

class LocalChannel extends EventEmitter {
  readonly stderr = new EventEmitter();
  constructor(readonly proc: ReturnType<typeof spawn>) {
    super();
    proc.stdout!.on('data', (d: Buffer) => this.emit('data', d));
    proc.stderr!.on('data', (d: Buffer) => this.stderr.emit('data', d));
    proc.on('close', () => this.emit('close'));
  }
  write(d: string): boolean {
    return this.proc.stdin!.write(d);
  }
  end(): void {
    this.proc.stdin!.end();
  }
}

function localClient(): { client: Client; channels: LocalChannel[]; execs: string[] } {
  const channels: LocalChannel[] = [];
  const execs: string[] = [];
  const client = Object.assign(new EventEmitter(), {
    exec(cmd: string, cb: (err: Error | undefined, ch: LocalChannel) => void) {
      execs.push(cmd);
      const ch = new LocalChannel(spawn('/bin/sh', ['-c', cmd], { stdio: 'pipe' }));
      channels.push(ch);
      setImmediate(() => cb(undefined, ch));
    },
  });
  return { client: client as unknown as Client, channels, execs };
}

const spec = (commandLine = 'x') => ({ host: 'web1', commandLine });

describe('EndScanner', () => {
  const needle = Buffer.from('NONCE');
  it('finds the end record across chunk boundaries', () => {
    const s = new EndScanner(needle);
    expect(s.push(Buffer.from('hello NO'))).toBeUndefined();
    expect(s.push(Buffer.from('NCE 1'))).toBeUndefined();
    const r = s.push(Buffer.from('7\n'));
    expect(r?.body.toString()).toBe('hello ');
    expect(r?.line).toBe(' 17');
  });
  it('handles output without a trailing newline and many chunks', () => {
    const s = new EndScanner(needle);
    for (let i = 0; i < 1000; i++) expect(s.push(Buffer.from('x'.repeat(100)))).toBeUndefined();
    const r = s.push(Buffer.from('NONCE 0\n'));
    expect(r?.body.length).toBe(100_000);
  });
});

describe('shellEligible', () => {
  it('keeps stdin, timeouts, sudo passwords and huge scripts on exec channels', () => {
    expect(shellEligible(spec(), 'true')).toBe(true);
    expect(shellEligible({ ...spec(), stdin: 'x' }, 'cat')).toBe(false);
    expect(shellEligible({ ...spec(), timeoutMs: 5 }, 'true')).toBe(false);
    expect(shellEligible({ ...spec(), become: { options: { method: 'sudo', user: 'root', password: 'pw' }, marker: 'm' } }, 'true')).toBe(false);
    expect(shellEligible({ ...spec(), become: { options: { method: 'sudo', user: 'root' }, marker: 'm' } }, 'true')).toBe(true);
    expect(shellEligible(spec(), 'x'.repeat(SHELL_MAX_SCRIPT + 1))).toBe(false);
  });
});

describe('RemoteShell over a local /bin/sh', () => {
  it('runs each script sent on stdin as sh -c would, none of them in a command line', async () => {
    const { client, channels, execs } = localClient();
    let closed = 0;
    const sh = new RemoteShell(client, 'web1', () => closed++);
    expect(await sh.start(spec(), 'echo out; echo err >&2; exit 3')).toEqual({ rc: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(execs).toHaveLength(1);
    expect(execs[0]).not.toContain('echo out');
    expect(sh.busy).toBe(false);
    // no trailing newline, multi-line scripts, here-documents, quotes and backslashes
    expect(await sh.run(spec(), "printf '%s' 'a\\b'")).toEqual({ rc: 0, stdout: 'a\\b', stderr: '' });
    expect((await sh.run(spec(), 'cat <<EOF\n  two spaces\n$((1+2))\nEOF'))!.stdout).toBe('  two spaces\n3\n');
    const params = "echo 'it''s'; echo \"$0\" $# \"$1\"";
    expect((await sh.run(spec(), params))!.stdout).toBe(execFileSync('/bin/sh', ['-c', params], { encoding: 'utf8' }));
    // each script in its own subshell: cd, variables, set -e, traps and exit do not leak
    await sh.run(spec(), 'cd /; FOO=1; export BAR=2; set -e; trap "echo bye" EXIT; exit 0');
    expect((await sh.run(spec(), 'echo "[$FOO][$BAR]"; pwd; false; echo after'))!.stdout).toBe(`[][]\n${process.cwd()}\nafter\n`);
    // the loop's own variables are not visible; stdin is empty
    expect((await sh.run(spec(), 'echo "[${__o_n-}][${__o_s-}]"; cat'))!.stdout).toBe('[][]\n');
    // a syntax error fails that command only
    const bad = (await sh.run(spec(), 'if then'))!;
    expect(bad.rc).toBe(2);
    expect(bad.stderr).toMatch(/syntax error/i);
    expect((await sh.run(spec(), 'echo fine'))!.stdout).toBe('fine\n');
    // binary-ish and large output
    const big = (await sh.run(spec(), 'head -c 300000 /dev/zero | tr "\\0" y'))!;
    expect(big.stdout.length).toBe(300000);
    expect(channels).toHaveLength(1);
    sh.end();
    await new Promise((r) => channels[0]!.once('close', r));
    expect(closed).toBe(1);
    expect(sh.dead).toBe(true);
  });

  it('is busy while a command runs', async () => {
    const { client } = localClient();
    const sh = new RemoteShell(client, 'web1', () => undefined);
    const first = sh.start(spec(), 'sleep 0.2; echo done');
    expect(sh.busy).toBe(true);
    expect((await first).stdout).toBe('done\n');
    expect(sh.busy).toBe(false);
    sh.end();
  });

  it('fails the running command when the shell dies, and says so', async () => {
    const { client, channels } = localClient();
    const sh = new RemoteShell(client, 'web1', () => undefined);
    await sh.start(spec(), 'true');
    const p = sh.run(spec(), 'kill -KILL $$')!;
    await expect(p).rejects.not.toThrow(ConnectionError);
    await expect(p).rejects.toThrow(/web1: the remote shell ended while running a command/);
    expect(sh.dead).toBe(true);
    expect(channels).toHaveLength(1);
  });

  it('interprets sudo output as an exec channel does', async () => {
    const { client } = localClient();
    const sh = new RemoteShell(client, 'web1', () => undefined);
    const marker = newMarker();
    // a fake sudo on PATH: runs the command as is (the marker is printed by the command line)
    const line = sudoCommand('echo as-root', { method: 'sudo', user: 'root' }, marker).replace(/^sudo .*? -- /, '');
    expect(await sh.start({ ...spec(), become: { options: { method: 'sudo', user: 'root' }, marker } }, line)).toEqual({ rc: 0, stdout: 'as-root\n', stderr: '' });
    const failing = sh.run({ ...spec(), become: { options: { method: 'sudo', user: 'root' }, marker } }, 'echo "sudo: a password is required" >&2; exit 1')!;
    await expect(failing).rejects.toThrow(/password/);
    expect((await sh.run(spec(), 'echo next'))!.stdout).toBe('next\n');
    sh.end();
  });
});
