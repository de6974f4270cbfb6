/** The HTML run report: written by --report and by `orchestrate report`, checked in headless chromium. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchestrate, project } from '../helpers/cli.js';
import { hasChromium, openReport } from '../helpers/report-page.js';

const p = project({
  'hosts.ini': '[web]\nweb1 ansible_connection=local\nweb2 ansible_connection=local\nweb3 ansible_connection=local\nweb4 ansible_connection=local\n',
  'site.yml': `
- hosts: web
  gather_facts: false
  serial: 2
  max_fail_percentage: 0
  tasks:
    - name: gossip key
      gossip_key: { existing: "{{ secret }}" }
      register: gossip
    - name: write config
      copy: { dest: "{{ playbook_dir }}/out-{{ inventory_hostname }}.conf", content: "key={{ gossip.key }}\\nhost={{ inventory_hostname }}\\n" }
    - name: "gate: healthy"
      shell: "echo probe-failed >&2; exit 4"
      when: inventory_hostname == 'web2'
    - name: after the gate
      command: "true"
`,
});
const at = (f: string): string => path.join(p, f);
const SECRET = 'MDEyMzQ1Njc4OWFiY2RlZg==';

describe('HTML run report', () => {
  it('--report and `orchestrate report` write the same self-contained page, secrets masked', async () => {
    const run = await orchestrate(['run', '-i', at('hosts.ini'), at('site.yml'), '--diff', '--json', '--report', at('run.html'), '-e', `secret=${SECRET}`]);
    expect(run.code).toBe(2);
    expect(existsSync(at('run.html'))).toBe(true);
    writeFileSync(at('events.jsonl'), run.stdout);
    const again = await orchestrate(['report', at('events.jsonl'), '-o', at('again.html')]);
    expect(again.code, again.stderr).toBe(0);
    for (const f of ['run.html', 'again.html']) {
      const html = readFileSync(at(f), 'utf8');
      expect(html).toContain('Content-Security-Policy');
      expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
      expect(html).toContain('probe-failed');
      expect(html).toContain('key=********');
      expect(html).not.toContain(SECRET);
    }
    const bad = await orchestrate(['report', at('hosts.ini'), '-o', at('bad.html')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/hosts\.ini:1:1: not a JSON event/);
    expect(existsSync(at('bad.html'))).toBe(false);
  });

  it.skipIf(!hasChromium)('renders in headless chromium: timeline, matrix, failure, stop, diffs, recap, no console errors', async () => {
    const r = await openReport(at('run.html'), 'report-local');
    expect(r.errors).toEqual([]);
    expect(r.page.state).toBe('failed');
    expect(r.page.batches).toBe(1); // of 2: the second never started
    expect(r.page.hostRows).toBe(2);
    // max_fail_percentage 0: the batch stops at the failed gate, "after the gate" never starts
    expect(r.page.taskSegments).toEqual(['gossip key', 'write config', 'gate: healthy']);
    expect(r.page.cells).toEqual({ 's-ok': 2, 's-changed': 2, 's-skipped': 1, 's-failed': 1, none: 6 });
    expect(r.page.failures.join('\n')).toMatch(/gate: healthy on web2 · FAILED[\s\S]*"rc": 4[\s\S]*probe-failed/);
    expect(r.page.stops.join('\n')).toContain('rollout stopped after batch 1 of 2: max_fail_percentage 0 exceeded by web2 (failed); 2 hosts not started');
    expect(r.page.diffs).toBe(2);
    expect(r.page.recapRows).toBe(2);
    expect(r.page.external).toBe(0);
    expect(existsSync(r.screenshot)).toBe(true);
  }, 60_000);
});
