/**
 * The lab fleet for real: 1 server + 3 clients, each an OpenSSH sshd in its own network, mount and
 * UTS namespaces, checked with the real `ssh` client.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelNames } from '../../lab/fleet/naming.js';
import { probeSsh, labCut, labRestore } from '../../lab/fleet/status.js';
import { labName, labSupported, startLab, type LabHandle } from '../helpers/lab.js';

const exec = promisify(execFile);
const support = labSupported();
if (!support.ok) console.log(`skipping lab e2e tests: ${support.reason}`);

const NAME = labName('e2e-fleet');

async function ssh(lab: LabHandle, address: string, command: string, user = 'root'): Promise<string> {
  const args = ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${lab.knownHosts}`];
  args.push('-o', 'ConnectTimeout=5', '-i', lab.key, `${user}@${address}`, command);
  const { stdout } = await exec('ssh', args, { timeout: 20_000 });
  return stdout.trim();
}

describe.skipIf(!support.ok)('lab fleet (1 server, 3 clients)', () => {
  let lab: LabHandle;
  let sshdPids: number[] = [];

  beforeAll(async () => {
    lab = await startLab({ name: 'e2e-fleet', servers: 1, clients: 3 });
    sshdPids = lab.hosts.map((h) => Number(readFileSync(`${lab.dir}/hosts/${h.name}/sshd.pid`, 'utf8')));
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('writes an inventory with the servers and clients groups', () => {
    const doc = yaml.load(readFileSync(lab.inventory, 'utf8')) as {
      all: { vars: Record<string, unknown>; children: Record<string, { hosts: Record<string, Record<string, unknown>> }> };
    };
    expect(Object.keys(doc.all.children['servers']!.hosts)).toEqual(['server1']);
    expect(Object.keys(doc.all.children['clients']!.hosts)).toEqual(['client1', 'client2', 'client3']);
    const c2 = doc.all.children['clients']!.hosts['client2']!;
    expect(c2['ansible_host']).toBe(lab.hosts.find((h) => h.name === 'client2')!.address);
    expect(c2['ansible_user']).toBe('root');
    expect(c2['ansible_ssh_private_key_file']).toBe(`.lab/${NAME}/ssh/id_ed25519`);
    expect(c2['ansible_ssh_common_args']).toBe(`-o UserKnownHostsFile=.lab/${NAME}/known_hosts`);
    expect(doc.all.vars['lab_bridge_ip']).toBe(lab.bridgeIp);
    expect(doc.all.vars['vault_addr']).toBe(`http://${lab.bridgeIp}:8200`);
  });

  it('every host answers SSH under its own name with its own host key', async () => {
    const names = await Promise.all(lab.hosts.map((h) => ssh(lab, h.address, 'hostname')));
    expect(names).toEqual(lab.hosts.map((h) => h.name));
    const keys = readFileSync(lab.knownHosts, 'utf8').trim().split('\n').map((l) => l.split(' ')[2]);
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(4);
  });

  it.each(['/etc', '/tmp', '/opt', '/usr/share', '/var/lib/dpkg'])('a file written to %s on one host is invisible on another and on the machine', async (dir) => {
    const [s1, c1] = lab.hosts;
    const marker = `${dir}/orchestrate-lab-${NAME}-marker`;
    await ssh(lab, s1!.address, `echo from-server1 > ${marker}`);
    expect(await ssh(lab, s1!.address, `cat ${marker}`)).toBe('from-server1');
    expect(await ssh(lab, c1!.address, `test -e ${marker} && echo present || echo absent`)).toBe('absent');
    expect(existsSync(marker)).toBe(false);
  });

  it('each host can listen on the same 127.0.0.1 port at the same time', async () => {
    // 4646 itself is taken by the provisioned Nomad stand-in on every host, which proves the same.
    const port = 4656;
    const serve = `nohup node -e 'require("net").createServer((s) => s.end(require("os").hostname())).listen(${port}, "127.0.0.1")' </dev/null >/dev/null 2>&1 &`;
    const read = `node -e 'const s = require("net").connect(${port}, "127.0.0.1"); s.pipe(process.stdout)'`;
    await Promise.all(lab.hosts.map((h) => ssh(lab, h.address, serve)));
    const answers = await Promise.all(lab.hosts.map((h) => ssh(lab, h.address, `for i in 1 2 3 4 5 6 7 8 9 10; do ${read} && exit 0; sleep 0.2; done; exit 1`)));
    expect(answers).toEqual(lab.hosts.map((h) => h.name));
  });

  it('labuser logs in and can sudo without a password', async () => {
    const c3 = lab.hosts[3]!;
    expect(await ssh(lab, c3.address, 'id -un', 'labuser')).toBe('labuser');
    expect(await ssh(lab, c3.address, 'sudo -n true && sudo -n id -u', 'labuser')).toBe('0');
  });

  it('cut makes a host unreachable and restore brings it back', async () => {
    const c2 = lab.hosts.find((h) => h.name === 'client2')!;
    await labCut('client2', NAME);
    expect((await probeSsh(c2.address, 22, 1500)).banner).toBeUndefined();
    expect((await probeSsh(lab.hosts[0]!.address, 22, 1500)).banner).toMatch(/^SSH-2\.0-OpenSSH/);
    await labRestore('client2', NAME);
    expect((await probeSsh(c2.address, 22, 5000)).banner).toMatch(/^SSH-2\.0-OpenSSH/);
    expect(await ssh(lab, c2.address, 'hostname')).toBe('client2');
  });

  it('down leaves no netns, link, mount, process or state behind, and is idempotent', async () => {
    const names = kernelNames(NAME);
    await lab.down();
    const { stdout: netns } = await exec('ip', ['netns', 'list']);
    expect(netns).not.toContain(names.netnsPrefix);
    const { stdout: links } = await exec('ip', ['-o', 'link', 'show']);
    expect(links).not.toContain(names.bridge);
    expect(links).not.toContain(names.veth(0));
    const { stdout: mounts } = await exec('findmnt', ['-rn', '-o', 'TARGET']);
    expect(mounts).not.toContain(lab.dir);
    for (const pid of sshdPids) expect(liveProcess(pid)).toBe(false);
    expect(existsSync(lab.dir)).toBe(false);
    expect(existsSync(lab.inventory)).toBe(false);
    const { labDown } = await import('../../lab/fleet/down.js');
    await expect(labDown({ name: NAME })).resolves.toMatchObject({ removedNetns: 0 });
  });
});

/** Alive and not a zombie waiting to be reaped by init. */
function liveProcess(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\S+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}
