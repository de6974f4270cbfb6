/** debug's verbosity: below it the task is skipped and registered as skipped, as Ansible does. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchestrate, project, recap, results } from '../helpers/cli.js';

const SITE = `
- hosts: h1
  gather_facts: false
  tasks:
    - name: detail
      debug: { msg: hi, verbosity: 2 }
      register: r
    - name: show
      debug: { var: r }
`;

describe('debug verbosity', () => {
  it('skips below the threshold and shows the message at it', async () => {
    const p = project({ 'hosts.ini': 'h1 ansible_connection=local\n', 'site.yml': SITE });
    const args = ['run', path.join(p, 'site.yml'), '-i', path.join(p, 'hosts.ini'), '--json'];
    const quiet = await orchestrate(args);
    expect(quiet.code, quiet.stdout + quiet.stderr).toBe(0);
    expect(results(quiet.events, 'detail')[0]).toMatchObject({ status: 'skipped' });
    expect(results(quiet.events, 'show')[0]!['output']).toEqual({ r: { changed: false, failed: false, skipped: true, skipped_reason: 'Verbosity threshold not met.' } });
    expect(recap(quiet.events)['h1']).toMatchObject({ ok: 1, skipped: 1 });
    const loud = await orchestrate([...args, '-vv']);
    expect(results(loud.events, 'detail')[0]).toMatchObject({ status: 'ok', output: 'hi' });
    expect(recap(loud.events)['h1']).toMatchObject({ ok: 2, skipped: 0 });
  });
});
