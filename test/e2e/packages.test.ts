/**
 * Packages on a lab host (1 host, not provisioned) from the lab's own apt repository: test
 * packages built from a spec (orchestrate-lab-hello 1.0 and 1.1) and one real package of this
 * machine (tmux, from apt's cache or repacked from dpkg's database). Install, second run
 * unchanged, latest upgrades, pinned downgrade, absent/purge, check mode changes nothing; the
 * same steps run by ansible-playbook (its apt module, on the host's python3-apt) change the
 * same things and leave the same dpkg state; the machine's own dpkg status and /usr are untouched.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orchestrate, project, REPO, results } from '../helpers/cli.js';
import { labSupported, startLab, type LabHandle } from '../helpers/lab.js';

const support = labSupported();
if (!support.ok) console.log(`skipping packages e2e tests: ${support.reason}`);
const tmuxInstalled = spawnSync('dpkg-query', ['-W', 'tmux'], { stdio: 'ignore' }).status === 0;
// The comparison with ansible-playbook takes a minute or more on a busy 2-core machine (python-apt
// opens apt's cache for every task): it runs with `npm run test:differential` (ORCHESTRATE_APT_DIFFERENTIAL=1).
const ansibleApt = process.env['ORCHESTRATE_APT_DIFFERENTIAL'] === '1' && spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0 && spawnSync('/usr/bin/python3', ['-c', 'import apt'], { stdio: 'ignore' }).status === 0;

const HELLO = '/usr/share/orchestrate-lab-hello/VERSION';
const hello = (version: string): { name: string; version: string; files: Record<string, string> } => ({ name: 'orchestrate-lab-hello', version, files: { [HELLO]: `${version}\n` } });
const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

const STATE = `shell: "dpkg-query -W -f '\${Package}=\${Version} \${db:Status-Abbrev}\\\\n' orchestrate-lab-hello tmux 2>/dev/null; cat ${HELLO} 2>/dev/null; true"`;
/** Each step, then the dpkg state it left (registered as st_<n>). */
const STEPS = [
  '{ name: orchestrate-lab-hello=1.0, update_cache: true }',
  '{ name: orchestrate-lab-hello }',
  '{ name: orchestrate-lab-hello, state: latest }',
  '{ name: orchestrate-lab-hello, state: latest }',
  '{ name: "orchestrate-lab-hello=1.0", allow_downgrade: true }',
  '{ name: [orchestrate-lab-hello, tmux], state: absent, purge: true }',
  '{ name: tmux }',
  '{ name: orchestrate-lab-hello, state: absent }',
];
const PLAYBOOK = `- hosts: client1
  gather_facts: false
  tasks:
    # man-db's dpkg trigger rebuilds the whole man index (none is cached on these machines): seconds per install
    - file: { path: /var/lib/man-db/auto-update, state: absent }
${STEPS.map((s, i) => `    - name: step${i}\n      apt: ${s}\n    - ${STATE}\n      register: s\n      changed_when: false\n    - name: state${i}\n      debug: { msg: "{{ s.stdout }}" }\n`).join('')}`;
const shown = (e: Record<string, unknown> | undefined): string => String(e?.['output'] ?? '');

describe.skipIf(!support.ok || !tmuxInstalled)('apt on a lab host, from the lab repository', () => {
  let lab: LabHandle;
  let scratch: string;
  const machineStatus = sha('/var/lib/dpkg/status');

  beforeAll(async () => {
    lab = await startLab({ name: 'e2e-apt', servers: 0, clients: 1, provision: false, aptPackages: ['tmux'], aptSpecs: [hello('1.0'), hello('1.1')] });
    scratch = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-apt-'));
  }, 120_000);
  afterAll(async () => {
    await lab?.down();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  type Step = { changed: boolean; state: string };
  let ours: Step[] = [];

  it('installs, leaves installed packages alone, upgrades with latest, downgrades a pin, removes and purges', async () => {
    const p = project({ 'site.yml': PLAYBOOK });
    const r = await orchestrate(['run', path.join(p, 'site.yml'), '-i', lab.inventory, '--json'], { timeoutMs: 240_000 });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    ours = STEPS.map((_, i) => ({ changed: results(r.events, `step${i}`)[0]?.['status'] === 'changed', state: shown(results(r.events, `state${i}`)[0]) }));
    expect(ours.map((s) => s.changed)).toEqual([true, false, true, false, true, true, true, false]);
    expect(ours[0]!.state).toContain('orchestrate-lab-hello=1.0 ii');
    expect(ours[2]!.state).toMatch(/orchestrate-lab-hello=1\.1 ii[^]*\n1\.1$/);
    expect(ours[4]!.state).toContain('orchestrate-lab-hello=1.0 ii');
    expect(ours[5]!.state).not.toMatch(/ ii/);
    expect(ours[6]!.state).toMatch(/^tmux=\S+ ii/m);
  }, 240_000);

  it('--check --diff reports the change and changes nothing (apt, package); a missing package names itself', async () => {
    const site = `- hosts: client1
  gather_facts: false
  tasks:
    - { name: add, apt: { name: orchestrate-lab-hello } }
    - { name: drop, apt: { name: tmux, state: absent } }
    - { name: none, apt: { name: orchestrate-no-such-package }, ignore_errors: true }
    - { name: pkg, package: { name: orchestrate-lab-hello, state: present } }
    - { name: deb, apt: { deb: "{{ lab_apt_repo_url }}/pool/orchestrate-lab-hello_1.0_all.deb" } }
`;
    const p = project({ 'site.yml': site });
    const r = await orchestrate(['run', path.join(p, 'site.yml'), '-i', lab.inventory, '--check', '--diff', '--json'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const add = results(r.events, 'add')[0]!;
    expect(add['status']).toBe('changed');
    expect(JSON.stringify(add['diff'])).toContain('orchestrate-lab-hello (not installed)');
    expect(JSON.stringify(results(r.events, 'drop')[0]!['diff'])).toMatch(/tmux \(removed\)/);
    expect(results(r.events, 'none')[0]!['msg']).toBe("No package matching 'orchestrate-no-such-package' is available");
    // package: without gathered facts it looks which manager the host has (apt)
    expect(results(r.events, 'pkg')[0]).toMatchObject({ status: 'changed', reason: 'install orchestrate-lab-hello=1.1' });
    // deb: a URL, fetched on the host, read with dpkg-deb, previewed with apt-get --simulate
    expect(results(r.events, 'deb')[0]).toMatchObject({ status: 'changed', reason: expect.stringMatching(/^install orchestrate-lab-hello 1\.0 from http:/) });
    expect(JSON.stringify(results(r.events, 'deb')[0]!['diff'])).toContain('orchestrate-lab-hello 1.0');
    const after = await orchestrate(['run', path.join(project({ 'site.yml': `- hosts: client1\n  gather_facts: false\n  tasks:\n    - ${STATE}\n      register: s\n    - name: s\n      debug: { msg: "{{ s.stdout }}" }\n` }), 'site.yml'), '-i', lab.inventory, '--json']);
    const state = shown(results(after.events, 's')[0]);
    expect(state).toMatch(/^tmux=\S+ ii/m);
    expect(state).not.toContain('orchestrate-lab-hello=1');
  }, 120_000);

  it.skipIf(!ansibleApt)('ansible-playbook (apt module) changes the same steps and leaves the same dpkg state', () => {
    expect(ours.length).toBe(STEPS.length);
    const p = project({ 'site.yml': PLAYBOOK });
    const run = spawnSync('ansible-playbook', [path.join(p, 'site.yml'), '-i', lab.inventory, '-e', 'ansible_python_interpreter=/usr/bin/python3'], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_LOCAL_TEMP: path.join(scratch, 'atmp'), ANSIBLE_CONFIG: path.join(REPO, 'bench/ansible/ansible.cfg') },
      timeout: 240_000,
    });
    expect(run.status, run.stdout.slice(-3000) + run.stderr).toBe(0);
    const tasks = (JSON.parse(run.stdout) as { plays: { tasks: { task: { name: string }; hosts: Record<string, { changed?: boolean; msg?: string }> }[] }[] }).plays[0]!.tasks;
    const theirs = STEPS.map((_, i) => ({
      changed: tasks.find((t) => t.task.name === `step${i}`)?.hosts['client1']?.changed === true,
      state: tasks.find((t) => t.task.name === `state${i}`)?.hosts['client1']?.msg ?? '',
    }));
    expect(ours.map((s) => s.changed)).toEqual(theirs.map((s) => s.changed));
    expect(ours.map((s) => s.state.trim())).toEqual(theirs.map((s) => s.state.trim()));
  }, 240_000);

  it("leaves the machine's dpkg status and /usr as they were", () => {
    expect(sha('/var/lib/dpkg/status')).toBe(machineStatus);
    expect(existsSync('/usr/share/orchestrate-lab-hello')).toBe(false);
    expect(existsSync('/usr/bin/tmux')).toBe(true);
  });
});
