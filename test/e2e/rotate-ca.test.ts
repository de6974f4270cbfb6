/**
 * playbooks/rotate-ca.yml and a failed rotation on a 3+13 lab: the CA rotation keeps every pair
 * talking, and a broken client is rolled back and stops the rollout (exit 2).
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recap, results } from '../helpers/cli.js';
import { labSupported } from '../helpers/lab.js';
import { hasChromium, openReport } from '../helpers/report-page.js';
import { hostFile, hostRoot, startProber } from '../helpers/prober.js';
import { changed, useRotationLab } from './rotate-lab.js';

const support = labSupported();

describe.skipIf(!support.ok)('CA rotation and a broken node on a 3+13 lab', () => {
  const { lab, nodes, work, run, fileSerials, servedSerials } = useRotationLab('rotate-ca');

  it('rotates the intermediate CA with the prober green', async () => {
    const caBefore = hostFile(lab().dir, 'client1', '/opt/nomad/agent-certs/ca.crt');
    const before = fileSerials();
    const prober = startProber({ labDir: lab().dir, nodes: nodes() });
    const r = await run('playbooks/rotate-ca.yml');
    const report = await prober.stop();
    if (r.code !== 0) writeFileSync(path.join(work, 'rotate-ca.log'), r.stdout + r.stderr);
    expect(r.code, `rotate-ca.yml failed, see ${work}/rotate-ca.log`).toBe(0);
    expect(report.failures).toEqual([]);
    expect(changed(before, fileSerials()).length).toBe(nodes().length);
    for (const n of nodes()) {
      const ca = hostFile(lab().dir, n.name, '/opt/nomad/agent-certs/ca.crt');
      expect(ca.match(/BEGIN CERTIFICATE/g)?.length).toBe(1);
      expect(ca.trim()).not.toBe(caBefore.trim());
    }
  }, 900_000);

  it('a broken node is restored, the rollout stops before the next batch, exit 2', async () => {
    const broken = 'client5';
    const marker = path.join(hostRoot(lab().dir, broken), 'etc/nomad.d/.lab-broken');
    writeFileSync(marker, '');
    try {
      const before = fileSerials();
      const served = await servedSerials();
      const report = path.join(work, 'rotate-broken.html');
      // the gate fails here whatever it waits: 5 tries instead of the role's 20 reach the same end
      const r = await run('playbooks/rotate-certs.yml', ['--report', report, '-e', 'cert_rotate_gate_retries=5']);
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
      const later = nodes().map((n) => n.name).filter((h) => !done.includes(h) && h !== broken);
      expect(later.length).toBeGreaterThan(0);
      for (const h of done) expect(after.get(h), h).not.toBe(before.get(h));
      for (const h of later) expect(after.get(h), h).toBe(before.get(h));
      expect(results(r.events).filter((e) => later.includes(String(e['host'])))).toEqual([]);
    } finally {
      rmSync(marker, { force: true });
    }
  }, 900_000);
});
