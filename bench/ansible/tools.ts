/**
 * The three contenders of bench:ansible and how each one is started: orchestrate, Ansible with its
 * defaults, and Ansible tuned (pipelining, long ControlPersist, no compression, a fixed Python).
 * All get the same inventory, forks and extra vars, and verify host keys.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { RunSpec } from './measure.js';

export type ToolName = 'orchestrate' | 'ansible' | 'ansible-tuned';
export const TOOLS: ToolName[] = ['orchestrate', 'ansible', 'ansible-tuned'];

export interface ToolContext {
  root: string;
  inventory: string;
  forks: number;
  /** A per-lab scratch directory (Ansible's control sockets and local temp). */
  scratch: string;
  timeoutS: number;
}

const VARS = 'bench/ansible/vars.yml';

export function controlDir(ctx: ToolContext, tool: ToolName): string {
  return path.join(ctx.scratch, `cp-${tool}`);
}

function ansibleEnv(ctx: ToolContext, tool: ToolName): Record<string, string> {
  const cp = controlDir(ctx, tool);
  mkdirSync(cp, { recursive: true });
  const env: Record<string, string> = {
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_LOCAL_TEMP: path.join(ctx.scratch, 'ansible-tmp'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: cp,
    ANSIBLE_CONFIG: path.join(ctx.root, 'bench/ansible/ansible.cfg'),
  };
  if (tool === 'ansible-tuned') {
    env['ANSIBLE_PIPELINING'] = 'True';
    env['ANSIBLE_SSH_ARGS'] = '-o ControlMaster=auto -o ControlPersist=600s';
    env['ANSIBLE_PYTHON_INTERPRETER'] = '/usr/bin/python3';
  }
  return env;
}

/** The command line for one run of `playbook` by `tool`. */
export function runSpec(ctx: ToolContext, tool: ToolName, playbook: string, statsFile?: string): RunSpec {
  const common = ['-i', ctx.inventory, '-f', String(ctx.forks), '-e', `@${VARS}`, playbook];
  if (tool === 'orchestrate') {
    return {
      argv: [process.execPath, path.join(ctx.root, 'bin/orchestrate.js'), 'run', ...common],
      cwd: ctx.root,
      env: { CI: 'true', NO_COLOR: '1', ...(statsFile ? { ORCHESTRATE_STATS_FILE: statsFile } : {}) },
      timeoutS: ctx.timeoutS,
      ...(statsFile ? { statsFile } : {}),
    };
  }
  return { argv: ['ansible-playbook', ...common], cwd: ctx.root, env: ansibleEnv(ctx, tool), timeoutS: ctx.timeoutS };
}

/**
 * Ends the ControlPersist masters of one Ansible variant (`ssh -O exit` per socket), so that a
 * first run starts without connections left by the previous repetition.
 */
export function closeMasters(ctx: ToolContext, tool: ToolName): void {
  const dir = controlDir(ctx, tool);
  if (!existsSync(dir)) return;
  for (const sock of readdirSync(dir)) {
    spawnSync('ssh', ['-o', `ControlPath=${path.join(dir, sock)}`, '-O', 'exit', 'bench-host'], { stdio: 'ignore', timeout: 5000 });
  }
  rmSync(dir, { recursive: true, force: true });
}

/** ansible-core from Debian when ansible-playbook is missing. */
export function ensureAnsible(): string {
  const have = (): boolean => spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!have()) {
    process.stderr.write('ansible-playbook not found: installing Debian\'s ansible-core\n');
    spawnSync('apt-get', ['update'], { stdio: 'inherit' });
    spawnSync('apt-get', ['install', '-y', 'ansible-core'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (!have()) throw new Error('ansible-playbook is still missing after apt-get install ansible-core');
  }
  return firstLine(spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' }).stdout);
}

export function firstLine(s: string | null | undefined): string {
  return (s ?? '').split('\n')[0]?.trim() ?? '';
}
