/**
 * The engine over SSH when things go wrong, against a lab of 1 server + 3 clients: unknown and
 * changed host keys are refused, a connection killed in the middle of a write fails only that
 * host (task named, no temp file left), a host whose sshd is stopped is UNREACHABLE (exit 3)
 * while the others finish.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orchestrate, project, recap, results, type CliResult } from '../helpers/cli.js';
import { labSupported, startLab, type LabHandle } from '../helpers/lab.js';

const support = labSupported();
if (!support.ok) console.log(`skipping engine-over-ssh fault e2e tests: ${support.reason}`);

const NAME = 'e2e-engfault';
const HOSTS = ['server1', 'client1', 'client2', 'client3'];

/** Every process below `pid` (children first found, then theirs), from /proc. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [c, pp] of parent) if (pp === p) (out.push(c), walk(c));
  };
  walk(pid);
  return out;
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

describe.skipIf(!support.ok)('engine over ssh: faults (lab of 1 server, 3 clients)', () => {
  let lab: LabHandle;
  const onHost = (host: string, p: string): string => path.join(lab.dir, 'hosts', host, 'upper', p);
  const sshdPid = (host: string): number => Number(readFileSync(path.join(lab.dir, 'hosts', host, 'sshd.pid'), 'utf8'));
  const run = (dir: string, inventory = lab.inventory): Promise<CliResult> =>
    orchestrate(['run', path.join(dir, 'site.yml'), '-i', inventory, '--json'], { timeoutMs: 90_000 });

  /** The lab's inventory with another known_hosts file (absolute paths, in a temp project). */
  function inventoryWith(dir: string, knownHosts: string): string {
    const lines = ['all:', '  hosts:'];
    for (const h of lab.hosts) {
      lines.push(`    ${h.name}:`, `      ansible_host: ${h.address}`, '      ansible_user: root');
      lines.push(`      ansible_ssh_private_key_file: ${lab.key}`, `      ansible_ssh_common_args: '-o UserKnownHostsFile=${knownHosts}'`);
    }
    const file = path.join(dir, 'inventory.yml');
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  beforeAll(async () => {
    lab = await startLab({ name: NAME, servers: 1, clients: 3, provision: false });
    expect(lab.hosts.map((h) => h.name)).toEqual(HOSTS);
  }, 120_000);
  afterAll(async () => {
    await lab?.down();
  });

  const TOUCH = '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: touch\n      file: { path: /opt/e2e-hostkey, state: directory }\n';

  it('an unknown host key is refused with how to trust it; the known host goes on', async () => {
    const serverLine = readFileSync(lab.knownHosts, 'utf8').split('\n')[0]!;
    const p = project({ 'site.yml': TOUCH, known_hosts: `${serverLine}\n` });
    const r = await run(p, inventoryWith(p, path.join(p, 'known_hosts')));
    expect(r.code).toBe(3);
    expect(results(r.events).find((e) => e['host'] === 'server1')?.['status']).toBe('changed');
    for (const h of lab.hosts.slice(1)) {
      const [res] = results(r.events).filter((e) => e['host'] === h.name);
      expect(res?.['status']).toBe('unreachable');
      expect(String(res?.['msg'])).toContain(`host key for ${h.address} is not known`);
      expect(String(res?.['msg'])).toContain('ssh-keyscan');
      expect(existsSync(onHost(h.name, '/opt/e2e-hostkey'))).toBe(false);
    }
    expect(readFileSync(path.join(p, 'known_hosts'), 'utf8')).toBe(`${serverLine}\n`);
  }, 60_000);

  it('a changed host key is refused loudly, naming the known_hosts line', async () => {
    // server1 keeps its key; every client is listed with the next client's key
    const lines = readFileSync(lab.knownHosts, 'utf8').trim().split('\n');
    const keys = lines.map((l) => l.split(' ').slice(1).join(' '));
    const swapped = lines.map((l, i) => (i === 0 ? l : `${l.split(' ')[0]} ${keys[(i % 3) + 1]}`));
    const p = project({ 'site.yml': TOUCH, known_hosts: `${swapped.join('\n')}\n` });
    const r = await run(p, inventoryWith(p, path.join(p, 'known_hosts')));
    expect(r.code).toBe(3);
    expect(results(r.events).find((e) => e['host'] === 'server1')?.['status']).toBe('ok'); // made by the test above
    const msgs = results(r.events).map((e) => String(e['msg']));
    for (const [i, h] of lab.hosts.entries()) {
      if (i === 0) continue;
      expect(msgs.find((m) => m.includes(`HOST KEY FOR ${h.address} HAS CHANGED`)), h.name).toContain(`known_hosts:${i + 1}`);
      expect(existsSync(onHost(h.name, '/opt/e2e-hostkey'))).toBe(false);
    }
  }, 60_000);

  it('a connection killed in the middle of a write fails only that host, names the task, leaves no temp file', async () => {
    const big = Buffer.alloc(96 * 1024 * 1024, 'x');
    const p = project({
      'site.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: drop dir
      file: { path: /opt/e2e-drop, state: directory }
    - name: big write
      copy: { src: big.bin, dest: /opt/e2e-drop/big.bin, mode: "0600" }
    - name: after
      copy: { dest: /opt/e2e-drop/after, content: "done\\n" }
`,
    });
    writeFileSync(path.join(p, 'big.bin'), big);
    const dropDir = onHost('client1', '/opt/e2e-drop');
    const pending = run(p);
    // as soon as client1's temp file exists, kill its sshd session processes (not the listener)
    let killed = false;
    const deadline = Date.now() + 60_000;
    while (!killed && Date.now() < deadline) {
      if (existsSync(dropDir) && readdirSync(dropDir).some((n) => n.includes('.orchestrate-'))) {
        for (const pid of descendants(sshdPid('client1'))) kill(pid);
        killed = true;
      } else await new Promise((r) => setTimeout(r, 5));
    }
    const r = await pending;
    expect(killed).toBe(true);
    expect(r.code, r.stdout).toBe(3);
    const [res] = results(r.events, 'big write').filter((e) => e['host'] === 'client1');
    expect(res?.['status'], JSON.stringify(res)).toBe('unreachable');
    expect(String(res?.['msg'])).toBe('client1: connection lost during writeFile(/opt/e2e-drop/big.bin)');
    expect(r.stdout).toMatch(/"task":"big write","host":"client1","status":"unreachable"/);
    expect(recap(r.events)['client1']!['unreachable']).toBe(1);
    expect(results(r.events, 'after').map((e) => e['host']).sort()).toEqual(['client2', 'client3', 'server1']);
    for (const h of ['server1', 'client2', 'client3']) expect(readFileSync(onHost(h, '/opt/e2e-drop/after'), 'utf8')).toBe('done\n');
    // neither a half-written target nor the temp file is left on client1
    expect(readdirSync(dropDir)).toEqual([]);
  }, 120_000);

  it('a host whose sshd was stopped is UNREACHABLE (exit 3) while the others finish', async () => {
    kill(sshdPid('client3'));
    const p = project({
      'site.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: first
      file: { path: /opt/e2e-down, state: directory }
    - name: second
      copy: { dest: /opt/e2e-down/ok, content: "{{ inventory_hostname }}\\n" }
`,
    });
    const r = await run(p);
    expect(r.code).toBe(3);
    const stats = recap(r.events);
    expect(stats['client3']!['unreachable']).toBe(1);
    const [res] = results(r.events, 'first').filter((e) => e['host'] === 'client3');
    expect(res?.['status']).toBe('unreachable');
    expect(String(res?.['msg'])).toMatch(/cannot connect to .*:22: ECONNREFUSED/);
    expect(results(r.events, 'second').map((e) => e['host']).sort()).toEqual(['client1', 'client2', 'server1']);
    for (const h of ['server1', 'client1', 'client2']) expect(readFileSync(onHost(h, '/opt/e2e-down/ok'), 'utf8')).toBe(`${h}\n`);
    expect(existsSync(onHost('client3', '/opt/e2e-down'))).toBe(false);
  }, 60_000);
});
