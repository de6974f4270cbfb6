import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SYSTEMCTL = join(REPO, 'dist/lab/standins/systemctl.js');

/** Builds dist/ when the stand-ins' JS is missing or older than their sources. */
function ensureBuilt(): void {
  const src = join(REPO, 'lab/standins');
  const newest = Math.max(...readdirSync(src).map((f) => statSync(join(src, f)).mtimeMs));
  if (!existsSync(SYSTEMCTL) || statSync(SYSTEMCTL).mtimeMs < newest) {
    spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO, stdio: 'ignore' });
  }
}

let root = '';
const env = (): NodeJS.ProcessEnv => ({ ...process.env, LAB_ROOT: root, LAB_SYSTEMCTL_START_WAIT_MS: '200' });
function systemctl(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [SYSTEMCTL, ...args], { env: env(), encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
const events = (): string[] => readFileSync(join(root, 'var/log/lab-systemctl.log'), 'utf8').trim().split('\n').map((l) => l.split(' ').slice(1).join(' '));

beforeAll(() => {
  ensureBuilt();
  root = mkdtempSync(join(tmpdir(), 'lab-systemctl-'));
  const units = join(root, 'etc/systemd/system');
  mkdirSync(units, { recursive: true });
  writeFileSync(join(root, 'env'), 'GREETING="hello there"\n');
  const hups = join(root, 'hups');
  writeFileSync(
    join(units, 'demo.service'),
    [
      '[Unit]', 'Description=Demo daemon', '[Service]',
      `EnvironmentFile=${join(root, 'env')}`, 'Environment=WHO=lab',
      `ExecStart=/bin/sh -c 'echo "$GREETING $WHO"; trap "echo hup >> ${hups}" HUP; while :; do sleep 0.05; done'`,
      'Restart=on-failure', '[Install]', 'WantedBy=multi-user.target',
    ].join('\n'),
  );
  writeFileSync(join(units, 'custom.service'), `[Service]\nExecStart=/bin/sleep 30\nExecReload=/bin/sh -c 'echo reloaded $MAINPID > ${join(root, 'custom-reload')}'\n`);
  writeFileSync(join(units, 'crash.service'), `[Service]\nExecStart=/bin/sh -c 'exit 3'\n[Install]\nWantedBy=multi-user.target\n`);
});

afterAll(() => {
  systemctl('stop', 'demo', 'custom');
});

describe('lab systemctl', () => {
  it('enables with a wants symlink and starts with --now', () => {
    expect(systemctl('is-enabled', 'demo')).toMatchObject({ code: 1, out: 'disabled\n' });
    const r = systemctl('enable', '--now', 'demo');
    expect(r.code).toBe(0);
    const link = join(root, 'etc/systemd/system/multi-user.target.wants/demo.service');
    expect(readlinkSync(link)).toBe(join(root, 'etc/systemd/system/demo.service'));
    expect(systemctl('is-enabled', 'demo.service')).toMatchObject({ code: 0, out: 'enabled\n' });
    expect(systemctl('is-active', 'demo')).toMatchObject({ code: 0, out: 'active\n' });
    expect(systemctl('is-active', '-q', 'demo')).toMatchObject({ code: 0, out: '' });
  });

  it('runs the daemon detached with its environment and log file', async () => {
    const log = (): string => (existsSync(join(root, 'var/log/demo.log')) ? readFileSync(join(root, 'var/log/demo.log'), 'utf8') : '');
    for (let i = 0; i < 100 && !log().includes('hello there lab'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(log()).toContain('hello there lab');
    const show = systemctl('show', '-p', 'ActiveState,MainPID,UnitFileState', 'demo');
    const pid = Number(/MainPID=(\d+)/.exec(show.out)?.[1]);
    expect(show.out).toContain('ActiveState=active\n');
    expect(readFileSync(join(root, 'run/lab-systemd/demo.service.pid'), 'utf8').split('\n')[0]).toBe(String(pid));
    // setsid: the daemon leads its own session
    expect(execFileSync('ps', ['-o', 'sid=', '-p', String(pid)], { encoding: 'utf8' }).trim()).toBe(String(pid));
  });

  it('reloads with SIGHUP by default and ExecReload with $MAINPID when set', async () => {
    expect(systemctl('reload', 'demo').code).toBe(0);
    for (let i = 0; i < 40 && !existsSync(join(root, 'hups')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(join(root, 'hups'), 'utf8')).toBe('hup\n');
    expect(systemctl('start', 'custom').code).toBe(0);
    const pid = systemctl('show', '-p', 'MainPID', '--value', 'custom').out.trim();
    expect(systemctl('reload', 'custom').code).toBe(0);
    expect(readFileSync(join(root, 'custom-reload'), 'utf8')).toBe(`reloaded ${pid}\n`);
    expect(systemctl('is-enabled', 'custom')).toMatchObject({ code: 0, out: 'static\n' });
  });

  it('restarts with a new main PID and stops', () => {
    const before = systemctl('show', '-p', 'MainPID', '--value', 'demo').out.trim();
    expect(systemctl('restart', 'demo').code).toBe(0);
    const after = systemctl('show', '-p', 'MainPID', '--value', 'demo').out.trim();
    expect(after).not.toBe(before);
    expect(systemctl('stop', 'demo').code).toBe(0);
    expect(systemctl('is-active', 'demo')).toMatchObject({ code: 3, out: 'inactive\n' });
    expect(systemctl('status', 'demo').code).toBe(3);
    expect(systemctl('reload', 'demo')).toMatchObject({ code: 1, err: 'demo.service is not active, cannot reload.\n' });
  });

  it('reports failures with systemctl exit codes', () => {
    const crash = systemctl('start', 'crash');
    expect(crash.code).toBe(1);
    expect(crash.err).toContain('Job for crash.service failed');
    expect(systemctl('start', 'nope')).toMatchObject({ code: 5, err: 'Failed to start nope.service: Unit nope.service not found.\n' });
    expect(systemctl('status', 'nope').code).toBe(4);
    expect(systemctl('frobnicate', 'demo').code).toBe(1);
  });

  it('masks with a /dev/null link (a masked unit cannot start or be enabled) and unmasks; a unit file in /etc/systemd/system cannot be masked', () => {
    const link = join(root, 'etc/systemd/system/vendor.service');
    expect(systemctl('mask', 'vendor')).toMatchObject({ code: 0, err: `Created symlink ${link} → /dev/null.\n` });
    expect(readlinkSync(link)).toBe('/dev/null');
    expect(systemctl('is-enabled', 'vendor')).toMatchObject({ code: 1, out: 'masked\n' });
    expect(systemctl('start', 'vendor')).toMatchObject({ code: 1, err: 'Failed to start vendor.service: Unit vendor.service is masked.\n' });
    expect(systemctl('enable', 'vendor')).toMatchObject({ code: 1, err: `Failed to enable unit: Unit file ${link} is masked.\n` });
    expect(systemctl('show', '-p', 'LoadState,UnitFileState', 'vendor').out).toBe('LoadState=masked\nUnitFileState=masked\n');
    expect(systemctl('unmask', 'vendor')).toMatchObject({ code: 0, err: `Removed "${link}".\n` });
    expect(existsSync(link)).toBe(false);
    const own = join(root, 'etc/systemd/system/custom.service');
    expect(systemctl('mask', 'custom')).toMatchObject({ code: 1, err: `Failed to mask unit: File ${own} already exists.\n` });
  });

  it('the systemd module masks and unmasks through it (changed, then ok with the reason), and --check changes nothing', async () => {
    const { makeContext } = await import('../helpers/module-context.js');
    const { runModule } = await import('../../src/modules/run.js');
    const { systemd } = await import('../../src/modules/systemd.js');
    const bin = join(root, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(SYSTEMCTL)} "$@"\n`, { mode: 0o755 });
    const t = await makeContext();
    const ctx = (checkMode = false): Parameters<typeof runModule>[1] => ({ ...t.with({ checkMode }), environment: { PATH: `${bin}:${process.env['PATH']}`, LAB_ROOT: root } });
    const mask = { name: 'other', masked: true };
    expect(await runModule(systemd, ctx(true), mask)).toMatchObject({ changed: true, reason: 'systemctl mask other' });
    expect(existsSync(join(root, 'etc/systemd/system/other.service'))).toBe(false);
    expect(await runModule(systemd, ctx(), mask)).toMatchObject({ changed: true, failed: false });
    expect(await runModule(systemd, ctx(), mask)).toMatchObject({ changed: false, reason: 'other masked' });
    expect(await runModule(systemd, ctx(), { name: 'other', masked: false, daemon_reload: true })).toMatchObject({ changed: true, failed: false });
    expect(existsSync(join(root, 'etc/systemd/system/other.service'))).toBe(false);
    t.cleanup();
  });

  it('logs every call in order with millisecond timestamps', () => {
    const lines = readFileSync(join(root, 'var/log/lab-systemctl.log'), 'utf8').trim().split('\n');
    expect(lines.every((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+/.test(l))).toBe(true);
    const ev = events();
    const order = ['enable demo.service', 'start demo.service', 'reload demo.service', 'restart demo.service', 'stop demo.service'];
    const idx = order.map((e) => ev.indexOf(e));
    expect(idx.every((i) => i >= 0)).toBe(true);
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);
  });

  it('User= and Group=: the service runs as that user and cannot read a root 0600 key; an unknown user fails to start', async () => {
    if (process.getuid?.() !== 0) return;
    const { chmodSync } = await import('node:fs');
    chmodSync(root, 0o755);
    const shared = join(root, 'shared');
    mkdirSync(shared, { mode: 0o777 });
    chmodSync(shared, 0o777);
    writeFileSync(join(root, 'secret.key'), 'secret\n', { mode: 0o600 });
    const units = join(root, 'etc/systemd/system');
    writeFileSync(join(units, 'who.service'), `[Service]\nUser=nobody\nGroup=nogroup\nExecStart=/bin/sh -c 'id -un > ${shared}/who; cat ${join(root, 'secret.key')} > ${shared}/read 2>&1; sleep 30'\n`);
    writeFileSync(join(units, 'ghost.service'), `[Service]\nUser=no-such-user-here\nExecStart=/bin/sleep 30\n`);
    expect(systemctl('start', 'who').code).toBe(0);
    for (let i = 0; i < 40 && !existsSync(join(shared, 'read')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(join(shared, 'who'), 'utf8')).toBe('nobody\n');
    expect(readFileSync(join(shared, 'read'), 'utf8')).toContain('Permission denied');
    systemctl('stop', 'who');
    const ghost = systemctl('start', 'ghost');
    expect(ghost.code).toBe(1);
    expect(ghost.err).toContain('Failed to determine user credentials: No such process (User=no-such-user-here)');
  });

  it('loads units from the packages\' /lib/systemd/system, the admin\'s /etc copy winning; enables in /etc', () => {
    const lib = join(root, 'lib/systemd/system');
    mkdirSync(lib, { recursive: true });
    writeFileSync(join(lib, 'pkg.service'), '[Unit]\nDescription=From the package\n[Service]\nExecStart=/bin/sleep 30\n[Install]\nWantedBy=multi-user.target\n');
    expect(systemctl('show', '-p', 'Description,LoadState,FragmentPath', 'pkg').out).toBe(`Description=From the package\nLoadState=loaded\nFragmentPath=${join(lib, 'pkg.service')}\n`);
    expect(systemctl('enable', 'pkg').code).toBe(0);
    expect(readlinkSync(join(root, 'etc/systemd/system/multi-user.target.wants/pkg.service'))).toBe(join(lib, 'pkg.service'));
    writeFileSync(join(root, 'etc/systemd/system/pkg.service'), '[Unit]\nDescription=The admin\'s copy\n[Service]\nExecStart=/bin/sleep 30\n');
    expect(systemctl('show', '-p', 'Description', 'pkg').out).toBe("Description=The admin's copy\n");
  });

  it('Type=forking: ExecStartPre runs first, the start command daemonizes, the main PID comes from PIDFile=', async () => {
    const units = join(root, 'etc/systemd/system');
    const pidFile = join(root, 'forky.pid');
    const pre = join(root, 'forky-pre');
    writeFileSync(join(units, 'forky.service'), `[Service]\nType=forking\nPIDFile=${pidFile}\nExecStartPre=/bin/sh -c 'echo checked > ${pre}'\nExecStart=/bin/sh -c 'setsid sleep 30 >/dev/null 2>&1 & echo $! > ${pidFile}'\n`);
    expect(systemctl('start', 'forky')).toMatchObject({ code: 0 });
    expect(readFileSync(pre, 'utf8')).toBe('checked\n');
    const pid = readFileSync(pidFile, 'utf8').trim();
    expect(systemctl('show', '-p', 'ActiveState,MainPID', 'forky').out).toBe(`ActiveState=active\nMainPID=${pid}\n`);
    expect(systemctl('stop', 'forky').code).toBe(0);
    expect(existsSync(`/proc/${pid}/stat`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z')).toBe(false);
    writeFileSync(join(units, 'badpre.service'), `[Service]\nExecStartPre=/bin/false\nExecStart=/bin/sleep 30\n`);
    expect(systemctl('start', 'badpre')).toMatchObject({ code: 1 });
    expect(systemctl('is-active', 'badpre').out).toBe('inactive\n');
  });
});
