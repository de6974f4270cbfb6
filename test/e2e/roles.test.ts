/**
 * Acceptance: popular public roles, vendored unchanged under test/fixtures/roles (see the README
 * there), run by orchestrate on one lab host and by ansible-playbook (ansible-core, the oracle) on
 * another, identical host. For each role: orchestrate's first run exits 0, its second run changes
 * nothing, and both hosts end in the same state (the files the role manages with their content,
 * mode and owner, the packages dpkg knows, the users, the services as the lab's systemd sees them).
 * A role that uses a module orchestrate does not have is skipped, naming the modules (found by
 * `--syntax-check`, never assumed).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orchestrate, REPO, totals } from '../helpers/cli.js';
import { labSupported, startLab, type LabHandle } from '../helpers/lab.js';

const support = labSupported();
if (!support.ok) console.log(`skipping role acceptance tests: ${support.reason}`);

interface RoleCase {
  role: string;
  /** Play vars, as a user of the role would set them. */
  vars?: Record<string, unknown>;
  /** Files and directories the role manages: compared by kind, mode, owner and content. */
  paths: string[];
  /** Packages whose dpkg state is compared. */
  packages?: string[];
  /** Users compared by their passwd entry. */
  users?: string[];
  /** Services compared by `systemctl is-active` / `is-enabled` (the lab's systemd). */
  services?: string[];
}

/** Each role with what a user would set; the lab hosts have no route out, and apt reads the lab's repository. */
const CASES: RoleCase[] = [
  {
    role: 'bertvv.hosts',
    vars: { hosts_add_basic_ipv6: true, hosts_entries: [{ name: 'db.example.test', ip: '10.9.9.9', aliases: ['db'] }] },
    paths: ['/etc/hosts'],
  },
  {
    role: 'nickhammond.logrotate',
    vars: {
      logrotate_scripts: [
        { name: 'app', path: '/var/log/app/*.log', options: ['daily', 'rotate 7', 'compress', 'missingok'], scripts: { postrotate: 'echo rotated' } },
      ],
    },
    paths: ['/etc/logrotate.d/app', '/etc/logrotate.conf'],
    packages: ['logrotate'],
  },
  { role: 'geerlingguy.git', paths: [], packages: ['git', 'git-man'] },
  {
    role: 'weareinteractive.sudo',
    vars: { sudo_users: [{ name: '%adm', nopasswd: true }, { name: 'labuser', commands: ['/bin/ls', '/bin/df'] }], sudo_defaults: [{ defaults: 'env_reset' }] },
    paths: ['/etc/sudoers.d', '/etc/sudoers.d/ansible'],
    packages: ['sudo'],
  },
  {
    role: 'geerlingguy.nginx',
    vars: { nginx_remove_default_vhost: true, nginx_vhosts: [{ listen: '8080', server_name: 'example.test', root: '/var/www/example', index: 'index.html' }] },
    paths: ['/etc/nginx/nginx.conf', '/etc/nginx/sites-enabled', '/etc/nginx/sites-enabled/example.test.conf'],
    packages: ['nginx', 'nginx-common'],
    services: ['nginx'],
  },
  {
    role: 'geerlingguy.security',
    // The lab is reached as root with a key: keep that allowed.
    vars: { security_fail2ban_enabled: false, security_autoupdate_enabled: false, security_ssh_permit_root_login: 'prohibit-password', security_sudoers_passwordless: ['labuser'] },
    paths: ['/etc/ssh/sshd_config', '/etc/sudoers'],
    services: ['ssh'],
  },
];

/** What a host looks like to a role, as one text: a shell script prints it, the test compares it. */
function snapshotScript(c: RoleCase): string {
  const lines = ['set +e'];
  for (const p of c.paths) {
    const q = `'${p}'`;
    lines.push(`if [ -d ${q} ]; then echo "== ${p} $(stat -c '%F %a %U:%G' ${q})"; ls -A ${q};`);
    lines.push(`elif [ -e ${q} ]; then echo "== ${p} $(stat -c '%F %a %U:%G' ${q})"; cat ${q}; echo "<eof>";`);
    lines.push(`else echo "== ${p} absent"; fi`);
  }
  if (c.packages?.length) lines.push(`echo "== packages"; dpkg-query -W -f='\${Package} \${Version} \${db:Status-Abbrev}\\n' ${c.packages.join(' ')} 2>&1`);
  for (const u of c.users ?? []) lines.push(`echo "== user ${u}"; getent passwd ${u}`);
  for (const v of c.services ?? []) lines.push(`echo "== service ${v} $(systemctl is-active ${v}) $(systemctl is-enabled ${v})"`);
  return lines.join('\n');
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

describe.skipIf(!support.ok)('public roles, unchanged: orchestrate and ansible-playbook end in the same state', () => {
  let lab: LabHandle;
  let dir: string;
  /** The host orchestrate runs on, the host ansible-playbook runs on. */
  const OURS = 'server1';
  const THEIRS = 'client1';
  /** Role → what orchestrate lacks to run it (empty: runnable). */
  const lacks = new Map<string, string[]>();
  /** One ansible-playbook run of every runnable role on THEIRS, started before the first test. */
  let theirs: Promise<{ code: number; out: string }>;

  beforeAll(async () => {
    // provisioned: the hosts' systemd is the lab's systemctl stand-in, their sshd its ssh.service
    lab = await startLab({ name: 'e2e-roles', servers: 1, clients: 1, aptPackages: ['logrotate', 'nginx'] });
    // hosts that have read the lab's repository (`apt-get update`), as hosts of an offline fleet
    // have read their mirror: roles' `cache_valid_time` then keeps these lists, as on such a host
    await Promise.all(lab.hosts.map((h) => onHost(h.name, 'apt-get update -qq')));
    dir = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-roles-'));
    symlinkSync(path.join(REPO, 'test/fixtures/roles'), path.join(dir, 'roles'));
    const play = (c: RoleCase): Record<string, unknown> => ({ hosts: 'all', vars: c.vars ?? {}, roles: [c.role] });
    for (const c of CASES) writeFileSync(path.join(dir, `${c.role}.yml`), yaml.dump([play(c)]));
    await Promise.all(CASES.map(async (c) => lacks.set(c.role, await missingFeatures(path.join(dir, `${c.role}.yml`)))));
    // one ansible-playbook run: facts gathered by the first play only (Ansible keeps them for the next)
    const runnable = CASES.filter((c) => lacks.get(c.role)!.length === 0).map(play);
    writeFileSync(path.join(dir, 'all.yml'), yaml.dump(runnable.map((p, i) => (i === 0 ? p : { ...p, gather_facts: false }))));
    theirs = run('ansible-playbook', ['-i', lab.inventory, '-l', THEIRS, path.join(dir, 'all.yml')], {
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_HOST_KEY_CHECKING: 'True',
      ANSIBLE_CONFIG: path.join(REPO, 'bench/ansible/ansible.cfg'),
      ANSIBLE_LOCAL_TEMP: path.join(dir, 'ansible-tmp'),
      ANSIBLE_RETRY_FILES_ENABLED: 'False',
      ANSIBLE_PIPELINING: 'True',
      ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
      ANSIBLE_SSH_ARGS: '-o ControlMaster=auto -o ControlPersist=60s',
      ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(dir, 'cp'),
    });
  }, 120_000);
  afterAll(async () => {
    await theirs?.catch(() => undefined);
    await lab?.down();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The modules and options orchestrate's validation says it lacks for a playbook. */
  async function missingFeatures(playbook: string): Promise<string[]> {
    const check = await orchestrate(['run', playbook, '-i', lab.inventory, '--syntax-check']);
    const text = check.stdout + check.stderr;
    const missing = [...text.matchAll(/unknown module "([\w.]+)"|unsupported parameter "(\w+)" for (\w+)/g)].map((m) => m[1] ?? `${m[3]} ${m[2]}`);
    if (check.code !== 0 && missing.length === 0) throw new Error(`${playbook}: --syntax-check failed:\n${text}`);
    return [...new Set(missing)];
  }

  /** Run a script on a lab host over ssh as root (the lab's key and known_hosts). */
  async function onHost(host: string, script: string): Promise<string> {
    const h = lab.hosts.find((x) => x.name === host)!;
    const r = await run('ssh', ['-i', lab.key, '-o', `UserKnownHostsFile=${lab.knownHosts}`, '-o', 'BatchMode=yes', `root@${h.address}`, script]);
    if (r.code !== 0) throw new Error(`${host}: ${script.split('\n')[0]}: exit ${r.code}: ${r.out}`);
    return r.out;
  }

  /** The host's state for a case, with the host's own name and address made neutral. */
  async function snapshot(host: string, c: RoleCase): Promise<string> {
    const h = lab.hosts.find((x) => x.name === host)!;
    const out = await onHost(host, snapshotScript(c));
    return out.split(h.address).join('<address>').replace(new RegExp(`\\b${host}\\b`, 'g'), '<hostname>');
  }

  for (const c of CASES) {
    it(c.role, async (ctx) => {
      const missing = lacks.get(c.role)!;
      if (missing.length) {
        console.log(`${c.role}: not run: orchestrate lacks ${missing.join(', ')}`);
        ctx.skip();
      }
      const playbook = path.join(dir, `${c.role}.yml`);
      const first = await orchestrate(['run', playbook, '-i', lab.inventory, '-l', OURS, '--json']);
      expect(first.code, first.stdout + first.stderr).toBe(0);
      const second = await orchestrate(['run', playbook, '-i', lab.inventory, '-l', OURS, '--json']);
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(totals(second.events)['changed'] ?? 0, 'second run changed something').toBe(0);

      const ansible = await theirs;
      expect(ansible.code, ansible.out).toBe(0);
      const [ours, oracle] = await Promise.all([snapshot(OURS, c), snapshot(THEIRS, c)]);
      expect(ours).toBe(oracle);
    }, 120_000);
  }
});
