/**
 * SSH benchmark against lab fleets of 4, 16, 64 and 200 hosts (not provisioned): a no-op task, fact
 * gathering (gather_facts: true and no task: one facts script per host), and a 10-task file/command playbook (first run, then the all-ok second run). Prints wall time, SSH
 * connections opened, channels per host and the control side's peak memory, and appends the table
 * to bench/results-ssh.md. Needs root (the lab). Usage:
 *   npm run bench:ssh [-- --sizes 4,16,64,200 --forks 200 --reps 1 --no-append]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchLab, requireLab, settle, type BenchLab } from './lib/lab.js';
import { loadAverage, measureCli, repoRoot, type CliMeasure } from './lib/measure.js';
import { appendResults, fmtMb, fmtMs, markdownTable, type Row } from './lib/report.js';
import { checkArgs } from './lib/args.js';

const NOOP = `- hosts: all
  gather_facts: false
  tasks:
    - name: noop
      command: "true"
      changed_when: false
`;

/** Only the implicit "Gathering Facts" (all subsets): compare with the no-op row. */
const FACTS = `- hosts: all
  gather_facts: true
  tasks: []
`;

/** The same with gather_subset: min (no hardware, no network). */
const FACTS_MIN = `- hosts: all
  gather_facts: true
  gather_subset: [min]
  tasks: []
`;

/** Ten tasks, each at most one remote round trip: SFTP file work and single commands. */
const TEN = `- hosts: all
  gather_facts: false
  vars: { base: /opt/bench }
  tasks:
    - file: { path: "{{ base }}", state: directory, mode: "0755" }
    - copy: { dest: "{{ base }}/host.conf", content: "host={{ inventory_hostname }}\\n", mode: "0644" }
    - copy: { dest: "{{ base }}/secret.pem", content: "not really a key\\n", mode: "0600" }
    - shell: { cmd: "echo created > {{ base }}/created.txt", creates: "{{ base }}/created.txt" }
    - lineinfile: { path: "{{ base }}/settings", line: "threads=4", create: true }
    - command: "true"
      changed_when: false
    - file: { path: "{{ base }}/sub", state: directory, mode: "0750" }
    - template: { src: bench.conf.j2, dest: "{{ base }}/sub/bench.conf", mode: "0640" }
    - file: { src: "{{ base }}/host.conf", dest: "{{ base }}/host.link", state: link }
    - command: "cat {{ base }}/host.conf"
      register: cat_out
      changed_when: false
`;

const TEMPLATE = 'name {{ inventory_hostname }}\ngroups {{ group_names | join(",") }}\n';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function writePlaybooks(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-bench-ssh-'));
  writeFileSync(path.join(dir, 'noop.yml'), NOOP);
  writeFileSync(path.join(dir, 'ten.yml'), TEN);
  writeFileSync(path.join(dir, 'facts.yml'), FACTS);
  writeFileSync(path.join(dir, 'facts-min.yml'), FACTS_MIN);
  writeFileSync(path.join(dir, 'bench.conf.j2'), TEMPLATE);
  writeFileSync(path.join(dir, 'reset.yml'), RESET);
  return dir;
}

function row(hosts: number, what: string, m: CliMeasure, tasks: number): Row {
  const t = m.stats?.total;
  const changed = /changed=(\d+)/g;
  let sum = 0;
  for (const x of m.stdout.matchAll(changed)) sum += Number(x[1]);
  return {
    hosts,
    run: what,
    exit: m.code,
    wall: fmtMs(m.wallMs),
    'cpu (user+sys)': `${(m.userS + m.sysS).toFixed(2)} s`,
    connections: t?.connections ?? '?',
    'exec ch/host': t ? (t.execChannels / hosts).toFixed(1) : '?',
    'sftp/host': t ? `${(t.sftpSessions / hosts).toFixed(1)} (${(t.sftpOps / hosts).toFixed(0)} requests)` : '?',
    'round trips/task': t ? (t.roundTrips / hosts / tasks).toFixed(2) : '?',
    changed: sum,
    'peak RSS': fmtMb(m.maxRssKb),
    load: loadAverage().toFixed(1),
  };
}

const RESET = `- hosts: all
  gather_facts: false
  tasks:
    - file: { path: /opt/bench, state: absent }
`;

const RUNS = [['no-op', 'noop.yml'], ['facts', 'facts.yml'], ['facts (min)', 'facts-min.yml'], ['10 tasks, 1st', 'ten.yml'], ['10 tasks, 2nd', 'ten.yml']] as const;

/** The run whose wall time is the median (the lower middle one for an even count). */
function medianRun(ms: CliMeasure[]): CliMeasure {
  return [...ms].sort((a, b) => a.wallMs - b.wallMs)[Math.floor((ms.length - 1) / 2)]!;
}

async function runSize(size: number, dir: string, forks: string, reps: number, rows: Row[]): Promise<void> {
  let lab: BenchLab | undefined;
  try {
    lab = await benchLab({ name: `bench-ssh-${size}`, servers: 1, clients: size - 1 });
    console.log(`\nlab of ${lab.hosts} hosts up in ${fmtMs(lab.upMs)}`);
    const inv = path.relative(repoRoot(), lab.inventory);
    const runs: CliMeasure[][] = RUNS.map(() => []);
    for (let rep = 0; rep < reps; rep++) {
      if (rep > 0) {
        // back to a fresh host for the next first run (not timed)
        const reset = await measureCli(['run', path.join(dir, 'reset.yml'), '-i', inv, '--forks', forks]);
        if (reset.code !== 0) throw new Error(`resetting the lab failed (exit ${reset.code})`);
        settle();
      }
      for (const [i, [what, file]] of RUNS.entries()) {
        const m = await measureCli(['run', path.join(dir, file), '-i', inv, '--forks', forks]);
        runs[i]!.push(m);
        console.log(markdownTable([row(lab.hosts, what, m, file === 'ten.yml' ? 10 : 1)]).split('\n').slice(2).join('\n'));
        if (m.code !== 0) process.stderr.write(`  exit ${m.code}: ${(m.stderr || m.stdout).split('\n').slice(-8).join('\n  ')}\n`);
      }
    }
    for (const [i, [what, file]] of RUNS.entries()) {
      const ms = runs[i]!;
      const r = row(lab.hosts, what, medianRun(ms), file === 'ten.yml' ? 10 : 1);
      if (reps > 1) {
        const walls = ms.map((m) => m.wallMs);
        r.wall = `${fmtMs(medianRun(ms).wallMs)} (${fmtMs(Math.min(...walls))}–${fmtMs(Math.max(...walls))})`;
      }
      rows.push(r);
    }
  } finally {
    await lab?.down();
  }
}

async function main(): Promise<void> {
  checkArgs(`Usage: npm run bench:ssh [-- --sizes 4,16,64,200 --forks 200 --reps 1 --no-append]`, ['sizes', 'forks', 'reps', 'no-append']);
  requireLab();
  const sizes = (arg('sizes') ?? '4,16,64,200').split(',').map(Number);
  const bad = sizes.filter((n) => !Number.isInteger(n) || n < 2);
  if (bad.length > 0) throw new Error(`--sizes: whole numbers of at least 2 (got ${bad.join(', ')})`);
  const forks = arg('forks') ?? '200';
  const reps = Number(arg('reps') ?? '1');
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps: a whole number of at least 1 (got ${arg('reps')})`);
  const dir = writePlaybooks();
  const rows: Row[] = [];
  try {
    for (const size of sizes) await runSize(size, dir, forks, reps, rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n${markdownTable(rows)}`);
  if (!process.argv.includes('--no-append')) {
    const file = path.join(repoRoot(), 'bench', 'results-ssh.md');
    appendResults(file, `bench:ssh: --forks ${forks}${reps > 1 ? ` --reps ${reps}` : ''}`, rows, [
      `${reps > 1 ? `wall: median of ${reps} runs (fastest–slowest), the other columns from the median run; the hosts' files are removed between repetitions. ` : ''}wall: CLI start to exit, including node start-up and connecting; cpu and peak RSS: the control-side process (time -v); load: 1-minute load average of the machine after the run (other work shares the 2 cores).`,
    ]);
    console.log(`appended to ${path.relative(process.cwd(), file)}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:ssh: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
