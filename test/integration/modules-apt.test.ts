/**
 * apt's reading and deciding, from recorded host answers (apt-cache policy, dpkg-query,
 * apt-get --simulate of apt 2.6 on Debian 12), against ansible-core 2.14 apt's package_status,
 * install and remove; Debian version ordering against dpkg --compare-versions.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aptPlan, decide, type AptArgs, type AptState } from '../../src/modules/apt.js';
import { aptPackages, decideInstall, decideRemove, installCommand, parsePolicy, parseSimulation, preparedDiff, removeCommand, type AptGetOptions } from '../../src/modules/lib/apt.js';
import { compareDebVersions, fnmatch, splitPkgSpec } from '../../src/modules/lib/debversion.js';
import { validateArgs } from '../../src/modules/args.js';
import { apt } from '../../src/modules/apt.js';

const FIX = join(__dirname, '../fixtures/packages');
const fixture = (f: string): string => readFileSync(join(FIX, f), 'utf8');
const NAMES = ['tmux', 'orchestrate-lab-hello', 'mail-transport-agent', 'chrony', 'nosuch'];
const pkgs = aptPackages(NAMES, fixture('dpkg-query.txt'), fixture('apt-cache-policy.txt'));
const state: AptState = { cacheUpdated: false, cacheUpdateTime: 1700000000, packages: Object.fromEntries(pkgs) };

function args(raw: Record<string, unknown>): AptArgs {
  const { args: a, problems } = validateArgs(apt as never, raw, { templated: true });
  expect(problems).toEqual([]);
  return a as AptArgs;
}

describe('Debian versions', () => {
  const cases: [string, string][] = [['1.0', '1.1'], ['1.0~rc1', '1.0'], ['2.0', '1:0.9'], ['1.0-1', '1.0-10'], ['3.3-3', '3.3a-3'], ['1.0', '1.0+b1'], ['2.4-1', '2.34-1'], ['0', '0.0'], ['1.0~~', '1.0~']];
  it.each(cases)('%s < %s, as dpkg --compare-versions', (a, b) => {
    expect(compareDebVersions(a, b)).toBeLessThan(0);
    expect(compareDebVersions(b, a)).toBeGreaterThan(0);
    if (spawnSync('dpkg', ['--version'], { stdio: 'ignore' }).status === 0) expect(spawnSync('dpkg', ['--compare-versions', a, 'lt', b]).status).toBe(0);
  });
  it('splits specs and matches pins as Ansible (fnmatch)', () => {
    expect(splitPkgSpec('nginx=1.22*')).toEqual({ name: 'nginx', cmp: '=', version: '1.22*' });
    expect(splitPkgSpec('nginx>=1.2')).toEqual({ name: 'nginx', cmp: '>=', version: '1.2' });
    expect(fnmatch('1.22.1-9', '1.22*')).toBe(true);
    expect(fnmatch('1.2', '1.2?')).toBe(false);
  });
});

describe('reading the host', () => {
  it('joins dpkg status and apt policy', () => {
    expect(parsePolicy(fixture('apt-cache-policy.txt')).get('orchestrate-lab-hello')).toEqual({ candidate: '1.1', versions: ['1.1', '1.0'] });
    expect(pkgs.get('tmux')).toMatchObject({ installed: '3.3a-3', candidate: '3.3a-3', known: true, hasFiles: true });
    expect(pkgs.get('chrony')).toMatchObject({ hasFiles: true, known: true });
    expect(pkgs.get('chrony')?.installed).toBeUndefined();
    expect(pkgs.get('nosuch')).toMatchObject({ known: false, hasFiles: false });
  });
  it('parses a simulation into steps and Ansible\'s "prepared" diff', () => {
    const out = fixture('apt-get-simulate-install.txt');
    expect(parseSimulation(out)).toEqual([
      { op: 'Inst', name: 'orchestrate-lab-hello', from: '1.0', to: '1.1' },
      { op: 'Inst', name: 'tmux', to: '3.3a-3' },
    ]);
    expect(preparedDiff(out).split('\n')[0]).toBe('The following packages will be upgraded:');
    expect(preparedDiff(out).split('\n').pop()).toBe('1 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.');
  });
});

describe('deciding, as ansible apt install()/remove()', () => {
  const cases: [string, { upgrade: boolean; onlyUpgrade: boolean }, unknown][] = [
    ['tmux', { upgrade: false, onlyUpgrade: false }, { skip: 'tmux 3.3a-3 is installed' }],
    ['orchestrate-lab-hello', { upgrade: false, onlyUpgrade: false }, { skip: 'orchestrate-lab-hello 1.0 is installed' }],
    ['orchestrate-lab-hello', { upgrade: true, onlyUpgrade: false }, { install: 'orchestrate-lab-hello=1.1' }],
    ['orchestrate-lab-hello=1.0', { upgrade: false, onlyUpgrade: false }, { skip: 'orchestrate-lab-hello 1.0 is installed' }],
    ['orchestrate-lab-hello=1.1', { upgrade: false, onlyUpgrade: false }, { install: 'orchestrate-lab-hello=1.1' }],
    ['orchestrate-lab-hello=2.*', { upgrade: false, onlyUpgrade: false }, { fail: 'no available installation candidate for orchestrate-lab-hello=2.*' }],
    ['orchestrate-lab-hello>=1.1', { upgrade: false, onlyUpgrade: false }, { install: 'orchestrate-lab-hello=1.1' }],
    ['nosuch', { upgrade: false, onlyUpgrade: false }, { fail: "No package matching 'nosuch' is available" }],
    ['mail-transport-agent', { upgrade: false, onlyUpgrade: false }, { install: 'mail-transport-agent' }],
    ['chrony', { upgrade: false, onlyUpgrade: true }, { skip: 'chrony is not installed (only_upgrade)' }],
    ['chrony', { upgrade: false, onlyUpgrade: false }, { fail: 'no available installation candidate for chrony' }],
  ];
  it.each(cases)('%s %o', (spec, opts, want) => {
    expect(decideInstall(spec, pkgs.get(splitPkgSpec(spec).name), opts)).toEqual(want);
  });
  it('removes what is installed (in the version asked), purges what left files', () => {
    expect(decideRemove('tmux', pkgs.get('tmux'), false)).toBe(true);
    expect(decideRemove('orchestrate-lab-hello=2.0', pkgs.get('orchestrate-lab-hello'), false)).toBe(false);
    expect(decideRemove('chrony', pkgs.get('chrony'), false)).toBe(false);
    expect(decideRemove('chrony', pkgs.get('chrony'), true)).toBe(true);
    expect(decideRemove('nosuch', pkgs.get('nosuch'), true)).toBe(false);
  });
});

describe('apt-get command lines, as ansible apt builds them', () => {
  const o: AptGetOptions = { dpkgOptions: 'force-confdef,force-confold', force: false, autoremove: false, failOnAutoremove: false, onlyUpgrade: false, fixed: false, allowUnauthenticated: false, allowDowngrade: true, allowChangeHeld: false, purge: true, lockTimeout: 60, installRecommends: false, defaultRelease: 'bookworm-backports' };
  it('install', () => {
    expect(installCommand(["'nginx=1.22.1-9'"], o, true)).toBe(
      `apt-get -y -o DPkg::Lock::Timeout=60 -o "Dpkg::Options::=--force-confdef" -o "Dpkg::Options::=--force-confold" --simulate install 'nginx=1.22.1-9' -t bookworm-backports -o APT::Install-Recommends=no --allow-downgrades`,
    );
  });
  it('remove', () => {
    expect(removeCommand(["'tmux'"], { ...o, autoremove: true }, false)).toBe(`apt-get -q -y -o DPkg::Lock::Timeout=60 -o "Dpkg::Options::=--force-confdef" -o "Dpkg::Options::=--force-confold" --purge --auto-remove remove 'tmux'`);
  });
});

describe('apt plan', () => {
  it('says why nothing is to do, with cache_updated and cache_update_time', () => {
    const p = aptPlan(state, args({ name: ['tmux', 'orchestrate-lab-hello'] }));
    expect(p).toMatchObject({ ok: true, reason: 'tmux 3.3a-3 is installed, orchestrate-lab-hello 1.0 is installed', data: { cache_updated: false, cache_update_time: 1700000000 } });
  });
  it('installs only what is missing, then marks the names manual', () => {
    const p = aptPlan(state, args({ name: 'tmux,orchestrate-lab-hello', state: 'latest' }));
    expect(p).toMatchObject({ summary: 'install orchestrate-lab-hello=1.1' });
    expect('change' in p && p.change.script).toMatch(/ install orchestrate-lab-hello=1\.1 && apt-mark manual tmux orchestrate-lab-hello >\/dev\/null$/);
  });
  it('shows a --diff from the simulation', () => {
    const p = aptPlan({ ...state, simulation: fixture('apt-get-simulate-install.txt') }, args({ name: ['tmux', 'orchestrate-lab-hello'], state: 'latest' }));
    expect('diff' in p && p.diff).toEqual([{ path: 'packages', before: 'orchestrate-lab-hello 1.0\ntmux (not installed)\n', after: 'orchestrate-lab-hello 1.1\ntmux 3.3a-3\n' }]);
  });
  it('an upgrade with nothing to upgrade is ok', () => {
    expect(aptPlan({ ...state, simulation: fixture('apt-get-simulate-nothing.txt') }, args({ upgrade: 'dist' }))).toMatchObject({ ok: true, reason: 'apt-get dist-upgrade: nothing to do' });
  });
  it('a cache update alone is the change', () => {
    expect(aptPlan({ ...state, cacheUpdated: true }, args({ update_cache: true }))).toMatchObject({ summary: 'apt cache updated', change: { script: '' }, data: { cache_updated: true } });
  });
  it('fails with the package name', () => {
    expect(() => aptPlan(state, args({ name: 'nosuch' }))).toThrow("No package matching 'nosuch' is available");
    expect(() => aptPlan(state, args({ name: 'a=1=2' }))).toThrow(/invalid package spec: a=1=2/);
    expect(decide(state, args({ deb: '/tmp/x.deb', state: 'absent' }))).toEqual({ fail: 'deb only supports state=present' });
  });
  it('refuses name with upgrade, and a task with nothing to do', () => {
    expect(validateArgs(apt as never, { name: 'x', upgrade: 'yes' }, { templated: true }).problems.map((p) => JSON.stringify(p)).join()).toMatch(/mutually exclusive/);
    expect(validateArgs(apt as never, { state: 'present' }, { templated: true }).problems.map((p) => p.message)).toEqual(['one of the following is required: autoremove, deb, name, update_cache, upgrade']);
  });
});
