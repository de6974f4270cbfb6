import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/local/local.js';
import { factsScript, filterFacts, gatherFacts, parseFacts, prefixed, resolveSubset } from '../../src/facts/index.js';
import { parseExports, splitOutput } from '../../src/facts/sections.js';
import { capText } from '../../src/facts/system.js';
import { FactStore } from '../../src/facts/store.js';

const ALL = resolveSubset('all');
/** The script's output on a lab host (Debian 12 in a network namespace; kernel cmdline replaced). */
const debianLab = readFileSync('test/fixtures/facts/debian12-lab.out', 'utf8');

/** A facts-script output with the given files and parts (for systems the lab is not). */
function output(files: Record<string, string>, parts: Record<string, string> = {}): string {
  const lines = ['@@orc:files'];
  for (const [path, text] of Object.entries(files)) for (const l of text.split('\n')) lines.push(`${path}:${l}`);
  for (const [name, text] of Object.entries(parts)) lines.push(`@@orc:${name}`, text);
  lines.push('@@orc:end');
  return lines.join('\n');
}

describe('facts parser on a recorded lab host', () => {
  const f = prefixed(parseFacts(debianLab, ALL));

  it('reports distribution, version and family as ansible-core does on Debian 12', () => {
    expect(f).toMatchObject({
      ansible_distribution: 'Debian', ansible_distribution_version: '12.11', ansible_distribution_major_version: '12',
      ansible_distribution_minor_version: '11', ansible_distribution_release: 'bookworm', ansible_os_family: 'Debian',
      ansible_distribution_file_path: '/etc/os-release', ansible_distribution_file_variety: 'Debian', ansible_pkg_mgr: 'apt',
      ansible_lsb: { id: 'Debian', release: '12', major_release: '12', codename: 'bookworm', description: 'Debian GNU/Linux 12 (bookworm)' },
    });
  });

  it('reports platform, user and python', () => {
    expect(f).toMatchObject({
      ansible_system: 'Linux', ansible_kernel: '6.18.44-fc-v1147', ansible_architecture: 'x86_64', ansible_machine: 'x86_64',
      ansible_userspace_bits: '64', ansible_userspace_architecture: 'x86_64', ansible_hostname: 'server1', ansible_nodename: 'server1',
      ansible_fqdn: 'server1', ansible_domain: '', ansible_user_id: 'root', ansible_user_uid: 0, ansible_user_gid: 0,
      ansible_user_dir: '/root', ansible_user_shell: '/bin/bash', ansible_user_gecos: 'root', ansible_effective_user_id: 0,
      ansible_python: { executable: '/usr/bin/python3', type: 'cpython', version: { major: 3, minor: 11 } },
      discovered_interpreter_python: '/usr/bin/python3',
    });
    expect(f['ansible_env']).toMatchObject({ HOME: '/root', PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', USER: 'root' });
    expect(f['ansible_env']).not.toHaveProperty('LC_ALL');
  });

  it('reports memory, CPUs and mounts with statvfs arithmetic', () => {
    expect(f['ansible_memtotal_mb']).toBe(24105);
    expect(f).toMatchObject({ ansible_processor_count: 1, ansible_processor_cores: 2, ansible_processor_threads_per_core: 1, ansible_processor_vcpus: 2, ansible_processor_nproc: 2 });
    expect(f['ansible_processor']).toEqual(['0', 'AuthenticAMD', 'AMD EPYC', '1', 'AuthenticAMD', 'AMD EPYC']);
    const mounts = f['ansible_mounts'] as Record<string, number | string>[];
    // overlay mounts (device "overlay") are left out, as Ansible does
    expect(mounts.map((m) => m['mount'])).toEqual(['/']);
    const root = mounts[0]!;
    expect(root['block_used']).toBe((root['block_total'] as number) - (root['block_available'] as number));
    expect(root['size_total']).toBe(4096 * (root['block_total'] as number));
    expect(root['uuid']).toBe('N/A');
  });

  it('reports interfaces from sysfs, addresses from ip, and the default route', () => {
    expect(f['ansible_default_ipv4']).toEqual({
      address: '10.245.0.2', alias: 'eth0', broadcast: '', gateway: '10.245.0.1', interface: 'eth0', macaddress: '02:fc:00:00:00:01',
      mtu: 1400, netmask: '255.255.0.0', network: '10.245.0.0', prefix: '16', type: 'ether',
    });
    expect(f['ansible_default_ipv6']).toEqual({});
    expect(f['ansible_all_ipv4_addresses']).toEqual(['10.245.0.2']);
    expect(f['ansible_lo']).toEqual({
      active: true, device: 'lo', mtu: 65536, promisc: false, type: 'loopback',
      ipv4: { address: '127.0.0.1', broadcast: '', netmask: '255.0.0.0', network: '127.0.0.0', prefix: '8' },
      ipv6: [{ address: '::1', prefix: '128', scope: 'host' }],
    });
    expect(f['ansible_old392br']).toMatchObject({ type: 'bridge', id: '8000.6203d3e74766', stp: false, interfaces: ['old392v0', 'old392v1'] });
  });

  it('reports date_time, cmdline, dns, ssh host keys and the service manager', () => {
    const dt = f['ansible_date_time'] as Record<string, string>;
    expect(dt).toMatchObject({ epoch: '1796292587', date: '2026-12-03', time: '10:09:47', weekday: 'Thursday', weekday_number: '4', weeknumber: '48', tz: 'UTC', tz_dst: 'UTC', tz_offset: '+0000' });
    expect(dt['iso8601_micro']).toBe('2026-12-03T10:09:47.793442Z');
    expect(dt['iso8601_basic']).toBe('20261203T100947793442');
    expect(f['ansible_cmdline']).toMatchObject({ console: 'tty0', ro: true, '--': true, single: true });
    expect((f['ansible_proc_cmdline'] as Record<string, unknown>)['console']).toEqual(['ttyS0,115200', 'tty0']);
    expect(f['ansible_dns']).toEqual({ nameservers: ['10.255.255.53'] });
    expect(f['ansible_ssh_host_key_ed25519_public_keytype']).toBe('ssh-ed25519');
    expect(f['ansible_service_mgr']).toBe('process_api');
    expect(f['ansible_system_capabilities']).toEqual(['ep cap_sys_resource-ep']);
    expect(f['ansible_system_capabilities_enforced']).toBe('True');
  });
});

describe('facts parser on other systems', () => {
  it('names Rocky Linux RedHat-family with dnf and systemd', () => {
    const out = output(
      {
        '/etc/os-release': 'NAME="Rocky Linux"\nVERSION="9.3 (Blue Onyx)"\nID="rocky"\nVERSION_ID="9.3"',
        '/etc/redhat-release': 'Rocky Linux release 9.3 (Blue Onyx)',
        '/proc/1/comm': 'systemd',
      },
      { exists: '/usr/bin/yum\n/usr/bin/dnf\n/run/systemd/system/\nbin systemctl', uname: 'Linux rocky9 5.14.0-362.8.1.el9_3.x86_64 x86_64' },
    );
    expect(prefixed(parseFacts(out, ALL))).toMatchObject({
      ansible_distribution: 'Rocky', ansible_os_family: 'RedHat', ansible_distribution_version: '9.3', ansible_distribution_major_version: '9',
      ansible_distribution_release: 'Blue Onyx', ansible_pkg_mgr: 'dnf', ansible_service_mgr: 'systemd', ansible_distribution_file_variety: 'RedHat',
    });
  });

  it('names Ubuntu and Alpine, and finds systemd when pid 1 is a shell', () => {
    const ubuntu = output(
      { '/etc/os-release': 'NAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\nID=ubuntu', '/etc/debian_version': 'bookworm/sid', '/proc/1/comm': 'bash' },
      { exists: '/usr/bin/apt-get\n/run/systemd/system/\nbin systemctl', uname: 'Linux u 5.15.0 x86_64' },
    );
    expect(prefixed(parseFacts(ubuntu, ALL))).toMatchObject({ ansible_distribution: 'Ubuntu', ansible_distribution_version: '22.04', ansible_distribution_release: 'jammy', ansible_os_family: 'Debian', ansible_service_mgr: 'systemd', ansible_pkg_mgr: 'apt' });
    const alpine = output({ '/etc/os-release': 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1', '/etc/alpine-release': '3.19.1' }, { exists: '/sbin/apk\n/sbin/openrc\n/etc/init.d/', uname: 'Linux a 6.6.0 aarch64' });
    expect(prefixed(parseFacts(alpine, ALL))).toMatchObject({ ansible_distribution: 'Alpine', ansible_os_family: 'Alpine', ansible_distribution_version: '3.19.1', ansible_pkg_mgr: 'apk', ansible_service_mgr: 'openrc', ansible_architecture: 'aarch64' });
  });

  it('computes tz_dst from the January and July zones, and %W week numbers', () => {
    const out = output({}, { date: '1704067200 5 +0100 CET\n1704063600 0 +0100 CET\n1719784800 0 +0200 CEST' });
    const dt = parseFacts(out, new Set(['date_time']))['date_time'] as Record<string, string>;
    // 2024-01-01T00:00:00Z is 01:00 on Monday 1 January in CET: week 1 with %W
    expect(dt).toMatchObject({ date: '2024-01-01', hour: '01', weekday: 'Monday', weekday_number: '1', weeknumber: '01', tz: 'CET', tz_dst: 'CEST', tz_offset: '+0100', iso8601: '2024-01-01T00:00:00Z', iso8601_micro: '2024-01-01T00:00:00.000000Z' });
  });

  it('parses secondary addresses, aliases and peer addresses as ip prints them', () => {
    const out = output(
      { '/sys/class/net/eth0/address': '52:54:00:12:34:56', '/sys/class/net/eth0/mtu': '1500', '/sys/class/net/eth0/operstate': 'up', '/sys/class/net/eth0/type': '1', '/sys/class/net/eth0/flags': '0x1003' },
      {
        ip: '8.8.8.8 via 192.168.1.1 dev eth0 src 192.168.1.10 uid 0\n    cache\n2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500\n    inet 192.168.1.10/24 brd 192.168.1.255 scope global eth0\n    inet 192.168.1.11/24 brd 192.168.1.255 scope global secondary eth0\n    inet 10.0.0.5/8 scope global eth0:1\n    inet6 2001:db8::10/64 scope global',
      },
    );
    const f = prefixed(parseFacts(out, new Set(['interfaces'])));
    expect(f['ansible_eth0']).toMatchObject({ ipv4: { address: '192.168.1.10', broadcast: '192.168.1.255', netmask: '255.255.255.0', network: '192.168.1.0', prefix: '24' }, ipv4_secondaries: [{ address: '192.168.1.11' }], ipv6: [{ address: '2001:db8::10', prefix: '64', scope: 'global' }], macaddress: '52:54:00:12:34:56', promisc: false });
    expect(f['ansible_eth0_1']).toEqual({ ipv4: { address: '10.0.0.5', broadcast: '', netmask: '255.0.0.0', network: '10.0.0.0', prefix: '8' } });
    expect(f['ansible_interfaces']).toEqual(['eth0', 'eth0_1']);
    expect(f['ansible_default_ipv4']).toMatchObject({ address: '192.168.1.10', gateway: '192.168.1.1', interface: 'eth0', alias: 'eth0', broadcast: '192.168.1.255', prefix: '24' });
    expect(f['ansible_all_ipv4_addresses']).toEqual(['192.168.1.10', '192.168.1.11', '10.0.0.5']);
  });

  it('writes capabilities as libcap cap_to_text (capsh --print "Current:")', () => {
    const caps = (eff: string, prm = eff, inh = '0'): string =>
      capText(splitOutput(output({ '/proc/self/status': `CapInh:\t${inh}\nCapPrm:\t${prm}\nCapEff:\t${eff}`, '/proc/sys/kernel/cap_last_cap': '40' })));
    expect(caps('0')).toBe('=');
    expect(caps('1ffffffffff')).toBe('=ep');
    expect(caps('1fffeffffff')).toBe('=ep cap_sys_resource-ep');
    expect(caps('400')).toBe('cap_net_bind_service=ep');
    expect(caps('0', '400')).toBe('cap_net_bind_service=p');
    expect(caps('3000', '3000', '1000')).toBe('cap_net_admin=eip cap_net_raw+ep');
  });

  it('reads export -p in the forms of dash, bash and busybox', () => {
    expect(parseExports(["export A='x y'", "export B='it'\\''s'", 'declare -x C="a\\"b"', 'export D', "export E='line1", "line2'"])).toEqual({ A: 'x y', B: "it's", C: 'a"b', E: 'line1\nline2' });
  });
});

describe('gather_subset, filter and the fact store', () => {
  it('resolves subsets as Ansible: min always, ! excludes, unknown names refused', () => {
    expect([...resolveSubset('!all')].sort()).toEqual([...resolveSubset('min')].sort());
    expect(resolveSubset('!all').has('hardware')).toBe(false);
    expect(resolveSubset(['!all', 'network']).has('interfaces')).toBe(true);
    // only exclusions: the min subset alone (ansible-core's get_collector_names)
    expect(resolveSubset('!hardware')).toEqual(resolveSubset('min'));
    expect(resolveSubset(['all', '!hardware']).has('interfaces')).toBe(true);
    expect(resolveSubset(['all', '!hardware']).has('hardware')).toBe(false);
    expect(resolveSubset(['!all', '!min', 'distribution'])).toEqual(new Set(['distribution']));
    expect(() => resolveSubset('hardwre')).toThrow(/Bad subset 'hardwre'/);
    expect(factsScript(resolveSubset('!all'))).not.toContain('/proc/meminfo');
    expect(factsScript(ALL)).toContain('/proc/meminfo');
  });

  it('filters by shell patterns over the prefixed names', () => {
    const f = prefixed(parseFacts(debianLab, ALL));
    expect(Object.keys(filterFacts(f, ['ansible_distribution*'])).sort()).toEqual(Object.keys(f).filter((k) => k.startsWith('ansible_distribution')).sort());
    expect(Object.keys(filterFacts(f, ['ansible_*_mb'])).sort()).toEqual(['ansible_memfree_mb', 'ansible_memory_mb', 'ansible_memtotal_mb', 'ansible_swapfree_mb', 'ansible_swaptotal_mb']);
  });

  it('exposes cached facts as ansible_facts without the prefix and as variables, keeping connection vars out', () => {
    const s = new FactStore();
    s.setFacts('h', { ansible_os_family: 'Debian', ansible_host: 'evil', ansible_ssh_host_key_rsa_public: 'AAA', custom: 1 });
    const layer = s.factLayer('h');
    expect(layer['ansible_facts']).toEqual({ os_family: 'Debian', host: 'evil', ssh_host_key_rsa_public: 'AAA', custom: 1 });
    expect(layer).toMatchObject({ ansible_os_family: 'Debian', ansible_ssh_host_key_rsa_public: 'AAA', custom: 1 });
    expect(layer).not.toHaveProperty('ansible_host');
    expect(s.factLayer('other')).toEqual({ ansible_facts: {} });
  });

  it('gathers on this machine through a local connection in one command', async () => {
    const conn = new LocalConnection({ host: 'local' });
    const facts = await gatherFacts(conn, { subset: ['!all'], filter: ['ansible_os_family', 'ansible_distribution', 'ansible_user_id'] });
    expect(Object.keys(facts).sort()).toEqual(['ansible_distribution', 'ansible_os_family', 'ansible_user_id', 'gather_subset', 'module_setup']);
    expect(typeof facts['ansible_os_family']).toBe('string');
  });

  it('reads local facts (fact_path/*.fact) as JSON, INI or an executable\'s JSON, as ansible_local', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-factsd-'));
    try {
      writeFileSync(path.join(dir, 'app.fact'), '{"version": "1.2", "list": [1]}\n');
      writeFileSync(path.join(dir, 'conf.fact'), '[main]\nName = x\nport: 80\n');
      writeFileSync(path.join(dir, 'bad.fact'), 'not: [valid\n');
      writeFileSync(path.join(dir, 'gen.fact'), '#!/bin/sh\necho \'{"generated": true}\'\n');
      chmodSync(path.join(dir, 'gen.fact'), 0o755);
      const facts = await gatherFacts(new LocalConnection({ host: 'local' }), { subset: ['!all', '!min', 'local'], factPath: dir });
      expect(facts['ansible_local']).toEqual({
        app: { version: '1.2', list: [1] },
        bad: `error loading facts as JSON or ini - please check content: ${path.join(dir, 'bad.fact')}`,
        conf: { main: { name: 'x', port: '80' } },
        gen: { generated: true },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bind mounts (Ansible adds ",bind" where findmnt shows SOURCE[root])', () => {
  it('takes mount points whose mounted root is not "/" from mountinfo', async () => {
    const { bindMounts } = await import('../../src/facts/hardware.js');
    const info = [
      '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,discard',
      '40 22 8:1 /srv/data /data rw,relatime shared:1 - ext4 /dev/vda1 rw,discard',
      '41 22 0:33 /x\\040y /mnt/with\\040space rw - tmpfs tmpfs rw',
    ].join('\n');
    expect([...bindMounts(info)].sort()).toEqual(['/data', '/mnt/with space']);
    expect(bindMounts(undefined).size).toBe(0);
  });
});
