import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/local/local.js';
import type { ExecOptions, ExecResult } from '../../src/connection/connection.js';
import { command } from '../../src/modules/command.js';
import { debug } from '../../src/modules/debug.js';
import { fail } from '../../src/modules/fail.js';
import { get_url } from '../../src/modules/get_url.js';
import { meta } from '../../src/modules/meta.js';
import { ping } from '../../src/modules/ping.js';
import { raw } from '../../src/modules/raw.js';
import { runModule } from '../../src/modules/run.js';
import { set_fact } from '../../src/modules/set_fact.js';
import { shell } from '../../src/modules/shell.js';
import { systemd } from '../../src/modules/systemd.js';
import { unarchive } from '../../src/modules/unarchive.js';
import { uri } from '../../src/modules/uri.js';
import { portProbe, wait_for } from '../../src/modules/wait_for.js';
import { ManualClock } from '../helpers/clock.js';
import type { TestContext } from '../helpers/module-context.js';
import { makeContext } from '../helpers/module-context.js';

let t: TestContext;
beforeEach(async () => {
  t = await makeContext({ vars: { nomad: { version: '1.7.2' }, items: [1, 2] } });
});
afterEach(() => t.cleanup());

describe('command / shell / raw', () => {
  it('command quotes argv (no shell) and registers results', async () => {
    const r = await runModule(command, t.ctx, `printf '%s|' "a b" $HOME`);
    expect(r.changed).toBe(true);
    expect(r.data).toMatchObject({ rc: 0, stdout: 'a b|$HOME|', stdout_lines: ['a b|$HOME|'], cmd: ['printf', '%s|', 'a b', '$HOME'] });
    expect(r.data['delta']).toMatch(/^0:00:\d\d\.\d{6}$/);
  });

  it('rc != 0 fails with the registered data', async () => {
    const r = await runModule(shell, t.ctx, 'echo oops >&2; exit 2');
    expect(r).toMatchObject({ failed: true, msg: 'non-zero return code', data: { rc: 2, stderr: 'oops', stderr_lines: ['oops'] } });
  });

  it('creates/removes decide, also in check mode; otherwise skipped in check mode', async () => {
    const marker = join(t.root, 'done');
    const args = `touch ${marker} creates=${marker}`;
    const chk = await runModule(command, t.with({ checkMode: true }), args);
    expect(chk).toMatchObject({ skipped: true, changed: false });
    expect(existsSync(marker)).toBe(false);
    expect((await runModule(command, t.ctx, args)).changed).toBe(true);
    const again = await runModule(command, t.with({ checkMode: true }), args);
    expect(again).toMatchObject({ skipped: false, changed: false, reason: `did not run command since '${marker}' exists` });
    expect((await runModule(shell, t.ctx, { cmd: 'false', removes: join(t.root, 'nope') })).changed).toBe(false);
  });

  it('shell: pipes, chdir, stdin, executable; raw', async () => {
    const r = await runModule(shell, t.ctx, { cmd: 'cat | tr a-z A-Z; pwd', chdir: t.root, stdin: 'hi' });
    expect(r.data['stdout_lines']).toEqual(['HI', t.root]);
    const b = await runModule(shell, t.ctx, { cmd: 'echo $0', executable: '/bin/sh' });
    expect(b.data['stdout']).toBe('/bin/sh');
    expect((await runModule(raw, t.ctx, 'echo raw')).data['stdout']).toBe('raw');
  });

  it('validation errors', async () => {
    expect((await runModule(command, t.ctx, { cmd: 'ls', chdr: '/' })).msg).toBe('command: unsupported parameter "chdr" for command (did you mean "chdir"?)');
    expect((await runModule(command, t.ctx, null)).msg).toMatch(/one of the following is required: cmd, argv/);
  });
});

describe('controller modules', () => {
  it('set_fact, debug, meta, fail, ping', async () => {
    const sf = await runModule(set_fact, t.ctx, { a: 1, b: 'x', cacheable: 'yes' });
    expect(sf.data).toEqual({ ansible_facts: { a: 1, b: 'x' }, cacheable: true });
    expect(sf.facts).toEqual({ a: 1, b: 'x' });
    expect((await runModule(set_fact, t.ctx, 'a=1 b=two')).data['ansible_facts']).toEqual({ a: '1', b: 'two' });
    expect((await runModule(set_fact, t.ctx, { 'bad-name': 1 })).msg).toMatch(/"bad-name" is not a valid variable name/);
    const dv = await runModule(debug, t.ctx, { var: 'nomad.version' });
    expect(dv.data).toEqual({ 'nomad.version': '1.7.2' });
    expect(dv.output).toEqual({ value: { 'nomad.version': '1.7.2' }, verbosity: 0 });
    expect((await runModule(debug, t.ctx, { var: 'items[1]' })).data).toEqual({ 'items[1]': 2 });
    const dm = await runModule(debug, t.ctx, { msg: 'hi', verbosity: 2 });
    expect(dm.data).toEqual({ msg: 'hi' });
    expect(dm.output).toEqual({ value: 'hi', verbosity: 2 });
    expect((await runModule(debug, t.ctx, {})).data).toEqual({ msg: 'Hello world!' });
    const m = await runModule(meta, t.ctx, 'flush_handlers');
    expect(m.data).toEqual({});
    expect(m.control).toBe('flush_handlers');
    expect((await runModule(meta, t.ctx, 'flush_handler')).msg).toMatch(/action must be one of/);
    expect(await runModule(fail, t.ctx, { msg: 'stop here' })).toMatchObject({ failed: true, msg: 'stop here' });
    expect((await runModule(ping, t.ctx, null)).data).toEqual({ ping: 'pong' });
  });

  it('assert (needs src/template)', async () => {
    let assertMod;
    try {
      assertMod = (await import('../../src/modules/assert.js')).assert;
    } catch {
      return; // template engine not in the tree yet
    }
    const ctx = t.with({ vars: { n: 3 } });
    expect((await runModule(assertMod, ctx, { that: ['n > 2'] })).failed).toBe(false);
    expect(await runModule(assertMod, ctx, { that: ['n > 2', 'n > 5'], fail_msg: 'too small' })).toMatchObject({ failed: true, msg: 'too small' });
  });
});

describe('wait_for', () => {
  it('waits for a path with search_regex, port probes, and times out', async () => {
    const p = join(t.root, 'ready');
    // the file appears while wait_for sleeps between two looks (on a clock that does not wait)
    const clock = new ManualClock();
    const appearing = { now: () => clock.now(), sleep: async (ms: number, signal?: AbortSignal): Promise<void> => {
      await clock.sleep(ms, signal);
      writeFileSync(p, 'status: ready v2\n');
    } };
    const r = await runModule(wait_for, t.with({ clock: appearing }), { path: p, search_regex: 'ready v(\\d)', sleep: 1, timeout: 10 });
    expect(clock.slept).toEqual([1000]);
    expect(r).toMatchObject({ changed: false, failed: false, data: { match_groups: ['2'] } });
    const gone = await runModule(wait_for, t.ctx, { path: join(t.root, 'nope'), state: 'absent' });
    expect(gone.reason).toBe(`path ${join(t.root, 'nope')} is absent`);
    const srv = createServer();
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    const port = (srv.address() as AddressInfo).port;
    expect((await runModule(wait_for, t.ctx, { port, timeout: 5 })).failed).toBe(false);
    await new Promise<void>((res) => srv.close(() => res()));
    const to = await runModule(wait_for, t.with({ clock: new ManualClock() }), { port, timeout: 1, sleep: 1 });
    expect(to).toMatchObject({ failed: true });
    expect(to.msg).toMatch(/timeout after 1s waiting for port 127\.0\.0\.1:\d+ to be started/);
    const chk = await runModule(wait_for, t.with({ checkMode: true }), { port, timeout: 300 });
    expect(chk.reason).toMatch(/not started yet \(check mode: not waiting\)/);
  });

  it('honours the abort signal', async () => {
    const ac = new AbortController();
    // Ctrl-C while wait_for sleeps between two looks
    const clock = new ManualClock();
    const ctx = { ...t.ctx, signal: ac.signal, clock: { now: () => clock.now(), sleep: async (ms: number, signal?: AbortSignal): Promise<void> => {
      ac.abort();
      await clock.sleep(ms, signal);
    } } };
    const r = await runModule(wait_for, ctx, { path: join(t.root, 'never'), timeout: 60 });
    expect(r.msg).toBe('wait_for: aborted');
  });

  it('probe script reads /proc/net/tcp when nc is absent', () => {
    expect(portProbe('127.0.0.1', 8200, 5)).toContain(':2008 ');
  });
});

describe('systemd', () => {
  class Stub extends LocalConnection {
    calls: string[] = [];
    constructor(private readonly answer: string) {
      super({ host: 'stub' });
    }
    override async exec(cmd: string, _o?: ExecOptions): Promise<ExecResult> {
      this.calls.push(cmd);
      return { rc: 0, stdout: this.calls.length === 1 ? this.answer : '', stderr: '' };
    }
  }
  it.each([
    ['active=active\nenabled=enabled\n', { name: 'nomad', state: 'started', enabled: true }, false, []],
    ['active=inactive\nenabled=disabled\n', { name: 'nomad', state: 'started', enabled: true }, true, ['systemctl enable nomad && systemctl start nomad']],
    ['active=active\nenabled=enabled\n', { name: 'nomad', state: 'restarted', enabled: true }, true, ['systemctl restart nomad']],
    ['active=active\nenabled=enabled\n', { name: 'nomad', state: 'stopped', enabled: false }, true, ['systemctl disable nomad && systemctl stop nomad']],
  ])('%j %j', async (answer, args, changed, applied) => {
    const conn = new Stub(answer);
    const t2 = await makeContext({ connection: conn });
    const r = await runModule(systemd, t2.ctx, args);
    t2.cleanup();
    expect(r.changed).toBe(changed);
    if (!changed) expect(r.reason).toBe('service nomad already running, enabled (enabled)');
    expect(conn.calls[0]).toContain('is-active nomad');
    expect(conn.calls[0]).toContain('is-enabled nomad');
    expect(conn.calls.slice(1)).toEqual(applied);
  });

  it.each([
    [{ name: 'nomad', state: 'restarted' }, 'systemctl restart nomad', 'systemctl restart nomad'],
    [{ name: 'nomad', state: 'reloaded' }, 'systemctl reload (start when not running) nomad', 'if systemctl is-active --quiet nomad; then systemctl reload nomad; else systemctl start nomad; fi'],
    [{ name: 'ct', state: 'restarted', daemon_reload: true }, 'systemctl restart ct', 'systemctl daemon-reload && systemctl restart ct'],
  ])('%j: one command, no look at the unit first', async (args, summary, cmd) => {
    const conn = new Stub('');
    const t2 = await makeContext({ connection: conn });
    const r = await runModule(systemd, t2.ctx, args);
    t2.cleanup();
    expect(r).toMatchObject({ changed: true, reason: summary });
    expect(conn.calls).toEqual([cmd]);
  });

  it('restarted in --check reads the state and runs nothing', async () => {
    const conn = new Stub('active=active\nenabled=enabled\n');
    const t2 = await makeContext({ connection: conn, checkMode: true });
    const r = await runModule(systemd, t2.ctx, { name: 'nomad', state: 'restarted' });
    t2.cleanup();
    expect(r.changed).toBe(true);
    expect(conn.calls).toHaveLength(1);
    expect(conn.calls[0]).toContain('is-active nomad');
  });

  it('a failed restart names the command and keeps systemctl\'s message', async () => {
    class Failing extends LocalConnection {
      override async exec(): Promise<ExecResult> {
        return { rc: 5, stdout: '', stderr: 'Failed to restart nope.service: Unit nope.service not found.\n' };
      }
    }
    const t2 = await makeContext({ connection: new Failing({ host: 'stub' }) });
    const r = await runModule(systemd, t2.ctx, { name: 'nope', state: 'restarted' });
    t2.cleanup();
    expect(r.failed).toBe(true);
    expect(r.msg).toBe('systemd(nope): systemctl restart nope failed: Failed to restart nope.service: Unit nope.service not found.');
  });
});

describe('get_url / uri / unarchive over a loopback server', () => {
  let server: Server;
  let base: string;
  const payload = 'binary-ish payload\n';
  const sum = createHash('sha256').update(payload).digest('hex');
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/pkg.bin') return res.end(payload);
      if (req.url === '/v1/sys/health') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"sealed":false}');
      if (req.url === '/echo') {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, body })));
        return;
      }
      res.writeHead(404).end('nope');
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((res) => server.close(() => res())));

  it('get_url downloads, verifies, skips when the checksum matches', async () => {
    const dest = join(t.root, 'pkg.bin');
    const r1 = await runModule(get_url, t.ctx, { url: `${base}/pkg.bin`, dest, checksum: `sha256:${sum}`, mode: '0755' });
    expect(r1).toMatchObject({ changed: true, data: { checksum_dest: sum } });
    expect(readFileSync(dest, 'utf8')).toBe(payload);
    expect(statSync(dest).mode & 0o777).toBe(0o755);
    const r2 = await runModule(get_url, t.ctx, { url: `${base}/pkg.bin`, dest, checksum: `sha256:${sum}`, mode: '0755' });
    expect(r2).toMatchObject({ changed: false, reason: `${dest} exists with checksum sha256:${sum}` });
    const bad = await runModule(get_url, t.ctx, { url: `${base}/pkg.bin`, dest: join(t.root, 'other'), checksum: `sha256:${'0'.repeat(64)}` });
    expect(bad.msg).toMatch(/checksum mismatch/);
    expect(existsSync(join(t.root, 'other'))).toBe(false);
    expect((await runModule(get_url, t.ctx, { url: `${base}/missing`, dest: join(t.root, 'm') })).msg).toMatch(/^get_url\(.*\): download failed/);
  });

  it('uri GET is ok with json; POST is a change; bad status fails', async () => {
    const g = await runModule(uri, t.ctx, { url: `${base}/v1/sys/health` });
    expect(g).toMatchObject({ changed: false, data: { status: 200, json: { sealed: false } } });
    const p = await runModule(uri, t.ctx, { url: `${base}/echo`, method: 'POST', body: { a: 1 }, body_format: 'json', status_code: [201], return_content: true });
    expect(p).toMatchObject({ changed: true, data: { status: 201, json: { method: 'POST', body: '{"a":1}' } } });
    const chk = await runModule(uri, t.with({ checkMode: true }), { url: `${base}/echo`, method: 'POST' });
    expect(chk.skipped).toBe(true);
    expect((await runModule(uri, t.ctx, { url: `${base}/nope` })).msg).toMatch(/status code was 404 and not \[200\]/);
  });

  it('unarchive tar from files/, idempotent by members, and remote zip', async () => {
    const src = join(t.root, 'src/files');
    mkdirSync(join(src, 'pkg/bin'), { recursive: true });
    writeFileSync(join(src, 'pkg/bin/tool'), 'x');
    execFileSync('tar', ['-czf', join(src, 'pkg.tar.gz'), '-C', src, 'pkg']);
    const dest = join(t.root, 'opt');
    mkdirSync(dest);
    const r1 = await runModule(unarchive, t.ctx, { src: 'pkg.tar.gz', dest });
    expect(r1.changed).toBe(true);
    expect(readFileSync(join(dest, 'pkg/bin/tool'), 'utf8')).toBe('x');
    const r2 = await runModule(unarchive, t.ctx, { src: 'pkg.tar.gz', dest });
    expect(r2.reason).toBe(`all 3 archive members already present in ${dest}`);
    execFileSync('zip', ['-qr', join(t.root, 'z.zip'), 'pkg'], { cwd: src });
    const z = join(t.root, 'zz');
    mkdirSync(z);
    expect((await runModule(unarchive, t.ctx, { src: join(t.root, 'z.zip'), dest: z, remote_src: true })).changed).toBe(true);
    expect(existsSync(join(z, 'pkg/bin/tool'))).toBe(true);
    expect((await runModule(unarchive, t.ctx, { src: join(t.root, 'z.zip'), dest: z, remote_src: true })).changed).toBe(false);
    expect((await runModule(unarchive, t.ctx, { src: 'x.tgz', dest, creates: dest })).reason).toBe(`skipped: ${dest} exists`);
  });

  it('unarchive sets mode on every member, each run (as Ansible), and takes copy: false for remote_src', async () => {
    const src = join(t.root, 'arch');
    mkdirSync(join(src, 'app/bin'), { recursive: true });
    writeFileSync(join(src, 'app/bin/tool'), 'x');
    chmodSync(join(src, 'app/bin/tool'), 0o600);
    execFileSync('tar', ['-czf', join(t.root, 'app.tgz'), '-C', src, 'app']);
    const dest = join(t.root, 'ws');
    mkdirSync(dest);
    const args = { src: join(t.root, 'app.tgz'), dest, copy: false, mode: '0750' };
    const r1 = await runModule(unarchive, t.ctx, args);
    expect(r1.changed).toBe(true);
    for (const p of ['app', 'app/bin', 'app/bin/tool']) expect(statSync(join(dest, p)).mode & 0o7777).toBe(0o750);
    expect((await runModule(unarchive, t.ctx, args)).reason).toBe(`all 3 archive members already present in ${dest}, with their mode/owner/group`);
    chmodSync(join(dest, 'app/bin/tool'), 0o644);
    const r3 = await runModule(unarchive, t.ctx, args);
    expect(r3).toMatchObject({ changed: true, reason: `set mode/owner/group of 1 of 3 members in ${dest}` });
    expect(statSync(join(dest, 'app/bin/tool')).mode & 0o7777).toBe(0o750);
    const both = await runModule(unarchive, t.ctx, { ...args, remote_src: true });
    expect(both.msg).toMatch(/mutually exclusive: copy\|remote_src/);
  });
});
