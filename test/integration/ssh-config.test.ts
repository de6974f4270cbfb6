import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandTokens, lookupSshConfig, matchHostPatterns, parseSshConfig, SshConfigError } from '../../src/connection/ssh/ssh-config.js';
import { resolveTarget } from '../../src/connection/ssh/target.js';

const CONFIG = `
# global defaults come first in OpenSSH style files
Host bastion
  HostName 10.0.0.1
  User jump
  Port 2222

Host *.prod !db*.prod
  User deploy
  IdentityFile ~/.ssh/prod_%h_%r
  ProxyJump bastion

Host db?.prod
  User dba
  Port=2200

Host "quoted host" web-*
  HostName %h.example.com
  StrictHostKeyChecking accept-new
  UserKnownHostsFile ~/.ssh/kh_%h

Match all
  User fallback
  IdentityFile ~/.ssh/id_shared

Match exec "true"
  User never
`;

describe('ssh config', () => {
  const cfg = parseSshConfig(CONFIG, 'config');

  it.each([
    ['app1.prod', { user: 'deploy', proxyJump: 'bastion', identityFiles: ['~/.ssh/prod_%h_%r', '~/.ssh/id_shared'] }],
    ['db1.prod', { user: 'dba', port: 2200, identityFiles: ['~/.ssh/id_shared'] }],
    ['bastion', { hostName: '10.0.0.1', user: 'jump', port: 2222 }],
    ['web-3', { hostName: 'web-3.example.com', strictHostKeyChecking: 'accept-new', userKnownHostsFile: '~/.ssh/kh_%h', user: 'fallback' }],
    ['other', { user: 'fallback', identityFiles: ['~/.ssh/id_shared'] }],
  ])('%s: first value wins, IdentityFile accumulates', (host, want) => {
    expect(lookupSshConfig(cfg, host)).toMatchObject(want);
  });

  it('warns about Match criteria it cannot evaluate and ignores that block', () => {
    expect(cfg.warnings).toEqual(['config:26: "Match exec true" is not supported; the block is ignored']);
    expect(lookupSshConfig(cfg, 'x').user).toBe('fallback');
  });

  it('matches globs and negations like OpenSSH', () => {
    expect(matchHostPatterns(['*.prod', '!db*.prod'], 'app.prod')).toBe(true);
    expect(matchHostPatterns(['*.prod', '!db*.prod'], 'db2.prod')).toBe(false);
    expect(matchHostPatterns(['!db*'], 'app')).toBe(false); // a negation alone never matches
    expect(matchHostPatterns(['web-?'], 'WEB-1')).toBe(true);
    expect(matchHostPatterns(['10.0.0.*'], '10.0.0.17')).toBe(true);
    expect(matchHostPatterns(['10.0.0.*'], '10.0.1.1')).toBe(false);
  });

  it('expands ~ and %h %r %p %n %% tokens', () => {
    expect(expandTokens('~/.ssh/id_%h_%r_%p_%n_%%', { h: 'a.b', r: 'bob', p: 22, n: 'a' })).toBe(
      join(homedir(), '.ssh/id_a.b_bob_22_a_%'),
    );
  });

  it('reports bad values with file:line', () => {
    expect(() => parseSshConfig('Host x\n  Port nope\n', 'cfg').blocks).not.toThrow();
    expect(() => lookupSshConfig(parseSshConfig('Host x\n  Port nope\n', 'cfg'), 'x')).toThrow(SshConfigError);
    expect(() => lookupSshConfig(parseSshConfig('Host x\n  Port nope\n', 'cfg'), 'x')).toThrow('cfg:2: bad Port "nope"');
    expect(() => parseSshConfig('Host x\n  User\n', 'cfg')).toThrow('cfg:2: option "User" has no value');
  });

  it('follows Include with globs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sshcfg-'));
    writeFileSync(join(dir, 'a.conf'), 'Host inc\n  User included\n');
    const c = parseSshConfig(`Include ${dir}/*.conf\nHost *\n  User star\n`, 'main');
    expect(lookupSshConfig(c, 'inc').user).toBe('included');
    expect(lookupSshConfig(c, 'zzz').user).toBe('star');
  });

  it('drives target resolution: HostName, user, keys, jump chain, known_hosts', () => {
    const chain = resolveTarget(
      { host: 'app1', address: 'app1.prod', transport: 'ssh' },
      { home: '/home/t' },
      cfg,
    );
    expect(chain.target).toMatchObject({ address: 'app1.prod', port: 22, user: 'deploy', hostKeyChecking: true });
    expect(chain.target.keyFiles.map((k) => k.path)).toEqual([join(homedir(), '.ssh/prod_app1.prod_deploy'), join(homedir(), '.ssh/id_shared')]);
    expect(chain.target.knownHostsFile).toBe('/home/t/.ssh/known_hosts');
    expect(chain.jumps).toHaveLength(1);
    expect(chain.jumps[0]).toMatchObject({ address: '10.0.0.1', port: 2222, user: 'jump' });
    const web = resolveTarget({ host: 'w', address: 'web-1', transport: 'ssh', user: 'me', port: 2022 }, { home: '/home/t' }, cfg);
    expect(web.target).toMatchObject({ address: 'web-1.example.com', user: 'me', port: 2022, hostKeyChecking: 'accept-new' });
    expect(web.target.knownHostsFile).toBe(join(homedir(), '.ssh/kh_web-1.example.com'));
    const plain = resolveTarget({ host: 'p', address: 'p', transport: 'ssh', user: 'u' }, { home: '/home/t' }, parseSshConfig('', 'x'));
    expect(plain.target.keyFiles.map((k) => k.path)).toEqual(['/home/t/.ssh/id_ed25519', '/home/t/.ssh/id_ecdsa', '/home/t/.ssh/id_rsa']);
  });
});
