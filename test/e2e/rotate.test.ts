/**
 * playbooks/rotate-certs.yml on a 3+13 lab: serials change with a background mTLS prober green,
 * and --limit clients spares servers. The CA rotation and a broken node: rotate-ca.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { results } from '../helpers/cli.js';
import { labSupported } from '../helpers/lab.js';
import { startProber } from '../helpers/prober.js';
import { changed, useRotationLab } from './rotate-lab.js';

const support = labSupported();

describe.skipIf(!support.ok)('certificate rotation on a 3+13 lab', () => {
  const { lab, nodes, run, fileSerials, servedSerials } = useRotationLab('rotate');

  it('rotates every serial while every pair of nodes keeps talking', async () => {
    const before = fileSerials();
    const prober = startProber({ labDir: lab().dir, nodes: nodes() });
    const r = await run('playbooks/rotate-certs.yml');
    const report = await prober.stop();
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    expect(changed(before, fileSerials()).sort()).toEqual(nodes().map((n) => n.name).sort());
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
    expect(moved.sort()).toEqual(nodes().filter((n) => n.role === 'client').map((n) => n.name).sort());
    expect(results(r.events).filter((e) => String(e['host']).startsWith('server'))).toEqual([]);
  }, 900_000);
});
