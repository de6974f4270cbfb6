/** vars_prompt: asked on a terminal (a pseudo-terminal from script(1)) as ansible-playbook asks; -e skips it; no terminal and no default is an error. */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, orchestrate, project } from '../helpers/cli.js';

const PLAY = `- hosts: all
  gather_facts: false
  vars_prompt:
    - name: user
      prompt: Your name
      default: bob
      private: false
    - name: secret
      prompt: Password
      confirm: true
    - name: raw
      prompt: Raw
      unsafe: true
      private: false
  tasks:
    - name: show
      debug: msg="{{ user }} {{ secret }} {{ raw }}"
`;

const haveScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

/** Run the CLI on a pseudo-terminal, answering each prompt when it shows. */
function onTerminal(args: string[], answers: [string, string][]): Promise<string> {
  return new Promise((resolve, reject) => {
    const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env: { ...process.env, NO_LIVE: '1', NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let next = 0;
    let from = 0;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (;;) {
        const a = answers[next];
        const at = a ? out.indexOf(a[0], from) : -1;
        if (!a || at < 0) break;
        from = at + a[0].length;
        child.stdin.write(`${a[1]}\r`);
        next++;
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out.replace(/\x1b\[[0-9;]*m/g, ''));
    });
  });
}

describe('vars_prompt', () => {
  it.skipIf(!haveScript)('asks on a terminal: default on empty, hidden and confirmed, unsafe not templated', async () => {
    const p = project({ 'hosts.ini': 'h1 ansible_connection=local\n', 'site.yml': PLAY });
    const out = await onTerminal(['run', '-i', path.join(p, 'hosts.ini'), path.join(p, 'site.yml')], [
      ['Your name [bob]: ', ''],
      ['Password: ', 'pw1'],
      ['confirm Password: ', 'pw2'],
      ['Password: ', 'pw'],
      ['confirm Password: ', 'pw'],
      ['Raw: ', '{{ x }}'],
    ]);
    expect(out).toContain('***** VALUES ENTERED DO NOT MATCH ****');
    expect(out).not.toContain('pw1');
    expect(out).toContain('ok: [h1] => bob pw {{ x }}');
  });

  it('-e gives the values without asking; no terminal and no default is an error at the prompt', async () => {
    const p = project({ 'hosts.ini': 'h1 ansible_connection=local\n', 'site.yml': PLAY });
    const given = await orchestrate(['run', '-i', path.join(p, 'hosts.ini'), path.join(p, 'site.yml'), '--json', '-e', 'secret=s', '-e', 'raw=r']);
    expect(given.code).toBe(0);
    expect(given.events.find((e) => e['type'] === 'host.result')?.['output']).toBe('bob s r');
    // encrypt: the default hashed as ansible-playbook hashes it (the same output from ansible-core 2.14)
    const enc = project({ 'hosts.ini': 'h1 ansible_connection=local\n', 'site.yml': `- hosts: all
  gather_facts: false
  vars_prompt:
    - { name: hashed, prompt: Hash, default: pw, encrypt: sha512_crypt, salt: abcdefgh12345678 }
  tasks:
    - debug: msg="{{ hashed }}"
` });
    const hashed = await orchestrate(['run', '-i', path.join(enc, 'hosts.ini'), path.join(enc, 'site.yml'), '--json']);
    expect(hashed.events.find((e) => e['type'] === 'host.result')?.['output']).toBe('$6$rounds=656000$abcdefgh12345678$iBKOlca5WpKt8Wg26lUhLCE0BigHp5rGKWp/UXc6GgJbUa38fY.b92nTOiMWhhGXjqr9BB/ZZQk6eigdLk7zg.');
    const missing = await orchestrate(['run', '-i', path.join(p, 'hosts.ini'), path.join(p, 'site.yml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('site.yml:8:7: vars_prompt "secret" needs a terminal to ask on, and has no default; give it with -e secret=...');
  });
});
