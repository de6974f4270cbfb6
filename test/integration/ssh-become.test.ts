import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildScript, classifySudoError, isSuPrompt, plainCommand, stripSudoNoise, suCommand, sudoCommand, sudoErrorMessage, suErrorMessage, SUDO_PROMPT } from '../../src/connection/ssh/become.js';
import { parseStat, writeScript } from '../../src/connection/ssh/become-files.js';

describe('become command construction', () => {
  it('builds a non-interactive sudo command around a POSIX sh script', () => {
    const script = buildScript("echo 'hi'", { env: { A: 'x y' }, cwd: '/srv/app' });
    expect(script).toBe("export A='x y'; cd /srv/app || exit 1; echo 'hi'");
    expect(plainCommand('echo hi')).toBe("/bin/sh -c 'echo hi'");
    expect(sudoCommand('id -un', { method: 'sudo', user: 'root' }, 'M1')).toBe(
      "sudo -H -S -n -u root -- /bin/sh -c 'echo M1\nid -un'",
    );
  });

  it('uses the prompt marker instead of -n when a password is given, never embedding it', () => {
    const cmd = sudoCommand('true', { method: 'sudo', user: 'nomad', password: 's3cret-pw' }, 'M2');
    expect(cmd).toBe(`sudo -H -S -p '${SUDO_PROMPT}' -u nomad -- /bin/sh -c 'echo M2\ntrue'`);
    expect(cmd).not.toContain('s3cret-pw');
  });

  it('rejects bad environment names', () => {
    expect(() => buildScript('true', { env: { 'A;rm': '1' } })).toThrow('invalid environment variable name "A;rm"');
  });

  it.each([
    ['sudo: a password is required\n', 0, 'password-required'],
    [`${SUDO_PROMPT}Sorry, try again.\n${SUDO_PROMPT}`, 2, 'incorrect-password'],
    ['sudo: 3 incorrect password attempts\n', 1, 'incorrect-password'],
    ['bob is not in the sudoers file.  This incident will be reported.\n', 0, 'not-allowed'],
    ['sh: 1: sudo: not found\n', 0, 'no-sudo'],
    ['sudo: something odd\n', 0, 'other'],
  ])('classifies sudo stderr %j', (stderr, prompts, kind) => {
    expect(classifySudoError(stderr, prompts)).toBe(kind);
  });

  it('writes clear messages and strips sudo noise from stderr', () => {
    expect(sudoErrorMessage('password-required', { method: 'sudo', user: 'root' }, 'web1', '')).toBe(
      'become: sudo to root on web1 needs a password; set ansible_become_password (or allow NOPASSWD for this user)',
    );
    expect(stripSudoNoise(`${SUDO_PROMPT}Sorry, try again.\nreal error\n`)).toBe('real error\n');
  });

  it('write script: private temp in the target dir, owner and mode before the rename', () => {
    const s = writeScript('/etc/nomad.d/tls/key.pem', { mode: 0o600, owner: 'nomad', group: 'nomad', source: '/tmp/.orchestrate-x/up' });
    const lines = s.split('\n');
    expect(lines[1]).toMatch(/^t=\/etc\/nomad\.d\/tls\/\.key\.pem\.orchestrate-[0-9a-f]{12}$/);
    const idx = (re: RegExp): number => lines.findIndex((l) => re.test(l));
    expect(idx(/^umask 077$/)).toBeLessThan(idx(/^cat -- /));
    expect(idx(/^chown nomad:nomad "\$t"$/)).toBeLessThan(idx(/^chmod 0600 "\$t"$/));
    expect(idx(/^chmod 0600/)).toBeLessThan(idx(/^mv -f -- "\$t" \/etc\/nomad\.d\/tls\/key\.pem$/));
  });

  it('parses stat -c output', () => {
    expect(parseStat('81a4 0 0 12 1700000000 root root\n')).toEqual({
      exists: true, kind: 'file', mode: 0o644, uid: 0, gid: 0, size: 12, mtime: 1700000000, owner: 'root', group: 'root',
    });
    expect(parseStat('a1ff 0 0 4 1 root root\n/target\n')).toMatchObject({ kind: 'link', linkTarget: '/target' });
    expect(parseStat('__ORCHESTRATE_MISSING__\n')).toEqual({ exists: false });
  });

  it('builds su as Ansible\'s su plugin does (su USER -c QUOTED), with its localized prompts', () => {
    const line = suCommand("echo 'a b'", { method: 'su', user: 'app' }, 'M2');
    expect(line.startsWith("su app -c 'stty -echo -onlcr 2>/dev/null; echo M2; exec /bin/sh -c ")).toBe(true);
    // what su hands to the user's shell (-c) runs the script unchanged
    expect(execFileSync('/bin/sh', ['-c', line.replace(/^su app -c /, 'eval ')], { encoding: 'utf8' })).toBe('M2\na b\n');
    for (const p of ['Password: ', "root's Password:", 'Mot de passe : ', 'Пароль: ', '密码：', 'password:']) expect(isSuPrompt(p)).toBe(true);
    for (const p of ['su: Authentication failure', '', 'Enter password:']) expect(isSuPrompt(p)).toBe(false);
    const b = { method: 'su' as const, user: 'root', password: 'secret-1' };
    expect(suErrorMessage('incorrect-password', b, 'web1', 'Password: \r\nsu: Authentication failure\r\n')).toBe('become: su to root on web1 failed: Incorrect su password');
    expect(suErrorMessage('other', b, 'web1', 'Password: \r\nsu: user nosuch does not exist\r\n')).toBe('become: su to root on web1 failed: su: user nosuch does not exist');
  });
});
