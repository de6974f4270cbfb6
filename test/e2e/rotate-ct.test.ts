/**
 * consul-template at work on a small 1+2 lab (Nomad's group "daemon", vault_cacert set):
 * rotate-certs.yml, then rotate-ca.yml with every node's consul-template restarted in the middle
 * of the CA overlap (test/fixtures/playbooks/rotate-ca-refresh.yml), with a background prober
 * that has every node call every other over mTLS, each checking the peer against its own ca.crt:
 * no pair may fail. Last, the nodes are put back on the guide's consul-template.hcl (`grace`:
 * consul-template stops at start) and mtls.yml repairs them.
 */
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orchestrate, totals, type CliResult } from '../helpers/cli.js';
import { labSupported, startLab, type LabHandle } from '../helpers/lab.js';
import { hostFile, hostRoot, serialOf, startProber, type ProbeNode } from '../helpers/prober.js';

const support = labSupported();
const CERTS = '/opt/nomad/agent-certs';
const PEM = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

describe.skipIf(!support.ok)('consul-template on a 1+2 lab: rotations while it refreshes, and a fleet on the guide configuration', () => {
  let lab: LabHandle;
  let nodes: ProbeNode[];
  const work = mkdtempSync(path.join(tmpdir(), 'orchestrate-rotate-ct-'));
  const run = (playbook: string): Promise<CliResult> =>
    orchestrate(['run', '-i', lab.inventory, playbook, '--json', '--vault-secrets-file', path.join(work, 'vault-secrets.json'), '-e', `vault_pki_ca_cert_file=${path.join(work, 'CA_cert.crt')}`, '-e', `vault_cacert=${vaultCa}`, '-e', 'nomad_group=daemon', '-e', 'vault_pki_role_key_type=ec'], { timeoutMs: 600_000 });
  const file = (host: string, f: string): string => hostFile(lab.dir, host, f);
  // A private CA for Vault: the lab Vault speaks plain HTTP, so it is only shipped and configured
  // (consul-template uses vault.ssl for https:// addresses only); the stand-in must accept it.
  const vaultCa = path.join(work, 'vault-ca.pem');
  // Nomad as a non-root user: its group (here the system group "daemon") reads cert, key and CA.
  const daemonGid = Number(/^daemon:[^:]*:(\d+):/m.exec(readFileSync('/etc/group', 'utf8'))?.[1]);
  const owners = (host: string): string[] =>
    [`${CERTS}/agent.crt`, `${CERTS}/agent.key`, `${CERTS}/ca.crt`, CERTS, '/opt/nomad/cli-certs/cli.key'].map((f) => {
      const st = statSync(path.join(hostRoot(lab.dir, host), f));
      return `${st.uid}:${st.gid === daemonGid ? 'daemon' : st.gid} ${(st.mode & 0o777).toString(8)}`;
    });
  const expectOwners = (): void => {
    for (const n of nodes) expect(owners(n.name), n.name).toEqual(['0:daemon 640', '0:daemon 640', '0:daemon 644', '0:daemon 750', '0:0 640']);
  };

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(work, 'vault-ca.key'), '-out', vaultCa, '-subj', '/CN=vault private CA', '-days', '1'], { stdio: 'ignore' });
    lab = await startLab({ name: 'rotatect', servers: 1, clients: 2 });
    nodes = lab.hosts.map((h) => ({ name: h.name, address: h.address, role: h.name.startsWith('server') ? 'server' : 'client' }));
    const r = await run('playbooks/mtls.yml');
    if (r.code !== 0) writeFileSync(path.join(work, 'mtls.log'), r.stdout + r.stderr);
    expect(r.code, `mtls.yml failed, see ${work}/mtls.log`).toBe(0);
  }, 600_000);

  afterAll(async () => {
    await lab?.down();
  }, 300_000);

  it('nomad_group: agent cert, key and CA root:<group> 0640/0644 in a 0750 directory; CLI key root 0640', () => {
    expectOwners();
  });

  it('vault_cacert reaches every node and consul-template is configured to trust it', () => {
    for (const n of nodes) {
      expect(file(n.name, '/etc/consul-template.d/vault-ca.pem'), n.name).toBe(readFileSync(vaultCa, 'utf8'));
      expect(file(n.name, '/etc/consul-template.d/consul-template.hcl'), n.name).toMatch(/ssl \{\s+enabled = true\s+verify  = true\s+ca_cert = "\/etc\/consul-template.d\/vault-ca.pem"\s+\}/);
    }
  });

  it('rotate-certs.yml: every serial changes, every pair keeps talking', async () => {
    const before = nodes.map((n) => serialOf(file(n.name, `${CERTS}/agent.crt`)));
    const prober = startProber({ labDir: lab.dir, nodes });
    const r = await run('playbooks/rotate-certs.yml');
    const report = await prober.stop();
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    expect(report.failures).toEqual([]);
    nodes.forEach((n, i) => expect(serialOf(file(n.name, `${CERTS}/agent.crt`)), n.name).not.toBe(before[i]));
    expectOwners();
  }, 600_000);

  it('rotate-ca with consul-template restarted mid-overlap: no node split, the old CA gone at the end', async () => {
    const oldCa = file('client1', `${CERTS}/ca.crt`).match(PEM)?.[0] ?? '';
    const prober = startProber({ labDir: lab.dir, nodes });
    const r = await run('test/fixtures/playbooks/rotate-ca-refresh.yml');
    const report = await prober.stop();
    if (r.code !== 0) writeFileSync(path.join(work, 'rotate-ca.log'), r.stdout + r.stderr);
    expect(r.code, `see ${work}/rotate-ca.log`).toBe(0);
    expect(totals(r.events)['failed'] ?? 0).toBe(0);
    expect(report.rounds).toBeGreaterThanOrEqual(2);
    expect(report.failures).toEqual([]);
    for (const n of nodes) {
      const cas = file(n.name, `${CERTS}/ca.crt`).match(PEM) ?? [];
      expect(cas.length, n.name).toBe(1);
      expect(cas[0], n.name).not.toBe(oldCa);
      expect(new X509Certificate(file(n.name, `${CERTS}/agent.crt`)).checkIssued(new X509Certificate(cas[0] ?? '')), n.name).toBe(true);
      // consul-template has its guide template back: its next render narrows nothing
      expect(file(n.name, '/opt/nomad/templates/ca.crt.tpl'), n.name).toContain('.Data.issuing_ca');
    }
    expectOwners();
  }, 600_000);

  it('mtls.yml afterwards: 0 changed', async () => {
    const r = await run('playbooks/mtls.yml');
    expect(r.code).toBe(0);
    expect(totals(r.events)['changed'] ?? 0).toBe(0);
  }, 600_000);

  it("a fleet on the guide's consul-template.hcl (grace: consul-template stopped) is repaired by mtls.yml", async () => {
    const broken = await run('test/fixtures/playbooks/ct-guide-config.yml');
    expect(broken.code).toBe(0);
    const states = broken.events.filter((e) => e['type'] === 'host.result' && String(e['task']) === 'consul-template state').map((e) => `${String(e['msg'] ?? '')} ${JSON.stringify(e['output'] ?? '')}`);
    expect(states).toHaveLength(nodes.length);
    for (const st of states) expect(st).toContain('consul-template failed');
    const r = await run('playbooks/mtls.yml');
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    expectOwners();
    for (const n of nodes) expect(file(n.name, '/etc/consul-template.d/consul-template.hcl'), n.name).not.toMatch(/^\s*grace\s*=/m);
  }, 600_000);
});
