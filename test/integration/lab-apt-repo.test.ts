/**
 * The lab's apt repository, built on this machine without a network: test packages from a spec,
 * a package repacked from dpkg's database, Packages/Release indexes; a package neither cached
 * nor installed is a clear error.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { controlFromStatus, debFromSpec, machineDeb, machinePackages, repack } from '../../lab/fleet/apt-debs.js';
import { buildAptRepo, dependencyGroups } from '../../lab/fleet/apt-repo.js';

const hasDpkg = ((): boolean => {
  try {
    execFileSync('dpkg-deb', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const dir = mkdtempSync(join(tmpdir(), 'lab-apt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dependencyGroups', () => {
  it('splits a Depends field into alternative groups of names', () => {
    expect(dependencyGroups('libc6 (>= 2.34), a | b (<< 2), c:any')).toEqual([['libc6'], ['a', 'b'], ['c']]);
  });
});

describe('controlFromStatus', () => {
  it('drops the fields only dpkg database has, keeping continuation lines of the others', () => {
    const status = 'Package: x\nStatus: install ok installed\nVersion: 1\nConffiles:\n /etc/x 0123\nDescription: d\n long\n';
    expect(controlFromStatus(status)).toBe('Package: x\nVersion: 1\nDescription: d\n long\n');
  });
});

describe.skipIf(!hasDpkg)('lab apt repository', () => {
  it('builds test packages from a spec and indexes them', async () => {
    const repo = join(dir, 'repo');
    const spec = { name: 'orchestrate-lab-hello', version: '1.0', files: { '/usr/share/orchestrate-lab-hello/VERSION': '1.0\n' } };
    const debs = await buildAptRepo(repo, { specs: [spec, { ...spec, version: '1.1', files: { '/usr/share/orchestrate-lab-hello/VERSION': '1.1\n' } }] });
    expect(debs).toEqual(['orchestrate-lab-hello_1.0_all.deb', 'orchestrate-lab-hello_1.1_all.deb']);
    const packages = readFileSync(join(repo, 'Packages'), 'utf8');
    expect(packages).toMatch(/^Package: orchestrate-lab-hello\nVersion: 1\.0\n/m);
    expect(packages).toContain('Filename: pool/orchestrate-lab-hello_1.1_all.deb');
    expect(packages).toMatch(/^SHA256: [0-9a-f]{64}$/m);
    const release = readFileSync(join(repo, 'Release'), 'utf8');
    expect(release).toMatch(new RegExp(`^ [0-9a-f]{64} ${Buffer.byteLength(packages)} Packages$`, 'm'));
    const listing = execFileSync('dpkg-deb', ['-c', join(repo, 'pool', debs[1]!)], { encoding: 'utf8' });
    expect(listing).toMatch(/root\/root .* \.\/usr\/share\/orchestrate-lab-hello\/VERSION/);
  });

  it('refuses a bad spec', async () => {
    await expect(debFromSpec({ name: 'X', version: '1' }, dir)).rejects.toThrow(/test package name "X"/);
    await expect(debFromSpec({ name: 'ok-name', version: '1', files: { 'rel/path': '' } }, dir)).rejects.toThrow(/must be absolute/);
  });

  it('repacks an installed package from dpkg database (files, control fields, scripts)', async () => {
    const machine = await machinePackages();
    const name = machine.installed.has('hostname') ? 'hostname' : [...machine.installed.keys()][0]!;
    const deb = await repack(name, dir);
    const fields = execFileSync('dpkg-deb', ['-f', deb], { encoding: 'utf8' });
    expect(fields).toContain(`Package: ${name}\n`);
    expect(fields).toContain(`Version: ${machine.installed.get(name)}`);
    expect(fields).not.toMatch(/^Status:/m);
    const files = execFileSync('dpkg-query', ['-L', name], { encoding: 'utf8' }).split('\n').filter((p) => p.startsWith('/') && p !== '/.');
    const listing = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' });
    for (const f of files.filter((p) => existsSync(p)).slice(0, 20)) expect(listing).toContain(`.${f}`);
  });

  it('names a package that is neither cached nor installed', async () => {
    const machine = await machinePackages();
    await expect(machineDeb('orchestrate-no-such-package', machine, dir)).rejects.toThrow(/apt package "orchestrate-no-such-package" is neither installed on this machine nor in \/var\/cache\/apt\/archives/);
  });
});
