import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProxyJump, parseSshArgs, proxyCommandToJump, shellWords } from '../../src/connection/ssh/args.js';
import { resolveSshSettings } from '../../src/connection/ssh/settings.js';

describe('ansible_* vars → ConnectionSettings', () => {
  it('maps the connection variables', () => {
    const s = resolveSshSettings(
      {
        ansible_host: '10.0.0.5', ansible_port: '2222', ansible_user: 'deploy',
        ansible_ssh_private_key_file: 'keys/id', ansible_ssh_pass: 'pw',
        ansible_become: 'yes', ansible_become_user: 'nomad', ansible_become_pass: 'bpw',
        ansible_ssh_common_args: '-o UserKnownHostsFile=.lab/default/known_hosts',
        ansible_ssh_extra_args: '-o StrictHostKeyChecking=accept-new -o ConnectTimeout=3',
      },
      'web1',
      '/work/x',
    );
    expect(s).toEqual({
      host: 'web1', address: '10.0.0.5', port: 2222, user: 'deploy', transport: 'ssh',
      privateKeyFile: '/work/x/keys/id', password: 'pw',
      become: { method: 'sudo', user: 'nomad', password: 'bpw' },
      becomeVars: { password: 'bpw' },
      commonArgs: '-o UserKnownHostsFile=.lab/default/known_hosts -o StrictHostKeyChecking=accept-new -o ConnectTimeout=3',
      knownHostsFile: '/work/x/.lab/default/known_hosts',
      hostKeyChecking: 'accept-new',
      connectTimeoutMs: 3000,
    });
  });

  it('defaults: address is the inventory name, ssh transport, no become', () => {
    expect(resolveSshSettings({}, 'db1')).toEqual({ host: 'db1', address: 'db1', transport: 'ssh' });
    expect(resolveSshSettings({ ansible_connection: 'local', ansible_become: false }, 'ctl')).toEqual({ host: 'ctl', address: 'ctl', transport: 'local' });
    expect(resolveSshSettings({ ansible_host_key_checking: false }, 'a').hostKeyChecking).toBe(false);
    expect(resolveSshSettings({ ansible_ssh_common_args: '-o StrictHostKeyChecking=no' }, 'a').hostKeyChecking).toBe(false);
    expect(resolveSshSettings({ ansible_ssh_common_args: '-oStrictHostKeyChecking=yes' }, 'a').hostKeyChecking).toBe(true);
    expect(resolveSshSettings({ ansible_ssh_common_args: '-o UserKnownHostsFile=/abs/kh' }, 'a').knownHostsFile).toBe('/abs/kh');
    expect(resolveSshSettings({ ansible_ssh_common_args: '-o UserKnownHostsFile=kh' }, 'a').knownHostsFile).toBe(resolve('kh'));
    expect(resolveSshSettings({ orchestrate_persistent_shell: 'no' }, 'a').persistentShell).toBe(false);
    expect(resolveSshSettings({ orchestrate_persistent_shell: true }, 'a').persistentShell).toBeUndefined();
  });

  it('become_method su: from ansible_become_method, with the password also for a become that a keyword turns on', () => {
    expect(resolveSshSettings({ ansible_become: true, ansible_become_method: 'su', ansible_become_password: 'r' }, 'h').become).toEqual({ method: 'su', user: 'root', password: 'r' });
    expect(resolveSshSettings({ ansible_become_method: 'su', ansible_become_pass: 'r' }, 'h')).toMatchObject({ becomeVars: { method: 'su', password: 'r' } });
    expect(resolveSshSettings({ ansible_become_method: 'su' }, 'h').become).toBeUndefined();
  });

  it.each([
    [{ ansible_port: 'x22' }, 'host h: ansible_port must be an integer from 1 to 65535, got "x22"'],
    [{ ansible_port: 70000 }, 'host h: ansible_port must be an integer from 1 to 65535, got 70000'],
    [{ ansible_connection: 'winrm' }, 'host h: ansible_connection "winrm" is not supported (use ssh or local)'],
    [{ ansible_become: 'maybe' }, 'host h: ansible_become must be a boolean, got "maybe"'],
    [{ orchestrate_persistent_shell: 'sometimes' }, 'host h: orchestrate_persistent_shell must be a boolean, got "sometimes"'],
    [{ ansible_become: true, ansible_become_method: 'doas' }, 'host h: ansible_become_method "doas" is not supported (sudo or su)'],
    [{ ansible_become_method: 'runas' }, 'host h: ansible_become_method "runas" is not supported (sudo or su)'],
    [{ ansible_ssh_common_args: '-o StrictHostKeyChecking=perhaps' }, 'StrictHostKeyChecking must be yes, no or accept-new'],
    [{ ansible_ssh_common_args: '-o "ProxyCommand=nc %h %p"' }, 'ProxyCommand "nc %h %p" is not supported; use -J'],
    [{ ansible_ssh_common_args: "-o 'unterminated" }, "unterminated ' quote"],
  ])('rejects %j', (vars, msg) => {
    expect(() => resolveSshSettings(vars, 'h')).toThrow(msg);
  });

  it('never puts a password in an error', () => {
    expect(() => resolveSshSettings({ ansible_password: { secret: 'hunter22' } }, 'h')).toThrow(/^host h: ansible_password must be a string$/);
  });
});

describe('ssh arguments', () => {
  it('splits like a shell', () => {
    expect(shellWords(`-o "ProxyCommand=ssh -W %h:%p j" -J 'a b' x\\ y`)).toEqual(['-o', 'ProxyCommand=ssh -W %h:%p j', '-J', 'a b', 'x y']);
  });

  it('reads -J, -o ProxyJump, -p, -l, -i, ProxyCommand ssh -W', () => {
    expect(parseSshArgs('-J admin@bastion:2222 -p 2200 -l u -i k -o ControlPersist=60s', '/c')).toEqual({
      proxyJump: 'admin@bastion:2222', port: 2200, user: 'u', identityFiles: [join('/c', 'k')],
    });
    expect(parseSshArgs('-o ProxyJump=j1,j2').proxyJump).toBe('j1,j2');
    expect(proxyCommandToJump('ssh -W %h:%p -q -p 2022 ops@bastion')).toBe('ops@bastion:2022');
    expect(parseSshArgs(`-o ProxyCommand="ssh -W %h:%p -l ops bastion"`).proxyJump).toBe('ops@bastion');
  });

  it('parses ProxyJump hop lists', () => {
    expect(parseProxyJump('a@j1:2200,ssh://j2,[::1]:22')).toEqual([
      { user: 'a', host: 'j1', port: 2200 }, { host: 'j2' }, { host: '::1', port: 22 },
    ]);
    expect(() => parseProxyJump('a@j1:99999')).toThrow('"99999" is not a port number');
  });
});
