/**
 * Engine benchmark: a 20-task playbook on 1,000 inventory hosts over a connection that does no
 * I/O. Prints host-task results per second and peak memory. Usage:
 *   npm run bench:engine [-- --hosts 1000 --runs 3]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalConnection } from '../src/connection/local/local.js';
import { ConnectionPool } from '../src/executor/connections.js';
import { EventBus } from '../src/executor/events.js';
import { runPlaybook } from '../src/executor/runner.js';
import { Inventory } from '../src/inventory/index.js';
import '../src/modules/index.js';
import { loadPlaybook } from '../src/playbook/load.js';
import { Secrets } from '../src/util/secrets.js';
import { VaultSession } from '../src/vault/session.js';
import { ProblemList } from '../src/yaml/index.js';
import { MemoryConnection } from './memory-connection.js';
import { checkArgs } from './lib/args.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

const PLAYBOOK = `
- hosts: all
  gather_facts: false
  vars:
    base: /opt/app
    files: [a, b, c]
  tasks:
    - file: { path: "{{ base }}", state: directory, mode: "0755" }
    - file: { path: "{{ base }}/conf", state: directory, mode: "0750" }
    - copy: { dest: "{{ base }}/conf/app.conf", content: "host={{ inventory_hostname }}\\n", mode: "0640" }
      notify: reload
    - copy: { dest: "{{ base }}/conf/static.conf", content: "static\\n", mode: "0644" }
    - command: echo hello
      register: out
      changed_when: false
    - debug: { msg: "{{ out.stdout }}" }
      when: out.rc != 0
    - set_fact: { app_port: "{{ 4000 + 646 }}" }
    - assert: { that: ["app_port | int == 4646"] }
    - lineinfile: { path: "{{ base }}/conf/app.conf", line: "port={{ app_port }}" }
    - blockinfile: { path: "{{ base }}/conf/static.conf", block: "x=1" }
    - stat: { path: "{{ base }}/conf/app.conf" }
      register: st
    - fail: { msg: "missing" }
      when: not st.stat.exists
    - file: { path: "{{ base }}/{{ item }}", state: directory }
      loop: "{{ files }}"
    - copy: { dest: "{{ base }}/VERSION", content: "1.0\\n" }
    - shell: "echo {{ inventory_hostname }}"
      changed_when: false
    - debug: { var: app_port }
      when: false
    - set_fact: { done_marker: true }
    - copy: { dest: "{{ base }}/conf/app.conf", content: "host={{ inventory_hostname }}\\n", mode: "0640" }
    - file: { path: "{{ base }}/VERSION", mode: "0600" }
    - command: echo bye
      changed_when: false
  handlers:
    - name: reload
      command: echo reload
`;

async function once(dir: string, hosts: number): Promise<{ results: number; ms: number }> {
  const problems = new ProblemList();
  const pb = await loadPlaybook(path.join(dir, 'bench.yml'), { problems });
  if (problems.hasErrors) throw new Error(problems.format());
  const inventory = await Inventory.load([path.join(dir, 'hosts.ini')]);
  const secrets = new Secrets();
  const bus = new EventBus((v) => secrets.maskValue(v));
  let results = 0;
  bus.on((e) => {
    if (e.type === 'host.result') results++;
  });
  const pool = new ConnectionPool((h) => new MemoryConnection(h), () => new LocalConnection({ host: 'localhost' }));
  const t0 = performance.now();
  const summary = await runPlaybook({ playbook: pb, inventory, pool, bus, secrets, vault: new VaultSession(), extraVars: {}, tags: [], skipTags: [], checkMode: false, diffMode: false, forks: 50, signal: new AbortController().signal, verbosity: 0 });
  const ms = performance.now() - t0;
  if (summary.exitCode !== 0) throw new Error(`bench playbook failed: ${JSON.stringify(Object.entries(summary.stats).find(([, s]) => s.failed > 0))}`);
  return { results, ms };
}

async function main(): Promise<void> {
  checkArgs(`Usage: npm run bench:engine [-- --hosts 1000 --runs 3]`, ['hosts', 'runs']);
  const hosts = arg('hosts', 1000);
  const runs = arg('runs', 3);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-bench-'));
  try {
    writeFileSync(path.join(dir, 'hosts.ini'), `[nodes]\nnode[0001:${String(hosts).padStart(4, '0')}]\n`);
    writeFileSync(path.join(dir, 'bench.yml'), PLAYBOOK);
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const rates: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { results, ms } = await once(dir, hosts);
      rates.push(results / (ms / 1000));
      console.log(`run ${i + 1}: ${results} host-task results in ${(ms / 1000).toFixed(2)} s = ${Math.round(results / (ms / 1000))} results/s`);
    }
    clearInterval(timer);
    peak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
    rates.sort((a, b) => a - b);
    console.log(`engine: ${hosts} hosts x 20 tasks: median ${Math.round(rates[Math.floor(rates.length / 2)]!)} results/s, peak RSS ${(peak / 1048576).toFixed(0)} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
