/**
 * What a person sees at a terminal: Ctrl-C in a real pseudo-terminal (tmux), why a task failed,
 * a rollout that stops, a --limit that matches nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, orchestrate, project, recap, results } from '../helpers/cli.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const SOCKET = `orchestrate-test-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });

async function until(what: string, f: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const SLOW = {
  'hosts.ini': '[web]\nh1 ansible_connection=local\nh2 ansible_connection=local\n',
  'site.yml': `
- hosts: web
  gather_facts: false
  tasks:
    - name: slow
      shell: "touch started-{{ inventory_hostname }}; sleep 2"
    - name: never started
      command: "true"
`,
};

describe.skipIf(!hasTmux)('Ctrl-C in a real terminal (tmux)', () => {
  afterAll(() => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  });

  const start = (name: string, dir: string): string => {
    const exitFile = path.join(dir, 'exit-code');
    const cmd = `cd ${dir} && ${process.execPath} ${BIN} run -i hosts.ini site.yml; echo $? > ${exitFile}; sleep 60`;
    tmux('new-session', '-d', '-s', name, '-x', '150', '-y', '50', '-e', 'CI=', '-e', 'NO_LIVE=', cmd);
    return exitFile;
  };

  it('one Ctrl-C: running tasks finish, nothing new starts, the recap is printed, exit 99', async () => {
    const dir = project(SLOW);
    const exitFile = start('once', dir);
    await until('the slow task to start', () => existsSync(path.join(dir, 'started-h1')) && existsSync(path.join(dir, 'started-h2')));
    // listr2 draws the running task: the hosts still running by name with their elapsed time
    await until('the live progress', () => /TASK \[slow\][^\n]*\(0\/2\)[\s\S]*running: h1 \d+\.\ds, h2 \d+\.\ds/.test(tmux('capture-pane', '-p', '-t', 'once')));
    tmux('send-keys', '-t', 'once', 'C-c');
    await until('the run to end', () => existsSync(exitFile) && readFileSync(exitFile, 'utf8').trim() !== '');
    const screen = tmux('capture-pane', '-p', '-t', 'once');
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('99');
    expect(screen).toContain('interrupted: finishing running tasks');
    expect(screen).toMatch(/✓ TASK \[slow\]\s+changed=2/);
    expect(screen).toContain('PLAY RECAP');
    expect(screen).toMatch(/h1\s+: ok=1\s+changed=1/);
    expect(screen).not.toContain('never started');
  });

  it('a second Ctrl-C stops at once with 99 and gives the cursor back', async () => {
    const dir = project(SLOW);
    const exitFile = start('twice', dir);
    await until('the slow task to start', () => existsSync(path.join(dir, 'started-h1')));
    tmux('send-keys', '-t', 'twice', 'C-c');
    await until('the interrupt to be said', () => tmux('capture-pane', '-p', '-t', 'twice').includes('interrupted'));
    tmux('send-keys', '-t', 'twice', 'C-c');
    await until('the run to end', () => existsSync(exitFile) && readFileSync(exitFile, 'utf8').trim() !== '');
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('99');
    expect(tmux('capture-pane', '-p', '-t', 'twice')).not.toContain('PLAY RECAP');
    // tmux tracks the cursor mode the program left: 1 = visible
    expect(tmux('display-message', '-p', '-t', 'twice', '#{cursor_flag}').trim()).toBe('1');
  });
});

describe('failures, stopped rollouts and empty limits', () => {
  const p = project({
    'hosts.ini': '[web]\nweb1 ansible_connection=local\nweb2 ansible_host=127.0.0.1 ansible_port=1\nweb3 ansible_connection=local\nweb4 ansible_connection=local\n',
    'fail.yml': `
- hosts: web1
  gather_facts: false
  tasks:
    - name: breaks
      shell: "echo to-stdout; echo why-it-broke >&2; exit 3"
`,
    'rollout.yml': `
- hosts: web
  gather_facts: false
  serial: 1
  max_fail_percentage: 0
  tasks:
    - name: touch
      command: "true"
- hosts: web
  gather_facts: false
  tasks:
    - name: later play
      command: "true"
`,
  });
  const at = (f: string): string => path.join(p, f);

  it('a failed command shows rc, cmd, stdout and stderr in plain output and in --json', async () => {
    const plain = await orchestrate(['run', '-i', at('hosts.ini'), at('fail.yml')]);
    expect(plain.code).toBe(2);
    expect(plain.stdout).toContain('fatal: [web1]: FAILED! => {"changed": false, "cmd": "echo to-stdout; echo why-it-broke >&2; exit 3"');
    expect(plain.stdout).toMatch(/"msg": "non-zero return code", "rc": 3, "stderr": "why-it-broke", "stdout": "to-stdout"/);
    const json = await orchestrate(['run', '-i', at('hosts.ini'), at('fail.yml'), '--json']);
    const [r] = results(json.events, 'breaks');
    expect(r?.['detail']).toMatchObject({ rc: 3, stderr: 'why-it-broke', stdout: 'to-stdout', msg: 'non-zero return code' });
  });

  it('a rollout stopped by an unreachable host says so, names the hosts not started, exits 3', async () => {
    const r = await orchestrate(['run', '-i', at('hosts.ini'), at('rollout.yml')]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('rollout stopped after batch 2 of 4: max_fail_percentage 0 exceeded by web2 (unreachable); 2 hosts not started');
    expect(r.stdout).toContain('not started: web3, web4');
    expect(r.stdout).toContain('plays not run: ');
    const json = await orchestrate(['run', '-i', at('hosts.ini'), at('rollout.yml'), '--json']);
    const stop = json.events.find((e) => e['type'] === 'rollout.stop');
    expect(stop).toMatchObject({ batch: 2, count: 4, cause: 'max_fail_percentage', failed: [{ host: 'web2', status: 'unreachable' }], notStarted: ['web3', 'web4'] });
    expect(recap(json.events)['web2']?.['unreachable']).toBe(1);
  });

  it('-l matching no host: one warning, an error, exit 1, nothing run', async () => {
    const r = await orchestrate(['run', '-i', at('hosts.ini'), at('rollout.yml'), '-l', 'nosuch']);
    expect(r.code).toBe(1);
    expect(r.stderr.match(/Could not match supplied host pattern/g)?.length).toBe(1);
    expect(r.stderr).toContain('no hosts to target');
    expect(r.stdout).not.toContain('PLAY');
  });
});
