/** Ctrl-C: nothing new starts, running tasks finish, the recap is printed, exit code 99. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { BIN, project } from '../helpers/cli.js';

it('SIGINT lets the running task finish, starts nothing new, prints the recap and exits 99', async () => {
  const p = project({
    'hosts.ini': '[web]\nh1 ansible_connection=local\nh2 ansible_connection=local\n',
    'site.yml': `
- hosts: web
  gather_facts: false
  tasks:
    - name: slow
      command: sleep 1.5
    - name: never started
      command: "true"
`,
  });
  const child = spawn(process.execPath, [BIN, 'run', path.join(p, 'site.yml'), '-i', path.join(p, 'hosts.ini'), '--json'], {
    env: { ...process.env, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let sent = false;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    // once both hosts run the slow task (a host.start each for its task id)
    const id = /"type":"task\.start","id":(\d+),"name":"slow"/.exec(out)?.[1];
    const started = id === undefined ? 0 : out.split('\n').filter((l) => l.includes('"type":"host.start"') && l.includes(`"taskId":${id},`)).length;
    if (!sent && started === 2) {
      sent = true; // one Ctrl-C only: a second one quits at once
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const events = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(code).toBe(99);
  const slow = events.filter((e) => e['type'] === 'host.result' && e['task'] === 'slow');
  expect(slow.map((e) => e['status'])).toEqual(['changed', 'changed']);
  expect(events.some((e) => e['type'] === 'task.start' && e['name'] === 'never started')).toBe(false);
  const recap = events.find((e) => e['type'] === 'recap');
  expect(recap?.['interrupted']).toBe(true);
});
