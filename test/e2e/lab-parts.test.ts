/** The lab's pure parts: names, subnets, OpenSSH key format, inventory shape, host file plan. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { hostEntries, type MachineBase } from '../../lab/fleet/host.js';
import { inventoryDoc } from '../../lab/fleet/inventory.js';
import { checkLabName, hostNames, kernelNames, preferredOctet } from '../../lab/fleet/naming.js';
import { parseLatency } from '../../lab/fleet/proxy.js';
import { ed25519KeyPair } from '../../lab/fleet/sshkey.js';
import type { LabState } from '../../lab/fleet/state.js';
import { chooseSubnet, conflict, parseCidr, usedSubnets } from '../../lab/fleet/subnet.js';

const exec = promisify(execFile);

describe('lab naming', () => {
  it('keeps kernel names within 15 characters and distinct per lab', () => {
    const a = kernelNames('default');
    const b = kernelNames('e2e-some-very-long-lab-name');
    for (const n of [a.bridge, a.veth(59999), b.bridge, b.veth(59999)]) expect(n.length).toBeLessThanOrEqual(15);
    expect(a.bridge).not.toBe(b.bridge);
    expect(a.netns('server1')).not.toBe(b.netns('server1'));
  });

  it('gives the default lab 10.213 and others a /16 from 10.214 up', () => {
    expect(preferredOctet('default')).toBe(213);
    const o = preferredOctet('other');
    expect(o).toBeGreaterThanOrEqual(214);
    expect(o).toBeLessThanOrEqual(253);
  });

  it('rejects names that cannot become file and device names', () => {
    expect(() => checkLabName('Bad Name')).toThrow('lab name "Bad Name" is invalid');
    expect(checkLabName('ok-1')).toBe('ok-1');
  });

  it('names hosts server1.. then client1..', () => {
    expect(hostNames(2, 1).map((h) => `${h.role}:${h.name}`)).toEqual(['server:server1', 'server:server2', 'client:client1']);
  });
});

describe('lab subnets', () => {
  it('finds overlaps with addresses and routes', () => {
    const used = [{ subnet: parseCidr('10.213.5.0/24'), where: 'route 10.213.5.0/24 dev x' }];
    expect(conflict(parseCidr('10.213.0.0/16'), used)).toBe('route 10.213.5.0/24 dev x');
    expect(conflict(parseCidr('10.214.0.0/16'), used)).toBeUndefined();
  });

  it('refuses an explicit subnet the machine already uses, naming what uses it', async () => {
    const used = await usedSubnets();
    if (used.length > 0) {
      await expect(chooseSubnet(used[0]!.subnet.cidr, 213)).rejects.toThrow(`is already in use on this machine (${used[0]!.where})`);
    }
    await expect(chooseSubnet('10.1.2.3/30', 213)).rejects.toThrow('too small');
  });

  it('parses latencies', () => {
    expect(parseLatency('20ms')).toBe(20);
    expect(parseLatency('0.1s')).toBe(100);
    expect(() => parseLatency('fast')).toThrow('latency "fast" is not a duration');
  });
});

describe('lab keys', () => {
  it('writes ed25519 keys that OpenSSH reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-key-'));
    try {
      const key = ed25519KeyPair('root@test');
      writeFileSync(join(dir, 'k'), key.privateKey, { mode: 0o600 });
      const { stdout } = await exec('ssh-keygen', ['-y', '-f', join(dir, 'k')]);
      expect(stdout.trim()).toBe(key.publicKey);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const state: LabState = {
  name: 'default',
  dir: '/srv/repo/.lab/default',
  subnet: '10.213.0.0/16',
  bridge: 'ol7505br',
  bridgeIp: '10.213.0.1',
  prefix: 16,
  latencyMs: 0,
  inventory: '/srv/repo/inventory/lab.yml',
  knownHosts: '/srv/repo/.lab/default/known_hosts',
  privateKey: '/srv/repo/.lab/default/ssh/id_ed25519',
  hosts: [
    { name: 'server1', role: 'server', index: 0, address: '10.213.0.2', netns: 'n0', veth: 'v0' },
    { name: 'client1', role: 'client', index: 1, address: '10.213.0.3', netns: 'n1', veth: 'v1' },
  ],
  vars: { consul_template_url: 'http://10.213.0.1:8088/ct.zip' },
  createdAt: '2024-01-01T00:00:00Z',
};

describe('lab inventory', () => {
  it('has servers and clients, connection vars per host and lab vars under all.vars', () => {
    const doc = inventoryDoc(state) as { all: { vars: Record<string, unknown>; children: Record<string, { hosts: Record<string, Record<string, unknown>> }> } };
    expect(doc.all.vars).toMatchObject({ lab_bridge_ip: '10.213.0.1', vault_addr: 'http://10.213.0.1:8200', consul_template_url: 'http://10.213.0.1:8088/ct.zip' });
    expect(doc.all.children['servers']!.hosts['server1']).toMatchObject({ ansible_host: '10.213.0.2', ansible_user: 'root' });
    expect(Object.keys(doc.all.children['clients']!.hosts)).toEqual(['client1']);
  });

  it('points hosts at their proxy port when the lab has latency', () => {
    const lat = { ...state, latencyMs: 20, hosts: state.hosts.map((h, i) => ({ ...h, proxyPort: 22001 + i })) };
    const doc = inventoryDoc(lat) as { all: { children: Record<string, { hosts: Record<string, Record<string, unknown>> }> } };
    expect(doc.all.children['clients']!.hosts['client1']).toMatchObject({ ansible_host: '10.213.0.1', ansible_port: 22002, lab_address: '10.213.0.3' });
  });
});

describe('lab host files', () => {
  const base: MachineBase = {
    passwd: 'root:x:0:0::/root:/bin/bash\nlabuser:x:2000:2000::/home/labuser:/bin/bash\n',
    shadow: 'root:*:1::::::\nlabuser:*:19000:0:99999:7:::\n',
    group: 'root:x:0:\nlabuser:x:2000:\n',
    hosts: '127.0.0.1 localhost\n',
    rootBashrc: '# bashrc\n',
    rootProfile: '# profile\n',
    uid: 2000,
    overlayDirs: ['etc', 'usr/local', 'root', 'home'],
    aptSources: ['etc/apt/sources.list.d/debian.sources'],
  };

  it('seeds a private /etc, root and labuser keys with tight modes, and an fstab of overlays', () => {
    const { entries } = hostEntries('/lab', state.hosts[1]!, base, 'ssh-ed25519 AAAA lab\n', 16, '10.213.0.1');
    const at = (p: string): (typeof entries)[number] | undefined => entries.find((e) => e.path === p);
    const up = '/lab/hosts/client1/upper';
    expect(at(`${up}/etc/sudoers.d/labuser`)).toMatchObject({ mode: 0o440, content: 'labuser ALL=(ALL) NOPASSWD:ALL\n' });
    expect(at(`${up}/etc/ssh/ssh_host_ed25519_key`)?.mode).toBe(0o600);
    expect(at(`${up}/home/labuser/.ssh/authorized_keys`)).toMatchObject({ mode: 0o600, uid: 2000 });
    expect(at(`${up}/etc/hosts`)?.content).toContain('10.213.0.3\tclient1');
    const fstab = at('/lab/hosts/client1/fstab')?.content ?? '';
    expect(fstab).toContain('/usr/local overlay lowerdir=/usr/local,upperdir=/lab/hosts/client1/upper/usr/local,workdir=/lab/hosts/client1/work/usr/local');
    // /tmp is made private by the host script itself (keeping a checkout under /tmp visible)
    expect(fstab).not.toMatch(/ \/tmp /);
    expect(at('/lab/hosts/client1/net.batch')?.content).toContain('addr add 10.213.0.3/16 dev eth0');
    // apt: only the lab's repository; the machine's sources are hidden by whiteouts the host script makes
    expect(at(`${up}/etc/apt/sources.list.d/orchestrate-lab.list`)?.content).toBe('deb [trusted=yes] http://10.213.0.1:8088/apt ./\n');
    expect(at('/lab/hosts/client1/whiteouts')?.content).toBe('etc/apt/sources.list.d/debian.sources\n');
  });
});
