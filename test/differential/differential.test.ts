/**
 * ansible-playbook (the oracle) and orchestrate run every case under cases/; each case must agree
 * unless it is listed in known-differences.txt (a case there is run and reported, not asserted).
 * Prints the score: cases agreeing / total. Skips, saying why, when ansible-playbook is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansibleAvailable, differences, HERE, loadCases, pool, runAnsible, runOrchestrate, type Outcome } from './harness.js';

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
    // both programs on every case, three runs at a time (ansible's forks are mostly waiting)
    const jobs = cases.flatMap((c) => [{ c, tool: 'ansible' as const }, { c, tool: 'orchestrate' as const }]);
    const outs = await pool(jobs, 3, async (j) => {
      const t0 = Date.now();
      const o = await (j.tool === 'ansible' ? runAnsible(j.c) : runOrchestrate(j.c));
      if (process.env['DIFF_VERBOSE']) console.log(`${j.c.name} ${j.tool}: ${Date.now() - t0} ms`);
      return o;
    });
    cases.forEach((c, i) => results.set(c.name, { ansible: outs[2 * i]!, orchestrate: outs[2 * i + 1]! }));
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
