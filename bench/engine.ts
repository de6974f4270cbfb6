/**
 * Engine benchmark: a 20-task playbook on 1,000 inventory hosts over a connection that does no
 * I/O. Prints host-task results per second and peak memory. Usage:
 *   npm run bench:engine [-- --hosts 1000 --runs 3]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryConnection } from '../src/connection/memory.js';
import { checkArgs } from './lib/args.js';
import { loadBenchRun, runInMemory } from './lib/in-memory.js';

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

async function once(dir: string): Promise<{ results: number; ms: number }> {
  const r = await loadBenchRun(dir);
  let results = 0;
  r.bus.on((e) => {
    if (e.type === 'host.result') results++;
  });
  const t0 = performance.now();
  const summary = await runInMemory(r, (h) => new MemoryConnection(h));
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
      const { results, ms } = await once(dir);
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
