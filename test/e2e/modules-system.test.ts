/**
 * The system modules (user, group, getent, cron, sysctl, hostname, mount, service_facts,
 * package_facts) on a lab of 2 hosts: test/fixtures/system-modules/site.yml runs under
 * ansible-playbook (the oracle) on server1 while orchestrate runs it twice on client1; the first
 * orchestrate run changes, the second changes nothing, and both hosts end in the same state
 * (passwd/shadow/group lines, homes, crontabs, cron.d, sysctl file and values, hostname, fstab
 * and mounts: snapshot.sh). Both hosts start from reset.sh.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orchestrate, REPO, totals } from '../helpers/cli.js';
import { labSupported, startLab, type LabHandle } from '../helpers/lab.js';

const exec = promisify(execFile);
const support = labSupported();
if (!support.ok) console.log(`skipping system modules e2e tests: ${support.reason}`);
const ansible = spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0;
const crontab = spawnSync('sh', ['-c', 'command -v crontab'], { stdio: 'ignore' }).status === 0;
if (support.ok && !crontab) console.log('skipping system modules e2e tests: crontab is not installed (apt-get install cron)');
if (support.ok && crontab && !ansible) console.log('skipping the comparison with ansible-playbook: it is not installed');

const FIX = path.join(REPO, 'test/fixtures/system-modules');

describe.skipIf(!support.ok || !crontab)('system modules on the lab (ansible-playbook on server1, orchestrate on client1)', () => {
  let lab: LabHandle;
  let scratch: string;
  const address = (h: string): string => lab.hosts.find((x) => x.name === h)!.address;

  /** A script from the fixture run as root on a lab host, with arguments. */
  async function onHost(host: string, script: string, ...args: string[]): Promise<string> {
    const ssh = ['-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${lab.knownHosts}`, '-i', lab.key, `root@${address(host)}`, `sh -s ${args.join(' ')}`];
    return new Promise((resolve, reject) => {
      const child = execFile('ssh', ssh, { timeout: 30_000 }, (e, stdout, stderr) => (e ? reject(new Error(`${script} on ${host}: ${stderr}`)) : resolve(stdout)));
      child.stdin!.end(readFileSync(path.join(FIX, script)));
    });
  }

  beforeAll(async () => {
    lab = await startLab({ name: 'e2e-sysmod', servers: 1, clients: 1, provision: false });
    scratch = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-sysmod-'));
    // the same running host name on both: on Debian without systemd the hostname module writes /etc/hostname only, as Ansible's does
    await Promise.all(lab.hosts.map((h) => onHost(h.name, 'reset.sh', 'labhost')));
  }, 120_000);
  afterAll(async () => {
    await lab?.down();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /** ansible-playbook on server1, tuned as bench:ansible tunes it (pipelining, one SSH master). */
  function runAnsible(): Promise<{ stdout: string; stderr: string }> {
    return exec('ansible-playbook', ['-i', lab.inventory, '-l', 'server1', path.join(FIX, 'site.yml')], {
      cwd: REPO,
      timeout: 240_000,
      env: {
        ...process.env,
        ANSIBLE_NOCOLOR: '1',
        ANSIBLE_HOST_KEY_CHECKING: 'True',
        ANSIBLE_RETRY_FILES_ENABLED: 'False',
        ANSIBLE_LOCAL_TEMP: path.join(scratch, 'atmp'),
        ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(scratch, 'cp'),
        ANSIBLE_PIPELINING: 'True',
        ANSIBLE_SSH_ARGS: '-o ControlMaster=auto -o ControlPersist=60s',
        ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
        ANSIBLE_CONFIG: path.join(REPO, 'bench/ansible/ansible.cfg'),
      },
    });
  }

  it('check mode changes nothing, the first run changes, the second changes nothing, and the end state equals ansible-playbook\'s', async () => {
    const t0 = Date.now();
    const oracle = ansible ? runAnsible().then((r) => (console.log(`ansible-playbook: ${Date.now() - t0} ms`), r)) : undefined;
    const run = (...extra: string[]): ReturnType<typeof orchestrate> => orchestrate(['run', path.join(FIX, 'site.yml'), '-i', lab.inventory, '-l', 'client1', '--json', ...extra]);
    // tasks that read what earlier tasks made (getent of the new user, a variable placed after another) are tagged needs-run
    const check = await run('--check', '--diff', '--skip-tags', 'needs-run');
    expect(check.code, check.stderr + check.stdout).toBe(0);
    expect(totals(check.events)['changed']).toBeGreaterThanOrEqual(18);
    const untouched = await onHost('client1', 'snapshot.sh');
    expect(untouched).not.toContain('sysuser:x:');
    expect(untouched).not.toContain('/mnt/labtmp');
    expect(untouched).toContain('labhost\nlabhost\n');
    const first = await run();
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(totals(first.events)['changed']).toBeGreaterThanOrEqual(19);
    const second = await run();
    expect(second.code, second.stderr + second.stdout).toBe(0);
    expect(totals(second.events)['changed']).toBe(0);
    console.log(`orchestrate (check, first, second run): ${Date.now() - t0} ms`);
    const ours = await onHost('client1', 'snapshot.sh');
    expect(ours).toContain('sysuser:x:3301:3201:System user:/home/sysuser:/bin/sh');
    expect(ours).toContain('#Ansible: backup\n0 5,2 * * * ls -alh > /dev/null\n');
    expect(ours).toContain('tmpfs /mnt/labtmp tmpfs size=8m,mode=0755 0 0');
    if (!oracle) return;
    const a = await oracle;
    expect(a.stdout).toMatch(/server1\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0/);
    expect(ours.split('\n')).toEqual((await onHost('server1', 'snapshot.sh')).split('\n'));
  }, 240_000);
});
