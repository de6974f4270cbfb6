/**
 * ansible-playbook (the oracle) and orchestrate run every case under cases/; each case must agree
 * unless it is listed in known-differences.txt (a case there is run and reported, not asserted).
 * Prints the score: cases agreeing / total. Skips, saying why, when ansible-playbook is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansibleAvailable, differences, HERE, loadCases, pool, recordedOutcome, recordOutcome, runAnsible, runOrchestrate, type Outcome } from './harness.js';

// DIFF_LIVE=1 (npm run test:differential): ansible-playbook runs on every case and its outcomes are recorded
const live = process.env['DIFF_LIVE'] === '1';

// DIFF_CASES=a,b runs only those cases (while working on them)
const only = process.env['DIFF_CASES']?.split(',').filter(Boolean).filter((_x, _i, a) => a.length > 0);

const cases = loadCases().filter((c) => !only || only.length === 0 || only.includes(c.name));
const known = new Map<string, string>();
const knownFile = path.join(HERE, 'known-differences.txt');
if (existsSync(knownFile)) {
  for (const line of readFileSync(knownFile, 'utf8').split('\n')) {
    const m = /^([\w-]+):\s*(.*)$/.exec(line.trim());
    if (m) known.set(m[1]!, m[2]!);
  }
}
const haveAnsible = ansibleAvailable();
if (!haveAnsible) console.warn('differential: ansible-playbook is not installed; the cases are skipped');

const results = new Map<string, { ansible: Outcome; orchestrate: Outcome }>();

describe.skipIf(!haveAnsible)('differential: orchestrate against ansible-playbook', () => {
  beforeAll(async () => {
    // orchestrate on every case; ansible-playbook live where no recording of this exact case exists
    // (or always, with DIFF_LIVE=1, which records what it did); three runs at a time
    const recorded = new Map(live ? [] : cases.flatMap((c) => { const o = recordedOutcome(c); return o ? [[c.name, o] as const] : []; }));
    const jobs = cases.flatMap((c) => [...(recorded.has(c.name) ? [] : [{ c, tool: 'ansible' as const }]), { c, tool: 'orchestrate' as const }]);
    const outs = await pool(jobs, 3, async (j) => {
      const t0 = Date.now();
      const o = await (j.tool === 'ansible' ? runAnsible(j.c) : runOrchestrate(j.c));
      if (process.env['DIFF_VERBOSE']) console.log(`${j.c.name} ${j.tool}: ${Date.now() - t0} ms`);
      if (j.tool === 'ansible' && live && o.rc !== -1) recordOutcome(j.c, o);
      return o;
    });
    const byJob = new Map(jobs.map((j, i) => [`${j.c.name} ${j.tool}`, outs[i]!]));
    for (const c of cases) results.set(c.name, { ansible: recorded.get(c.name) ?? byJob.get(`${c.name} ansible`)!, orchestrate: byJob.get(`${c.name} orchestrate`)! });
    console.log(`differential: ${recorded.size} of ${cases.length} cases compared with a recorded ansible-playbook outcome, ${cases.length - recorded.size} with a live run`);
  }, 900_000);

  afterAll(() => {
    let agree = 0;
    const lines: string[] = [];
    for (const c of cases) {
      const r = results.get(c.name);
      if (!r) continue;
      const d = differences(r.ansible, r.orchestrate, c.anyOrder);
      if (d.length === 0) agree++;
      else lines.push(`  differs: ${c.name}${known.has(c.name) ? ` (known: ${known.get(c.name)})` : ''}${process.env['DIFF_VERBOSE'] ? `\n${d.join('\n')}` : ''}`);
    }
    console.log(`differential score: ${agree}/${cases.length} cases agree with ansible-playbook\n${lines.join('\n')}`);
  });

  for (const c of cases) {
    it.skipIf(known.has(c.name))(`${c.name}`, () => {
      const r = results.get(c.name)!;
      expect(differences(r.ansible, r.orchestrate, c.anyOrder).join('\n')).toBe('');
    });
  }
});
