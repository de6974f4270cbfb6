/**
 * playbooks/rotate-certs.yml and rotate-ca.yml on one 3+13 lab (reused by every test): serials
 * change with a background mTLS prober green, --limit clients spares servers, a broken client
 * is rolled back and stops the rollout, and the CA rotation keeps every pair talking.
 */
import { rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orchestrate, recap, results, type CliResult } from '../helpers/cli.js';
import { labSupported, startLab, type LabHandle } from '../helpers/lab.js';
import { hasChromium, openReport } from '../helpers/report-page.js';
import { hostFile, hostRoot, serialOf, servedCert, startProber, type ProbeNode } from '../helpers/prober.js';

const support = labSupported();
const CERT = '/opt/nomad/agent-certs/agent.crt';

describe.skipIf(!support.ok)('certificate rotation on a 3+13 lab', () => {
  let lab: LabHandle;
  let nodes: ProbeNode[];
  const work = mkdtempSync(path.join(tmpdir(), 'orchestrate-rotate-'));
  const run = (playbook: string, extra: string[] = []): Promise<CliResult> =>
    orchestrate(['run', '-i', lab.inventory, playbook, '--json', '--vault-secrets-file', path.join(work, 'vault-secrets.json'), '-e', `vault_pki_ca_cert_file=${path.join(work, 'CA_cert.crt')}`, '-e', 'consul_template_wait_timeout=240', ...extra], { timeoutMs: 900_000 });
  const fileSerials = (): Map<string, string> => new Map(nodes.map((n) => [n.name, serialOf(hostFile(lab.dir, n.name, CERT))]));
  const servedSerials = async (): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    for (const n of nodes) out.set(n.name, serialOf((await servedCert(n.address)).toString()));
    return out;
  };
  const changed = (a: Map<string, string>, b: Map<string, string>): string[] => [...a.keys()].filter((k) => a.get(k) !== b.get(k));

  beforeAll(async () => {
    lab = await startLab({ name: 'rotate', servers: 3, clients: 13 });
    nodes = lab.hosts.map((h) => ({ name: h.name, address: h.address, role: h.name.startsWith('server') ? 'server' : 'client' }));
    const r = await run('playbooks/mtls.yml');
    if (r.code !== 0) writeFileSync(path.join(work, 'mtls.log'), r.stdout + r.stderr);
    expect(r.code, `mtls.yml failed, see ${work}/mtls.log`).toBe(0);
  }, 900_000);

  afterAll(async () => {
    await lab?.down();
  }, 300_000);

  it('rotates every serial while every pair of nodes keeps talking', async () => {
    const before = fileSerials();
    const prober = startProber({ labDir: lab.dir, nodes });
    const r = await run('playbooks/rotate-certs.yml');
    const report = await prober.stop();
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    expect(changed(before, fileSerials()).sort()).toEqual(nodes.map((n) => n.name).sort());
    expect(await servedSerials()).toEqual(fileSerials());
    expect(report.rounds).toBeGreaterThanOrEqual(2);
    expect(report.failures).toEqual([]);
    const batches = r.events.filter((e) => e['type'] === 'batch.start').map((e) => (e['hosts'] as string[]).length);
    expect(batches).toEqual([1, 1, 1, 3, 3, 3, 3, 1]);
  }, 900_000);

  it('--limit clients never touches a server', async () => {
    const before = fileSerials();
    const r = await run('playbooks/rotate-certs.yml', ['--limit', 'clients']);
    expect(r.code).toBe(0);
    const moved = changed(before, fileSerials());
    expect(moved.sort()).toEqual(nodes.filter((n) => n.role === 'client').map((n) => n.name).sort());
    expect(results(r.events).filter((e) => String(e['host']).startsWith('server'))).toEqual([]);
  }, 900_000);

  it('rotates the intermediate CA with the prober green', async () => {
    const caBefore = hostFile(lab.dir, 'client1', '/opt/nomad/agent-certs/ca.crt');
    const before = fileSerials();
    const prober = startProber({ labDir: lab.dir, nodes });
    const r = await run('playbooks/rotate-ca.yml');
    const report = await prober.stop();
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    expect(report.failures).toEqual([]);
    expect(changed(before, fileSerials()).length).toBe(nodes.length);
    for (const n of nodes) {
      const ca = hostFile(lab.dir, n.name, '/opt/nomad/agent-certs/ca.crt');
      expect(ca.match(/BEGIN CERTIFICATE/g)?.length).toBe(1);
      expect(ca.trim()).not.toBe(caBefore.trim());
    }
  }, 900_000);

  it('a broken node is restored, the rollout stops before the next batch, exit 2', async () => {
    const broken = 'client5';
    const marker = path.join(hostRoot(lab.dir, broken), 'etc/nomad.d/.lab-broken');
    writeFileSync(marker, '');
    try {
      const before = fileSerials();
      const served = await servedSerials();
      const report = path.join(work, 'rotate-broken.html');
      const r = await run('playbooks/rotate-certs.yml', ['--report', report]);
      expect(r.code).toBe(2);
      expect(recap(r.events)[broken]?.['failed']).toBe(1);
      const stop = r.events.find((e) => e['type'] === 'rollout.stop');
      expect(stop).toMatchObject({ cause: 'max_fail_percentage', failed: [{ host: broken, status: 'failed' }] });
      if (hasChromium) {
        // the report of a real rolling rotation, as a person would open it
        const page = await openReport(report, 'report-rotate-broken');
        expect(page.errors).toEqual([]);
        expect(page.page.state).toBe('failed');
        expect(page.page.batches).toBe(r.events.filter((e) => e['type'] === 'batch.start').length);
        expect(page.page.stops.join('\n')).toContain(`max_fail_percentage 0 exceeded by ${broken} (failed)`);
        expect(page.page.failures.join('\n')).toContain(`on ${broken}`);
        expect(page.page.recapRows).toBe(Object.keys(recap(r.events)).length);
        expect(page.page.external).toBe(0);
      }
      const after = fileSerials();
      expect(after.get(broken)).toBe(before.get(broken));
      expect((await servedSerials()).get(broken)).toBe(served.get(broken));
      const batches = r.events.filter((e) => e['type'] === 'batch.start').map((e) => e['hosts'] as string[]);
      const at = batches.findIndex((b) => b.includes(broken));
      const done = batches.slice(0, at + 1).flat().filter((h) => h !== broken);
      const later = nodes.map((n) => n.name).filter((h) => !done.includes(h) && h !== broken);
      expect(later.length).toBeGreaterThan(0);
      for (const h of done) expect(after.get(h), h).not.toBe(before.get(h));
      for (const h of later) expect(after.get(h), h).toBe(before.get(h));
      expect(results(r.events).filter((e) => later.includes(String(e['host'])))).toEqual([]);
    } finally {
      rmSync(marker, { force: true });
    }
  }, 900_000);
});
