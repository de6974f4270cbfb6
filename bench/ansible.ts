/**
 * orchestrate vs Ansible on the same lab fleet: the node side of playbooks/mtls.yml
 * (bench/ansible/node-side.yml, run unchanged by both tools) and a one-task no-op.
 *
 *   npm run bench:ansible [-- --sizes 4,16,64,200 --reps 3 --tools orchestrate,ansible,ansible-tuned
 *                            --ansible-max-hosts 200 --cell-budget 900 --merge --out bench/results.md]
 *
 * Per size: a lab with --no-provision (the reset playbook installs a shell systemctl stub), then per
 * repetition and tool in turn: reset the hosts, first run (everything changes), immediate second
 * run (nothing changes), no-op run. Forks min(N, 50); host keys verified by both tools.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { benchLab, requireLab } from './lib/lab.js';
import { repoRoot } from './lib/measure.js';
import { measureRun, type RunMeasure } from './ansible/measure.js';
import { keep, readCells, writeResults, type Cell } from './ansible/report.js';
import { closeMasters, ensureAnsible, firstLine, runSpec, TOOLS, type ToolContext, type ToolName } from './ansible/tools.js';
import { checkArgs } from './lib/args.js';

const PLAY = 'bench/ansible/node-side.yml';
const NOOP = 'bench/ansible/noop.yml';
const RESET = 'bench/ansible/reset.yml';

checkArgs(`Usage: npm run bench:ansible [-- --sizes 4,16,64,200 --reps 3 --tools orchestrate,ansible,ansible-tuned
                         --ansible-max-hosts 200 --cell-budget 900 --merge --out bench/results.md]`, ['sizes', 'reps', 'tools', 'ansible-max-hosts', 'cell-budget', 'merge', 'out']);

function opt(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? def) : def;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

const SIZES = opt('sizes', '4,16,64,200').split(',').map(Number);
const REPS = Number(opt('reps', '3'));
const WANT = opt('tools', TOOLS.join(',')).split(',') as ToolName[];
const ANSIBLE_MAX = Number(opt('ansible-max-hosts', '200'));
const BUDGET_S = Number(opt('cell-budget', '900'));
const OUT = opt('out', 'bench/results.md');

const log = (s: string): void => void process.stderr.write(`${s}\n`);

function check(tool: ToolName, what: string, m: RunMeasure, hosts: number, wantChanged: boolean): string | undefined {
  const r = m.recap;
  let bad = '';
  if (m.code !== 0) bad = `exit code ${m.code}`;
  else if (r.hosts !== hosts) bad = `recap lists ${r.hosts} of ${hosts} hosts`;
  else if (r.failed + r.unreachable > 0) bad = `${r.failed} failed, ${r.unreachable} unreachable`;
  else if (wantChanged ? r.changed === 0 : r.changed !== 0) bad = `changed=${r.changed} (expected ${wantChanged ? 'changes' : 'none'})`;
  if (!bad) return undefined;
  log(`  ${tool} ${what}: ${bad}\n${m.output.split('\n').slice(-25).join('\n')}`);
  return `${what}: ${bad}`;
}

async function reset(ctx: ToolContext): Promise<void> {
  const m = await measureRun(runSpec({ ...ctx, forks: 50 }, 'orchestrate', RESET));
  if (m.code !== 0 || m.recap.failed + m.recap.unreachable > 0) throw new Error(`reset failed:\n${m.output.slice(-2000)}`);
}

async function runCell(ctx: ToolContext, cell: Cell, spent: Map<ToolName, number>): Promise<void> {
  const tool = cell.tool;
  await reset(ctx);
  if (tool !== 'orchestrate') closeMasters(ctx, tool);
  const statsFile = (k: string): string => path.join(ctx.scratch, `stats-${tool}-${k}.json`);
  const first = await measureRun(runSpec(ctx, tool, PLAY, statsFile('first')));
  const second = await measureRun(runSpec(ctx, tool, PLAY, statsFile('second')));
  const noop = await measureRun(runSpec(ctx, tool, NOOP, statsFile('noop')));
  for (const p of [check(tool, 'first run', first, cell.hosts, true), check(tool, 'second run', second, cell.hosts, false), check(tool, 'no-op', noop, cell.hosts, false)]) {
    if (p) cell.problems.push(p);
  }
  cell.reps.push({ first: keep(first), second: keep(second), noop: keep(noop) });
  spent.set(tool, (spent.get(tool) ?? 0) + first.wallS + second.wallS + noop.wallS);
  log(`  ${tool.padEnd(13)} first ${first.wallS.toFixed(2)} s, second ${second.wallS.toFixed(2)} s, no-op ${noop.wallS.toFixed(2)} s, cpu ${first.cpuS.toFixed(1)} s, pss ${first.treePssMb.toFixed(0)} MiB`);
}

async function size(n: number, root: string): Promise<Cell[]> {
  const servers = n <= 4 ? 1 : 3;
  const forks = Math.min(n, 50);
  log(`\n== ${n} hosts (${servers} servers), forks ${forks}`);
  const lab = await benchLab({ name: `bench-ansible-${n}`, servers, clients: n - servers, provision: false });
  const scratch = mkdtempSync(path.join(os.tmpdir(), `bench-ansible-${n}-`));
  mkdirSync(path.join(scratch, 'ansible-tmp'));
  const ctx: ToolContext = { root, inventory: path.relative(root, lab.inventory), forks, scratch, timeoutS: 3600 };
  const tools = WANT.filter((t) => t === 'orchestrate' || n <= ANSIBLE_MAX);
  const cells = tools.map((tool): Cell => ({ hosts: n, servers, tool, forks, reps: [], problems: [] }));
  const spent = new Map<ToolName, number>();
  try {
    for (let rep = 1; rep <= REPS; rep++) {
      log(` rep ${rep}/${REPS}`);
      for (const cell of cells) {
        const done = cell.reps.length;
        const used = spent.get(cell.tool) ?? 0;
        if (done > 0 && used + used / done > BUDGET_S) continue; // another repetition would overrun the cell's budget
        await runCell(ctx, cell, spent);
      }
    }
  } finally {
    for (const t of tools) if (t !== 'orchestrate') closeMasters(ctx, t);
    rmSync(scratch, { recursive: true, force: true });
    await lab.down();
  }
  return cells;
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}; ` +
    `the lab's sshd hosts share the cores with the control side; load average at the start ${os.loadavg().map((l) => l.toFixed(1)).join('/')}`;
}

async function main(): Promise<void> {
  requireLab();
  const root = repoRoot();
  process.chdir(root);
  const ansible = WANT.some((t) => t !== 'orchestrate') ? ensureAnsible() : 'not run';
  const git = firstLine(spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout);
  const sshV = spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr;
  const kept = flag('merge') ? readCells(OUT).filter((c) => !SIZES.includes(c.hosts)) : [];
  const cells = [...kept];
  for (const n of SIZES) {
    cells.push(...(await size(n, root)));
    cells.sort((a, b) => a.hosts - b.hosts || TOOLS.indexOf(a.tool) - TOOLS.indexOf(b.tool));
    writeResults(OUT, {
      machine: machine(),
      versions: [`orchestrate ${git} on Node ${process.version}`, ansible, firstLine(sshV)],
      command: `npm run bench:ansible -- ${process.argv.slice(2).join(' ')}`.trim(),
      notes: [
        `Each cell: reset the hosts (bench/ansible/reset.yml), a first run of ${PLAY} (everything changes), an immediate second run (nothing changes), and ${NOOP}; ` +
          `times are medians over the repetitions shown in "runs" (up to ${REPS}; fewer where a cell would exceed ${BUDGET_S} s). Tools alternate within each repetition.`,
        'Ansible tuned: pipelining, `ControlPersist=600s` without compression, `ansible_python_interpreter=/usr/bin/python3`. Ansible defaults: ControlPersist=60s (its default), no pipelining. ' +
          'Both verify host keys against the lab known_hosts. Lab hosts run without provisioning: a shell `systemctl` stub records reloads and restarts.',
        'CPU: user+sys of the tool and the children it waits for (`/usr/bin/time -v`); Ansible\'s ControlPersist ssh masters detach and are not counted. ' +
          'Memory: peak of the summed PSS of the process tree, sampled every 200 ms; and the largest single process\'s peak RSS.',
      ],
    }, cells);
    log(`wrote ${OUT}`);
  }
}

main().catch((e: unknown) => {
  log(`bench:ansible: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
