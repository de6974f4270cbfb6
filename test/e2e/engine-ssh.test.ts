/**
 * The engine over real SSH against a lab of 1 server + 3 clients: the integration playbooks
 * (files, roles, handlers, control flow) on every host, idempotence and check mode, host
 * isolation, --limit, and become via sudo as a non-root login user.
 * Files are checked in each host's overlay upper directory (what the host wrote to /opt, /etc).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orchestrate, project, recap, results, totals, type CliResult } from '../helpers/cli.js';
import { labSupported, startLab, type LabHandle } from '../helpers/lab.js';
import { filesPlaybook, WEB_ROLE } from '../helpers/playbooks.js';

const support = labSupported();
if (!support.ok) console.log(`skipping engine-over-ssh e2e tests: ${support.reason}`);

const NAME = 'e2e-engssh';
const HOSTS = ['server1', 'client1', 'client2', 'client3'];
const CLIENTS = HOSTS.slice(1);


describe.skipIf(!support.ok)('engine over ssh (lab of 1 server, 3 clients)', () => {
  let lab: LabHandle;
  /** A path on a host, as seen from the machine: the host's overlay upper dir. */
  const onHost = (host: string, p: string): string => path.join(lab.dir, 'hosts', host, 'upper', p);
  const run = async (dir: string, extra: string[] = [], env: Record<string, string> = {}): Promise<CliResult> =>
    orchestrate(['run', path.join(dir, 'site.yml'), '-i', lab.inventory, '--json', ...extra], { env });

  beforeAll(async () => {
    lab = await startLab({ name: NAME, servers: 1, clients: 3, provision: false });
    expect(lab.hosts.map((h) => h.name)).toEqual(HOSTS);
  }, 120_000);
  afterAll(async () => {
    await lab?.down();
  });

  it('the files playbook with a role: check mode touches nothing, the first run writes each host, the second is all ok', async () => {
    const root = '/opt/e2e-files';
    const p = project({ 'site.yml': filesPlaybook('all', root), ...WEB_ROLE });

    const check = await run(p, ['--check']);
    expect(check.code, check.stderr + check.stdout).toBe(0);
    const planned = recap(check.events);
    for (const h of HOSTS) expect(planned[h]!['changed'], h).toBe(planned['server1']!['changed']);
    expect(planned['server1']!['changed']).toBeGreaterThanOrEqual(9);
    for (const h of HOSTS) expect(existsSync(onHost(h, root)), h).toBe(false);

    const first = await run(p);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(Object.keys(recap(first.events)).sort()).toEqual([...HOSTS].sort());
    for (const h of HOSTS) {
      const f = (rel: string): string => onHost(h, path.posix.join(root, rel));
      expect(readFileSync(f('motd'), 'utf8')).toBe(`welcome to ${h}\n`);
      expect(readFileSync(f('lines'), 'utf8')).toBe('line two\n# BEGIN ANSIBLE MANAGED BLOCK\nmanaged line\n# END ANSIBLE MANAGED BLOCK\n');
      expect(statSync(f('key.pem')).mode & 0o777).toBe(0o600);
      expect(statSync(f('')).mode & 0o777).toBe(0o750);
      expect(readFileSync(f('web/app.conf'), 'utf8')).toBe(`listen 8080\nhost ${h}\n`);
      expect(readFileSync(f('handler-ran'), 'utf8')).toBe('yes\n');
      // atomic writes leave no temp files behind
      expect(readdirSync(f('')).filter((n) => n.includes('orchestrate'))).toEqual([]);
    }

    const second = await run(p);
    expect(second.code).toBe(0);
    expect(totals(second.events)['changed']).toBe(0);
    for (const r of results(second.events)) {
      expect(r['status'], JSON.stringify(r)).toBe('ok');
      expect(typeof r['reason'], JSON.stringify(r)).toBe('string');
    }
  }, 120_000);

  it('check --diff over ssh shows the change and leaves the file as it was', async () => {
    const p = project({ 'site.yml': '- hosts: client2\n  tasks:\n    - file: { path: /opt/e2e-diff, state: directory }\n    - copy: { dest: /opt/e2e-diff/motd, content: "old\\n" }\n' });
    expect((await run(p)).code).toBe(0);
    const q = project({ 'site.yml': '- hosts: client2\n  tasks:\n    - copy: { dest: /opt/e2e-diff/motd, content: "new\\n" }\n' });
    const r = await orchestrate(['run', path.join(q, 'site.yml'), '-i', lab.inventory, '--check', '--diff']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('-old');
    expect(r.stdout).toContain('+new');
    expect(readFileSync(onHost('client2', '/opt/e2e-diff/motd'), 'utf8')).toBe('old\n');
  }, 60_000);

  it('control flow over ssh: block/rescue/always, handler order, a failed host drops out while the others go on', async () => {
    const p = project({
      'site.yml': `
- hosts: all
  tasks:
    - block:
        - command: "false"
      rescue:
        - set_fact: { rescued: true }
      always:
        - command: echo always
          register: always_out
          changed_when: false
    - name: a
      command: echo a
      notify: restart
    - meta: flush_handlers
    - name: fail on client2
      command: "{{ 'false' if inventory_hostname == 'client2' else 'true' }}"
    - name: after
      shell: "echo {{ inventory_hostname }} {{ always_out.stdout }} > /opt/e2e-flow"
  handlers:
    - name: restart
      command: echo restart
`,
    });
    const r = await run(p);
    expect(r.code).toBe(2);
    const stats = recap(r.events);
    for (const h of HOSTS) expect(stats[h]!['rescued'], h).toBe(1);
    expect(stats['client2']!['failed']).toBe(1);
    const starts = r.events.filter((e) => e['type'] === 'task.start').map((e) => `${e['handler'] ? 'H:' : ''}${String(e['name'])}`);
    expect(starts.indexOf('H:restart')).toBe(starts.indexOf('meta') + 1);
    expect(results(r.events, 'after').map((e) => e['host']).sort()).toEqual(['client1', 'client3', 'server1']);
    expect(readFileSync(onHost('client1', '/opt/e2e-flow'), 'utf8')).toBe('client1 always\n');
    expect(existsSync(onHost('client2', '/opt/e2e-flow'))).toBe(false);
  }, 60_000);

  it('host isolation: each host keeps its own copy of the same path in /etc', async () => {
    const p = project({
      'site.yml': '- hosts: all\n  tasks:\n    - copy: { dest: /etc/e2e-isolation.conf, content: "{{ inventory_hostname }}\\n" }\n',
    });
    const r = await run(p);
    expect(r.code, r.stderr).toBe(0);
    expect(totals(r.events)['changed']).toBe(4);
    for (const h of HOSTS) expect(readFileSync(onHost(h, '/etc/e2e-isolation.conf'), 'utf8')).toBe(`${h}\n`);
    expect(existsSync('/etc/e2e-isolation.conf')).toBe(false);
    // what each host reads back is its own file, over its own connection
    const q = project({
      'site.yml': '- hosts: all\n  tasks:\n    - command: cat /etc/e2e-isolation.conf\n      register: c\n    - debug: { msg: "{{ c.stdout }}" }\n',
    });
    const back = await run(q);
    expect(results(back.events, 'debug').map((e) => `${String(e['host'])}=${String(e['output'] ?? '').trim()}`).sort()).toEqual(HOSTS.map((h) => `${h}=${h}`).sort());
  }, 60_000);

  it('--limit servers touches no client: no result, no connection, no file', async () => {
    const p = project({ 'site.yml': '- hosts: all\n  tasks:\n    - file: { path: /opt/e2e-limit, state: directory }\n    - copy: { dest: /opt/e2e-limit/only, content: "{{ inventory_hostname }}\\n" }\n' });
    const statsFile = path.join(p, 'stats.json');
    const r = await run(p, ['--limit', 'servers'], { ORCHESTRATE_STATS_FILE: statsFile });
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(recap(r.events))).toEqual(['server1']);
    expect(readFileSync(onHost('server1', '/opt/e2e-limit/only'), 'utf8')).toBe('server1\n');
    for (const h of CLIENTS) expect(existsSync(onHost(h, '/opt/e2e-limit')), h).toBe(false);
    const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as { perHost: Record<string, { connections: number }> };
    expect(Object.keys(stats.perHost)).toEqual(['server1']);
    expect(stats.perHost['server1']!.connections).toBe(1);
  }, 60_000);

  it('become: labuser logs in, sudo makes the file root-owned; without become it is labuser\'s', async () => {
    const p = project({
      'site.yml': `
- hosts: client3
  become: true
  tasks:
    - file: { path: /opt/e2e-become, state: directory }
    - copy: { dest: /opt/e2e-become/root.conf, content: "as root\\n", mode: "0640" }
    - command: id -un
      register: who
      changed_when: false
    - command: id -un
      become: false
      register: login
      changed_when: false
    - copy: { dest: /home/labuser/mine.txt, content: "{{ who.stdout }} {{ login.stdout }}\\n" }
      become: false
`,
    });
    const r = await run(p, ['-e', 'ansible_user=labuser']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const root = statSync(onHost('client3', '/opt/e2e-become/root.conf'));
    expect(root.uid).toBe(0);
    expect(root.mode & 0o777).toBe(0o640);
    const mine = onHost('client3', '/home/labuser/mine.txt');
    expect(readFileSync(mine, 'utf8')).toBe('root labuser\n');
    expect(statSync(mine).uid).not.toBe(0);
    const again = await run(p, ['-e', 'ansible_user=labuser']);
    expect(again.code).toBe(0);
    expect(totals(again.events)['changed']).toBe(0);
  }, 60_000);
});
