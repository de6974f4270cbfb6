/** Real playbooks over the local connection: results on disk, idempotence, check mode. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchestrate, project, results, totals } from '../helpers/cli.js';
import { filesPlaybook, WEB_ROLE } from '../helpers/playbooks.js';

const INVENTORY = `[local]
localhost ansible_connection=local
`;

function files(dir: string): Record<string, string> {
  return { 'hosts.ini': INVENTORY, 'site.yml': filesPlaybook('localhost', `${dir}/out`), ...WEB_ROLE };
}

describe('engine over the local connection', () => {
  it('writes files, is idempotent, and check mode touches nothing', async () => {
    const dir = project({});
    const p = project(files(dir));
    const run = (...extra: string[]) => orchestrate(['run', path.join(p, 'site.yml'), '-i', path.join(p, 'hosts.ini'), '--json', ...extra]);

    const check = await run('--check');
    expect(check.code, check.stderr).toBe(0);
    expect(totals(check.events)['changed']).toBeGreaterThan(0);
    expect(existsSync(path.join(dir, 'out'))).toBe(false);

    const first = await run();
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(readFileSync(path.join(dir, 'out/motd'), 'utf8')).toBe('welcome to localhost\n');
    expect(readFileSync(path.join(dir, 'out/lines'), 'utf8')).toBe('line two\n# BEGIN ANSIBLE MANAGED BLOCK\nmanaged line\n# END ANSIBLE MANAGED BLOCK\n');
    expect(statSync(path.join(dir, 'out/key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'out')).mode & 0o777).toBe(0o750);
    expect(readFileSync(path.join(dir, 'out/web/app.conf'), 'utf8')).toBe('listen 8080\nhost localhost\n');
    expect(readFileSync(path.join(dir, 'out/handler-ran'), 'utf8')).toBe('yes\n');

    const second = await run();
    expect(second.code).toBe(0);
    expect(totals(second.events)['changed']).toBe(0);
    for (const r of results(second.events)) expect(r['status'], JSON.stringify(r)).toBe('ok');
    // every ok has its reason
    for (const r of results(second.events)) expect(typeof r['reason']).toBe('string');
  });

  it('check --diff shows the change without making it', async () => {
    const dir = project({ 'out/motd': 'old\n' });
    const p = project({
      'hosts.ini': INVENTORY,
      'site.yml': `- hosts: localhost\n  tasks:\n    - copy: { dest: "${dir}/out/motd", content: "new\\n" }\n`,
    });
    const r = await orchestrate(['run', path.join(p, 'site.yml'), '-i', path.join(p, 'hosts.ini'), '--check', '--diff']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('-old');
    expect(r.stdout).toContain('+new');
    expect(readFileSync(path.join(dir, 'out/motd'), 'utf8')).toBe('old\n');
  });
});
