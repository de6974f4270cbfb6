/** The system modules' decisions, pure: user/usermod options, crontab editing, sysctl lines, fstab editing, facts parsers. */
import { describe, expect, it } from 'vitest';
import { parseDpkg, parseRpm } from '../../src/modules/package_facts.js';
import { parseSysv, parseUnitFiles, parseUnits } from '../../src/modules/service_facts.js';
import { records } from '../../src/modules/getent.js';
import { fixLines, planSysctl } from '../../src/modules/sysctl.js';
import { findJob, readUserCrontab, render, updateJob } from '../../src/modules/lib/crontab.js';
import { escapeFstab, setMount, unsetMount } from '../../src/modules/lib/fstab.js';
import { planUser } from '../../src/modules/lib/user-plan.js';
import { parseGroups } from '../../src/modules/lib/accounts.js';
import { validateArgs } from '../../src/modules/args.js';
import { user, type UserArgs, type UserState } from '../../src/modules/user.js';
import { strategyFor } from '../../src/modules/hostname.js';

const GROUPS = parseGroups('root:x:0:\nops:x:1001:alice\ndev:x:1002:\nalice:x:1000:\n');
const args = (a: Record<string, unknown>): UserArgs => validateArgs(user, a).args as UserArgs;
const alice = (extra: Partial<UserState> = {}): UserState => ({
  pw: { name: 'alice', passwd: 'x', uid: 1000, gid: 1000, comment: '', home: '/home/alice', shell: '/bin/sh' },
  shadow: { password: '$6$abc', min: 0, max: 99999, expire: -1 },
  groups: GROUPS,
  homeExists: true,
  homeParentExists: true,
  ...extra,
});

describe('user', () => {
  it('creates with useradd as Ansible builds it (-N when a group of the name exists)', () => {
    const p = planUser({ groups: GROUPS, homeExists: false, homeParentExists: true }, args({ name: 'alice', uid: 1000, groups: ['ops'], shell: '/bin/bash', system: true }));
    expect('change' in p && p.change.command).toBe('useradd -u 1000 -N -G ops -s /bin/bash -m -r alice');
  });
  it('fails on a missing group, but not in check mode', () => {
    expect(() => planUser({ groups: GROUPS, homeExists: false, homeParentExists: true }, args({ name: 'bob', groups: ['nope'] }))).toThrow('Group nope does not exist');
    expect('change' in planUser({ groups: GROUPS, homeExists: false, homeParentExists: true }, args({ name: 'bob', groups: ['nope'] }), true)).toBe(true);
  });
  it('modifies only what differs, groups with -a when appending, and says why it is ok', () => {
    const p = planUser(alice(), args({ name: 'alice', groups: ['dev'], append: true, shell: '/bin/bash' }));
    expect('change' in p && p.change.command).toBe('usermod -a -G dev -s /bin/bash alice');
    const ok = planUser(alice(), args({ name: 'alice', groups: ['ops'], append: true, shell: '/bin/sh' }));
    expect(ok).toMatchObject({ ok: true, reason: 'user alice already as wanted (uid 1000)', data: { uid: 1000, groups: 'ops', append: true } });
    // without append the user leaves the other groups
    const set = planUser(alice(), args({ name: 'alice', groups: ['dev'] }));
    expect('change' in set && set.change.command).toBe('usermod -G dev alice');
  });
  it('locks, sets a differing hash (update_password always), not on_create; expiry by day', () => {
    const lock = planUser(alice(), args({ name: 'alice', password_lock: true }));
    expect('change' in lock && lock.change.command).toBe('usermod -L alice');
    const pw = planUser(alice(), args({ name: 'alice', password: '$6$new', password_lock: true }));
    expect('change' in pw && pw.change.command).toBe("usermod -p '!$6$new' alice");
    expect(planUser(alice(), args({ name: 'alice', password: '$6$new', update_password: 'on_create' }))).toMatchObject({ ok: true });
    const exp = planUser(alice(), args({ name: 'alice', expires: 1893456000 }));
    expect('change' in exp && exp.change.command).toBe('usermod -e 2030-01-01 alice');
    expect(planUser(alice({ shadow: { password: '$6$abc', min: 0, max: 99999, expire: 21915 } }), args({ name: 'alice', expires: 1893456000 }))).toMatchObject({ ok: true });
  });
  it('a missing home is made; a key only when asked and absent; removal with userdel -r', () => {
    const home = planUser(alice({ homeExists: false }), args({ name: 'alice' }));
    expect('change' in home && home.change.makeHome).toBe('/home/alice');
    const key = { path: '/home/alice/.ssh/id_rsa', dirExists: true, priv: true, pub: true, fingerprint: 'x' };
    expect(planUser(alice({ key }), args({ name: 'alice', generate_ssh_key: true }))).toMatchObject({ ok: true, data: { ssh_key_file: key.path } });
    const gen = planUser(alice({ key: { ...key, priv: false, pub: false } }), args({ name: 'alice', generate_ssh_key: true }));
    expect('change' in gen && gen.change.keygen).toBe('new');
    const del = planUser(alice(), args({ name: 'alice', state: 'absent', remove: true }));
    expect('change' in del && del.change.command).toBe('userdel -r alice');
    expect(planUser({ groups: GROUPS, homeExists: false, homeParentExists: true }, args({ name: 'bob', state: 'absent' }))).toMatchObject({ ok: true, reason: 'user bob does not exist' });
  });
});

describe('cron', () => {
  it('strips the crontab header, finds marked jobs, marks an unmarked equal job, replaces and removes', () => {
    const { lines } = readUserCrontab('# DO NOT EDIT THIS FILE - edit the master and reinstall.\n# (/tmp/x installed on Thu)\n# (Cron version -- $Id$)\n#Ansible: a\n* * * * * a\n* * * * * b\n');
    expect(lines).toEqual(['#Ansible: a', '* * * * * a', '* * * * * b']);
    expect(findJob(lines, 'a')).toEqual(['a', '* * * * * a']);
    const copy = [...lines];
    expect(findJob(copy, 'b', '* * * * * b')).toHaveLength(3);
    expect(copy).toEqual(['#Ansible: a', '* * * * * a', '#Ansible: b', '* * * * * b']);
    expect(render(updateJob(copy, 'a', '0 * * * * a'))).toBe('#Ansible: a\n0 * * * * a\n#Ansible: b\n* * * * * b\n');
    expect(render(updateJob(copy, 'a', undefined))).toBe('#Ansible: b\n* * * * * b\n');
  });
});

describe('sysctl', () => {
  it('rewrites the file as fix_lines does and decides on the file value, then the running one', () => {
    expect(fixLines(['# c', ' a = 1 ', 'b=2', 'a=3'], 'a', '5', 'present')).toEqual({ fileValue: '3', fixed: ['# c', 'a=5', 'b=2'] });
    const base = { name: 'a', value: '5', state: 'present', reload: true, sysctl_set: false, ignoreerrors: false, sysctl_file: '/f' } as const;
    expect(planSysctl({ proc: '5\n', fileLines: ['a=5'] }, base)).toMatchObject({ ok: true });
    expect(planSysctl({ proc: '4\n', fileLines: ['a=5'] }, base)).toMatchObject({ change: { reload: '/f' } });
    expect(planSysctl({ proc: '4\n', fileLines: ['a=5'] }, { ...base, reload: false, sysctl_set: true })).toMatchObject({ change: { setProc: '5' } });
  });
});

describe('mount', () => {
  it('escapes, replaces the entry in place and appends a new one; removes only 6-field lines', () => {
    expect(escapeFstab('/a b&c\\')).toBe('/a\\040b\\046c\\134');
    const text = '# x\nUUID=1 /data ext4 defaults 0 0\n/dev/b /b xfs defaults 0 0\n';
    const e = { src: 'UUID=1', name: '/data', fstype: 'ext4', opts: 'noatime', dump: '0', passno: '0' };
    expect(setMount(text, e, true)).toEqual({ changed: true, lines: ['# x\n', 'UUID=1 /data ext4 noatime 0 0\n', '/dev/b /b xfs defaults 0 0\n'] });
    expect(setMount(text, { ...e, opts: 'defaults' }, true).changed).toBe(false);
    expect(setMount('', { ...e, name: '/n' }, true).lines).toEqual(['UUID=1 /n ext4 noatime 0 0\n']);
    expect(unsetMount(text, '/b', undefined)).toEqual({ changed: true, lines: ['# x\n', 'UUID=1 /data ext4 defaults 0 0\n'] });
  });
});

describe('hostname strategies', () => {
  it('systemd when it runs, /etc/hostname on Debian without it, use: wins', () => {
    expect(strategyFor(undefined, 'debian', true)).toEqual({ kind: 'systemd' });
    expect(strategyFor(undefined, 'debian', false)).toEqual({ kind: 'file', file: '/etc/hostname' });
    expect(strategyFor('debian', 'alpine', false)).toEqual({ kind: 'systemd' });
    expect(() => strategyFor(undefined, 'plan9', false)).toThrow('hostname module cannot be used on platform Linux (plan9)');
  });
});

describe('facts parsers', () => {
  it('getent records: a repeated key becomes a list', () => {
    expect(records('a 1/tcp x\na 1/udp\nb 2/tcp\n', undefined)).toEqual({ a: [['1/tcp', 'x'], ['1/udp']], b: ['2/tcp'] });
  });
  it('dpkg-query: installed only, foreign architectures qualified; rpm with epoch', () => {
    const out = 'ii \tbash\t5.2-2\tamd64\tshells\nrc \told\t1\tamd64\tmisc\nii \tlibc6\t2.36\ti386\tlibs\nii \tbase-files\t12\tall\tadmin';
    expect(parseDpkg(out, 'amd64')).toEqual({
      bash: [{ name: 'bash', version: '5.2-2', arch: 'amd64', category: 'shells', source: 'apt' }],
      'libc6:i386': [{ name: 'libc6:i386', version: '2.36', arch: 'i386', category: 'libs', source: 'apt' }],
      'base-files': [{ name: 'base-files', version: '12', arch: 'all', category: 'admin', source: 'apt' }],
    });
    expect(parseRpm('bash\t5.1\t2.el9\t(none)\tx86_64\nkernel\t5.14\t1\t1\tx86_64')).toEqual({
      bash: [{ name: 'bash', version: '5.1', release: '2.el9', epoch: null, arch: 'x86_64', source: 'rpm' }],
      kernel: [{ name: 'kernel', version: '5.14', release: '1', epoch: 1, arch: 'x86_64', source: 'rpm' }],
    });
  });
  it('service --status-all and systemctl list-units / list-unit-files', () => {
    const s: Record<string, Record<string, string>> = {};
    parseSysv(' [ + ]  ssh\n [ - ]  cron\n [ ? ]  hwclock.sh\n', s);
    expect(s).toEqual({ ssh: { name: 'ssh', state: 'running', source: 'sysv' }, cron: { name: 'cron', state: 'stopped', source: 'sysv' } });
    const u: Record<string, Record<string, string>> = {};
    parseUnits('  UNIT LOAD ACTIVE SUB DESCRIPTION\n  ssh.service loaded active running OpenSSH\n● bad.service not-found inactive dead bad.service\n', u);
    parseUnitFiles('UNIT FILE STATE PRESET\nssh.service enabled enabled\nidle.service disabled enabled\n', new Map([['idle.service', 'inactive']]), u);
    expect(u).toEqual({
      'ssh.service': { name: 'ssh.service', state: 'running', status: 'enabled', source: 'systemd' },
      'bad.service': { name: 'bad.service', state: 'stopped', status: 'not-found', source: 'systemd' },
      'idle.service': { name: 'idle.service', state: 'inactive', status: 'disabled', source: 'systemd' },
    });
  });
});
