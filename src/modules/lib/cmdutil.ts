/** Shared by command, shell and raw: creates/removes gating, the command to run, and its registered result. */
import type { ExecOptions, ExecResult } from '../../connection/connection.js';
import type { ModuleContext, Plan, Registered } from '../types.js';
import { ModuleFailure } from '../types.js';

export type Gate = { creates?: string; removes?: string };
export type GateState = { createsExists?: boolean; removesExists?: boolean };

/** The change of command, shell and raw: one script to run, as decided by plan(). */
export interface CommandRun {
  script: string;
  /** What is registered as `cmd` (argv for command, the line for shell and raw). */
  cmd: unknown;
  opts: ExecOptions;
}

/** The stdin argument as sent (stdin_add_newline). */
export function stdinOf(args: { stdin?: string; stdin_add_newline: boolean }): string | undefined {
  if (args.stdin === undefined) return undefined;
  return args.stdin_add_newline && !args.stdin.endsWith('\n') ? `${args.stdin}\n` : args.stdin;
}

/** cwd and stdin for a run, when given. */
export function runOptions(chdir: string | undefined, stdin: string | undefined): ExecOptions {
  return { ...(chdir ? { cwd: chdir } : {}), ...(stdin !== undefined ? { stdin } : {}) };
}

/** One stat per given path (SFTP on ssh hosts, no process spawn). */
export async function checkGate(ctx: ModuleContext, args: Gate, chdir?: string): Promise<GateState> {
  const abs = (p: string): string => (p.startsWith('/') || !chdir ? p : `${chdir.replace(/\/$/, '')}/${p}`);
  const st: GateState = {};
  if (args.creates !== undefined) st.createsExists = (await ctx.connection.stat(abs(args.creates))).exists;
  if (args.removes !== undefined) st.removesExists = (await ctx.connection.stat(abs(args.removes))).exists;
  return st;
}

/** Ansible's wording: "Did not run command since '/x' exists". */
export function gatePlan(st: GateState, args: Gate, label: string, run: CommandRun): Plan<CommandRun> {
  if (st.createsExists === true) return { ok: true, reason: `did not run command since '${args.creates}' exists`, data: { rc: 0, stdout: `skipped, since ${args.creates} exists`, cmd: label } };
  if (st.removesExists === false) return { ok: true, reason: `did not run command since '${args.removes}' does not exist`, data: { rc: 0, stdout: `skipped, since ${args.removes} does not exist`, cmd: label } };
  return { change: run, summary: `run: ${label}` };
}

function lines(s: string): string[] {
  return s === '' ? [] : s.split('\n');
}

function stripEnd(s: string): string {
  return s.replace(/\r?\n$/, '');
}

function formatDelta(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = ((ms % 60_000) / 1000).toFixed(6).padStart(9, '0');
  return `${h}:${String(m).padStart(2, '0')}:${s}`;
}

/** Run and register rc/stdout/stderr/stdout_lines/stderr_lines/cmd/start/end/delta; rc != 0 fails. */
export async function runCommand(ctx: ModuleContext, run: CommandRun): Promise<Registered> {
  const start = new Date(ctx.clock.now());
  const execOpts: ExecOptions = { ...run.opts };
  if (ctx.environment && Object.keys(ctx.environment).length > 0) execOpts.env = { ...ctx.environment, ...run.opts.env };
  if (ctx.become && execOpts.become === undefined) execOpts.become = ctx.become;
  const res: ExecResult = await ctx.connection.exec(run.script, execOpts);
  const end = new Date(ctx.clock.now());
  const stdout = stripEnd(res.stdout);
  const stderr = stripEnd(res.stderr);
  const data: Registered = {
    rc: res.rc,
    stdout,
    stderr,
    stdout_lines: lines(stdout),
    stderr_lines: lines(stderr),
    cmd: run.cmd,
    start: start.toISOString(),
    end: end.toISOString(),
    delta: formatDelta(end.getTime() - start.getTime()),
  };
  if (res.signal) data['signal'] = res.signal;
  // as Ansible's command module: a command that ran is changed, whatever its status
  if (res.rc !== 0) throw new ModuleFailure('non-zero return code', { ...data, changed: true });
  return { ...data, msg: '' };
}
