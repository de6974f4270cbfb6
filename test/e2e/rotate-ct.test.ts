/**
 * Rotation with consul-template at work, on a small 1+2 lab: rotate-certs.yml, then rotate-ca.yml
 * with every node's consul-template restarted in the middle of the CA overlap
 * (test/fixtures/playbooks/rotate-ca-refresh.yml). A background prober has every node call every
 * other over mTLS, each checking the peer against its own ca.crt: no pair may fail.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orchestrate, totals, type CliResult } from '../helpers/cli.js';
import { labSupported, startLab, type LabHandle } from '../helpers/lab.js';
import { hostFile, serialOf, startProber, type ProbeNode } from '../helpers/prober.js';

const support = labSupported();
const CERTS = '/opt/nomad/agent-certs';
const PEM = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

describe.skipIf(!support.ok)('rotation with consul-template refreshing on a 1+2 lab', () => {
  let lab: LabHandle;
  let nodes: ProbeNode[];
  const work = mkdtempSync(path.join(tmpdir(), 'orchestrate-rotate-ct-'));
  const run = (playbook: string): Promise<CliResult> =>
    orchestrate(['run', '-i', lab.inventory, playbook, '--json', '--vault-secrets-file', path.join(work, 'vault-secrets.json'), '-e', `vault_pki_ca_cert_file=${path.join(work, 'CA_cert.crt')}`], { timeoutMs: 600_000 });
  const file = (host: string, f: string): string => hostFile(lab.dir, host, f);

  beforeAll(async () => {
    lab = await startLab({ name: 'rotatect', servers: 1, clients: 2 });
    nodes = lab.hosts.map((h) => ({ name: h.name, address: h.address, role: h.name.startsWith('server') ? 'server' : 'client' }));
    const r = await run('playbooks/mtls.yml');
    if (r.code !== 0) writeFileSync(path.join(work, 'mtls.log'), r.stdout + r.stderr);
    expect(r.code, `mtls.yml failed, see ${work}/mtls.log`).toBe(0);
  }, 600_000);

  afterAll(async () => {
    await lab?.down();
  }, 300_000);

  it('rotate-certs.yml: every serial changes, every pair keeps talking', async () => {
    const before = nodes.map((n) => serialOf(file(n.name, `${CERTS}/agent.crt`)));
    const prober = startProber({ labDir: lab.dir, nodes });
    const r = await run('playbooks/rotate-certs.yml');
    const report = await prober.stop();
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    expect(report.failures).toEqual([]);
    nodes.forEach((n, i) => expect(serialOf(file(n.name, `${CERTS}/agent.crt`)), n.name).not.toBe(before[i]));
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
  }, 600_000);

  it('mtls.yml afterwards: 0 changed', async () => {
    const r = await run('playbooks/mtls.yml');
    expect(r.code).toBe(0);
    expect(totals(r.events)['changed'] ?? 0).toBe(0);
  }, 600_000);
});
