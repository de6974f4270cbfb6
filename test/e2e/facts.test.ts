/**
 * Facts over SSH on a lab of 1 server + 1 client: the facts orchestrate gathers with its shell
 * script agree with ansible-core's `setup` run on the same host (the oracle), gathering costs one
 * command per host, and facts behave as Ansible's as variables (cache across plays, hostvars,
 * set_fact cacheable, delegate_facts, gather_subset).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orchestrate, project, REPO, results } from '../helpers/cli.js';
import { labSupported, startLab, type LabHandle } from '../helpers/lab.js';

const support = labSupported();
if (!support.ok) console.log(`skipping facts e2e tests: ${support.reason}`);
const ansible = spawnSync('ansible', ['--version'], { stdio: 'ignore' }).status === 0;
if (support.ok && !ansible) console.log('skipping the comparison with ansible-core setup: ansible is not installed');

type Facts = Record<string, unknown>;

/** Facts whose values must equal ansible-core's exactly (object key order aside). */
const EXACT = [
  'distribution', 'distribution_version', 'distribution_major_version', 'distribution_minor_version', 'distribution_release',
  'distribution_file_path', 'distribution_file_variety', 'distribution_file_parsed', 'os_family', 'pkg_mgr', 'service_mgr', 'lsb',
  'system', 'kernel', 'kernel_version', 'machine', 'architecture', 'userspace_bits', 'userspace_architecture', 'hostname', 'nodename',
  'fqdn', 'domain', 'machine_id', 'is_chroot', 'user_id', 'user_uid', 'user_gid', 'user_gecos', 'user_dir', 'user_shell', 'real_user_id',
  'effective_user_id', 'real_group_id', 'effective_group_id', 'dns', 'cmdline', 'proc_cmdline', 'fips', 'selinux', 'apparmor',
  'system_capabilities', 'system_capabilities_enforced', 'ssh_host_key_rsa_public', 'ssh_host_key_ecdsa_public',
  'ssh_host_key_ed25519_public', 'ssh_host_key_ed25519_public_keytype', 'memtotal_mb', 'swaptotal_mb', 'processor', 'processor_count',
  'processor_cores', 'processor_threads_per_core', 'processor_vcpus', 'processor_nproc', 'bios_vendor', 'bios_version', 'bios_date',
  'board_name', 'product_name', 'product_uuid', 'system_vendor', 'form_factor', 'chassis_vendor', 'default_ipv4', 'default_ipv6',
  'all_ipv4_addresses', 'all_ipv6_addresses',
];
/** Facts that change between two gatherings (compared by shape, not value). */
const VOLATILE = ['date_time', 'memfree_mb', 'swapfree_mb', 'memory_mb', 'uptime_seconds', 'loadavg', 'env', 'mounts'];

function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Facts)[k])]));
  return v;
}

describe.skipIf(!support.ok)('facts over ssh (lab of 1 server, 1 client)', () => {
  let lab: LabHandle;
  let scratch: string;

  beforeAll(async () => {
    lab = await startLab({ name: 'e2e-facts', servers: 1, clients: 1, provision: false });
    scratch = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-facts-'));
  }, 120_000);
  afterAll(async () => {
    await lab?.down();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /** Our facts of `host`, as `ansible_facts` shows them to a task. */
  async function ourFacts(host: string): Promise<Facts> {
    const p = project({ 'site.yml': `- hosts: ${host}\n  tasks:\n    - debug: { var: ansible_facts }\n` });
    const statsFile = path.join(scratch, `stats-${host}.json`);
    const r = await orchestrate(['run', path.join(p, 'site.yml'), '-i', lab.inventory, '--json'], { env: { ORCHESTRATE_STATS_FILE: statsFile } });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as { perHost: Record<string, { shellCommands: number; execChannels: number }> };
    // gathering is one command through the host's persistent shell: one channel, one command
    expect(stats.perHost[host]).toMatchObject({ shellCommands: 1, execChannels: 1 });
    const out = results(r.events, 'debug').find((e) => e['host'] === host)!['output'] as { ansible_facts: Facts };
    return out.ansible_facts;
  }

  it.skipIf(!ansible)('agrees with ansible-core setup on the same host', async () => {
    const tree = path.join(scratch, 'tree');
    const run = spawnSync('ansible', ['server1', '-i', lab.inventory, '-m', 'setup', '--tree', tree], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_LOCAL_TEMP: path.join(scratch, 'atmp'), ANSIBLE_CONFIG: path.join(REPO, 'bench/ansible/ansible.cfg') },
      timeout: 120_000,
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const theirs = (JSON.parse(readFileSync(path.join(tree, 'server1'), 'utf8')) as { ansible_facts: Facts }).ansible_facts;
    const ours = await ourFacts('server1');
    // ansible_facts holds the names without their prefix, as in Ansible
    const want = (k: string): unknown => theirs[`ansible_${k}`];
    for (const k of EXACT) if (want(k) !== undefined) expect(sorted(ours[k]), k).toEqual(sorted(want(k)));
    expect(EXACT.filter((k) => want(k) !== undefined).length).toBeGreaterThan(60);
    // ansible_local keeps its prefix inside ansible_facts (Ansible's namespace_facts)
    expect(ours['ansible_local']).toEqual(want('local'));
    // interfaces: the same names (Ansible lists them in directory order) and the same details
    // (the lab hosts see the machine's /sys/class/net, so another lab's bridge and veths may come
    // or go between the two gatherings: only those may differ)
    const otherLab = /^ol[0-9a-f]{4}(br|v\d+)$/;
    const mineNames = ours['interfaces'] as string[];
    const theirNames = want('interfaces') as string[];
    const differ = [...mineNames.filter((n) => !theirNames.includes(n)), ...theirNames.filter((n) => !mineNames.includes(n))];
    expect(differ.filter((n) => !otherLab.test(n))).toEqual([]);
    expect(mineNames).toContain('eth0');
    // (another lab's bridge also changes while it is being built: its details are not this host's)
    for (const i of theirNames.filter((n) => mineNames.includes(n) && !otherLab.test(n))) {
      const mine = ours[i.replace(/[-:]/g, '_')] as Facts;
      const theirsI = want(i.replace(/[-:]/g, '_')) as Facts;
      const norm = (f: Facts): unknown => sorted({ ...f, ...(Array.isArray(f['interfaces']) ? { interfaces: [...(f['interfaces'] as string[])].sort() } : {}), features: undefined, module: undefined });
      expect(norm(mine), i).toEqual(norm(theirsI));
    }
    for (const k of VOLATILE) expect(typeof ours[k], k).toBe(typeof want(k));
    const dt = ours['date_time'] as Facts;
    const theirDt = want('date_time') as Facts;
    expect(Object.keys(dt).sort()).toEqual(Object.keys(theirDt).sort());
    for (const k of ['tz', 'tz_dst', 'tz_offset']) expect(dt[k], k).toBe(theirDt[k]);
    expect(Math.abs(Number(dt['epoch']) - Number(theirDt['epoch']))).toBeLessThan(600);
    const mounts = (m: unknown): unknown => sorted((m as Facts[]).map((x) => ({ mount: x['mount'], device: x['device'], fstype: x['fstype'], options: x['options'], block_size: x['block_size'], uuid: x['uuid'] })));
    // totals follow the filesystems the lab hosts share with the machine (other labs come and go): same shape
    for (const m of ours['mounts'] as Facts[]) for (const k of ['block_total', 'inode_total', 'size_total']) expect(typeof m[k], k).toBe('number');
    expect(mounts(ours['mounts'])).toEqual(mounts(want('mounts')));
    const env = ours['env'] as Facts;
    for (const k of ['HOME', 'PATH', 'USER', 'LOGNAME', 'SHELL', 'PWD']) expect(env[k], k).toBe((want('env') as Facts)[k]);
    expect(Object.keys(ours['memory_mb'] as Facts).sort()).toEqual(Object.keys(want('memory_mb') as Facts).sort());
    expect((ours['python'] as Facts)['executable']).toBe((want('python') as Facts)['executable']);
    expect(ours['discovered_interpreter_python']).toBe(theirs['discovered_interpreter_python']);
  }, 180_000);

  it('exposes facts as ansible_* and ansible_facts, caches them across plays, honours delegate_facts, cacheable and gather_subset', async () => {
    const p = project({
      'site.yml': `
- hosts: all
  gather_subset: ["!all"]
  tasks:
    - assert:
        that:
          - ansible_os_family == ansible_facts['os_family']
          - ansible_facts.distribution == ansible_distribution
          - ansible_hostname == inventory_hostname
          - ansible_memtotal_mb is not defined
          - hostvars['server1'].ansible_hostname == 'server1'
    - set_fact: { plain_fact: 1 }
    - set_fact: { cached_fact: 2, cacheable: true }
- hosts: server1
  gather_facts: false
  tasks:
    - setup: { gather_subset: [hardware], filter: ["ansible_mem*"] }
      delegate_to: client1
      delegate_facts: true
    - assert:
        that:
          - ansible_distribution is defined
          - ansible_memtotal_mb is not defined
          - hostvars['client1'].ansible_memtotal_mb > 0
          - hostvars['client1'].ansible_facts.memtotal_mb == hostvars['client1'].ansible_memtotal_mb
          - ansible_facts.cached_fact == 2
          - ansible_facts.plain_fact is not defined
          - plain_fact == 1
`,
    });
    const r = await orchestrate(['run', path.join(p, 'site.yml'), '-i', lab.inventory, '--json'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(results(r.events, 'Gathering Facts').map((e) => e['host']).sort()).toEqual(['client1', 'server1']);
    expect(results(r.events, 'assert').every((e) => e['status'] === 'ok')).toBe(true);
  }, 180_000);
});
