/**
 * dnf and yum cannot run on these Debian machines: their command lines and the parsing of rpm's
 * and dnf's answers are tested here on outputs in the formats of rpm 4.16 / dnf 4.14 (RHEL 9),
 * and the decisions against ansible-core 2.14's dnf module (docs/PACKAGES.md says what is not
 * tested). package: dispatch on the pkg_mgr fact or `use`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateArgs } from '../../src/modules/args.js';
import { dnf, rpmOps, rpmPlan, rpmReadScript, rpmReadState, type RpmArgs } from '../../src/modules/dnf.js';
import { parseCheckUpdate, parseNoMatch, parseRpmQuery, parseTransaction, rpmCommand } from '../../src/modules/lib/rpm.js';
import { factPkgMgr } from '../../src/modules/package.js';

const fixture = (f: string): string => readFileSync(join(__dirname, '../fixtures/packages', f), 'utf8');
function args(raw: Record<string, unknown>): RpmArgs {
  const { args: a, problems } = validateArgs(dnf as never, raw, { templated: true });
  expect(problems).toEqual([]);
  return a as RpmArgs;
}

describe('parsing rpm and dnf', () => {
  it('rpm -q: installed with epoch, missing specs', () => {
    const q = parseRpmQuery(fixture('rpm-q.txt'));
    expect([...q.installed]).toEqual([['nginx', '1:1.20.1-14.el9.x86_64'], ['bash', '5.1.8-6.el9.x86_64']]);
    expect(q.missing).toEqual(['tmux']);
  });
  it('check-update: updates until "Obsoleting Packages"', () => {
    expect([...parseCheckUpdate(fixture('dnf-check-update.txt'))]).toEqual([['nginx', '1:1.20.1-16.el9_4.1'], ['openssl-libs', '1:3.0.7-27.el9']]);
  });
  it('an --assumeno transaction and the specs with no match', () => {
    const out = fixture('dnf-assumeno-install.txt');
    expect(parseNoMatch(out)).toEqual(['nosuchpkg']);
    expect(parseNoMatch('No package foo available.\n')).toEqual(['foo']);
    expect(parseTransaction(out)).toEqual([
      { op: 'Installing', name: 'tmux', version: '3.2a-5.el9' },
      { op: 'Installing', name: 'libutempter', version: '1.2.1-6.el9' },
      { op: 'Upgrading', name: 'nginx', version: '1:1.20.1-16.el9_4.1' },
    ]);
  });
});

describe('dnf/yum command lines', () => {
  it('as ansible dnf passes its options', () => {
    const a = args({ name: ['nginx'], enablerepo: 'epel', disable_gpg_check: true, install_weak_deps: false, exclude: ['kernel*'] });
    expect(rpmReadScript('dnf', args({ name: ['nginx', 'tmux'], state: 'latest', update_cache: true }), false)).toContain("rpm -q --qf '%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\n' -- nginx tmux");
    expect(rpmPlan('dnf', { installed: new Map(), missing: ['nginx'], updates: new Map() }, a)).toMatchObject({
      change: { script: "dnf -y --nogpgcheck --enablerepo=epel --exclude='kernel*' --setopt=install_weak_deps=False install nginx", results: ['Installed: nginx'] },
    });
    expect(rpmCommand('yum', 'upgrade', ['nginx'], { disableGpgCheck: false, enablerepo: [], disablerepo: [], exclude: [], allowDowngrade: false, allowErasing: true, noBest: false, installWeakDeps: true, securityOnly: true, bugfixOnly: false, cacheOnly: false, downloadOnly: false }, true)).toBe('yum --assumeno --security update nginx');
  });
});

describe('dnf decisions', () => {
  const st = rpmReadState('dnf', args({ name: ['nginx', 'tmux'], state: 'latest' }), `@@rpm\n${fixture('rpm-q.txt')}@@updates\n${fixture('dnf-check-update.txt')}@@rc 100\n`);
  it('latest installs what is missing and upgrades what is old', () => {
    expect(rpmOps(st, args({ name: ['nginx', 'tmux'], state: 'latest' }))).toEqual([{ op: 'install', specs: ['tmux'] }, { op: 'upgrade', specs: ['nginx'] }]);
    expect(rpmOps(st, args({ name: ['nginx', 'tmux'], state: 'latest', update_only: true }))).toEqual([{ op: 'upgrade', specs: ['nginx'] }]);
  });
  it('present leaves installed packages, absent removes them; "Nothing to do" otherwise', () => {
    expect(rpmOps(st, args({ name: ['nginx', 'bash'] }))).toEqual([]);
    expect(rpmPlan('dnf', st, args({ name: ['nginx'], state: 'installed' }))).toMatchObject({ ok: true, reason: 'Nothing to do', data: { results: [] } });
    expect(rpmOps(st, args({ name: ['nginx', 'tmux'], state: 'removed' }))).toEqual([{ op: 'remove', specs: ['nginx'] }]);
  });
  it('a missing package fails with its name (check mode preview)', () => {
    expect(() => rpmPlan('dnf', { ...st, preview: fixture('dnf-assumeno-install.txt') }, args({ name: ['tmux', 'nosuchpkg'] }))).toThrow('dnf(tmux, nosuchpkg): Failed to install some of the specified packages: No package nosuchpkg available.');
  });
  it('a preview gives the --diff', () => {
    const p = rpmPlan('dnf', { ...st, missing: ['tmux'], preview: fixture('dnf-assumeno-install.txt').replace(/^No match.*\n/m, '') }, args({ name: ['tmux', 'nginx'], state: 'latest' }));
    expect('diff' in p && p.diff?.[0]).toEqual({ path: 'packages', before: 'tmux (not installed)\nlibutempter (not installed)\nnginx 1:1.20.1-14.el9.x86_64\n', after: 'tmux 3.2a-5.el9\nlibutempter 1.2.1-6.el9\nnginx 1:1.20.1-16.el9_4.1\n' });
  });
  it('refuses version comparisons in names', () => {
    expect(validateArgs(dnf as never, { name: 'nginx >= 1.2' }, { templated: true }).problems.map((p) => p.message)).toEqual(['"nginx >= 1.2": version comparisons in names are not supported; give name-version']);
  });
});

describe('package', () => {
  it('takes the manager from ansible_facts.pkg_mgr, then ansible_pkg_mgr', () => {
    expect(factPkgMgr({ ansible_facts: { pkg_mgr: 'dnf' } })).toBe('dnf');
    expect(factPkgMgr({ ansible_pkg_mgr: 'apt' })).toBe('apt');
    expect(factPkgMgr({ ansible_facts: { pkg_mgr: 'unknown' } })).toBeUndefined();
  });
});
