/** service: systemctl on systemd hosts, SysV init scripts (service, update-rc.d) elsewhere, as ansible-core's LinuxService. */
import { describe, expect, it } from 'vitest';
import type { ExecOptions, ExecResult } from '../../src/connection/connection.js';
import { LocalConnection } from '../../src/connection/local/local.js';
import { runModule } from '../../src/modules/run.js';
import { service, sysvRunning } from '../../src/modules/service.js';
import { makeContext } from '../helpers/module-context.js';

/** Answers each command in turn; records them. */
class Stub extends LocalConnection {
  calls: string[] = [];
  constructor(private readonly answers: ExecResult[]) {
    super({ host: 'stub' });
  }
  override async exec(cmd: string, _o?: ExecOptions): Promise<ExecResult> {
    this.calls.push(cmd);
    return this.answers[this.calls.length - 1] ?? { rc: 0, stdout: '', stderr: '' };
  }
}

const ok = (stdout: string): ExecResult => ({ rc: 0, stdout, stderr: '' });
const SYSV_RUNNING = 'init=sysv\ncontrol=service ssh\nupdate_rc=yes\nenabled=yes\nstatus_rc=0\nout:sshd is running.\n';
const SYSV_STOPPED = 'init=sysv\ncontrol=service nginx\nupdate_rc=yes\nstatus_rc=3\nout:nginx is not running ... failed!\n';

async function run(answers: ExecResult[], args: Record<string, unknown>, checkMode = false): Promise<{ r: Awaited<ReturnType<typeof runModule>>; calls: string[] }> {
  const conn = new Stub(answers);
  const t = await makeContext({ connection: conn, checkMode });
  const r = await runModule(service, t.ctx, args);
  t.cleanup();
  return { r, calls: conn.calls };
}

describe('service on a host without systemd (SysV init scripts)', () => {
  it('started and enabled when it already is: ok with the reason, nothing run', async () => {
    const { r, calls } = await run([ok(SYSV_RUNNING)], { name: 'ssh', state: 'started', enabled: true });
    expect(r).toMatchObject({ changed: false, reason: 'service ssh already running, enabled in /etc/rc?.d' });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toContain('service ssh status');
  });

  it('starts and enables a stopped, disabled service with service and update-rc.d', async () => {
    const { r, calls } = await run([ok(SYSV_STOPPED)], { name: 'nginx', state: 'started', enabled: true });
    expect(r).toMatchObject({ changed: true, reason: 'service enable, start nginx (SysV init)' });
    expect(calls[1]).toContain("update-rc.d nginx defaults && update-rc.d nginx enable && service nginx start");
  });

  it('restarted: stop, sleep, start; reloaded when stopped: start', async () => {
    const a = await run([ok(SYSV_RUNNING)], { name: 'ssh', state: 'restarted', sleep: 1 });
    expect(a.calls[1]).toContain("service ssh stop; sleep 1; service ssh start");
    const b = await run([ok(SYSV_STOPPED)], { name: 'nginx', state: 'reloaded' });
    expect(b.r.reason).toBe('service start nginx (SysV init)');
  });

  it('--check reports the change and runs only the look', async () => {
    const { r, calls } = await run([ok(SYSV_STOPPED)], { name: 'nginx', state: 'started' }, true);
    expect(r.changed).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it('no init script: fails naming the service; daemon_reload needs systemd', async () => {
    const a = await run([ok('init=sysv\ncontrol=\n')], { name: 'nope', state: 'started' });
    expect(a.r.msg).toBe('service(nope): could not find the requested service nope: no systemd, and no init script /etc/init.d/nope');
    const b = await run([ok(SYSV_RUNNING)], { name: 'ssh', state: 'started', daemon_reload: true });
    expect(b.r.msg).toMatch(/daemon_reload and scope need systemd/);
  });

  it('a failing init script fails the task with its output', async () => {
    const { r } = await run([ok(SYSV_STOPPED), { rc: 1, stdout: 'Starting nginx: failed (port 80 in use)\n', stderr: '' }], { name: 'nginx', state: 'started' });
    expect(r).toMatchObject({ failed: true, msg: 'service(nginx): Starting nginx: failed (port 80 in use)' });
  });
});

describe('service on a systemd host', () => {
  it('goes through systemctl, as the systemd module', async () => {
    const { r, calls } = await run([ok('init=systemd\n'), ok('active=inactive\nenabled=disabled\n')], { name: 'nomad', state: 'started', enabled: true });
    expect(r).toMatchObject({ changed: true, reason: 'systemctl enable, start nomad' });
    expect(calls[2]).toBe('systemctl enable nomad && systemctl start nomad');
  });
});

describe('sysvRunning: ansible-core get_service_status', () => {
  it.each<[string, number, string, boolean]>([
    ['ssh', 0, 'sshd is running.\n', true],
    ['nginx', 3, 'nginx is not running ... failed!\n', false],
    ['cron', 0, 'cron is stopped\n', false],
    ['x', 0, 'some\nlong\noutput\n', true],
    ['x', 1, 'some\nlong\noutput\n', false],
    ['x', 0, 'could not access PID file for x\n', false],
  ])('%s rc=%i %j → %s', (name, rc, out, want) => {
    expect(sysvRunning(name, rc, out)).toBe(want);
  });
});
