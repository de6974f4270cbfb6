/**
 * cron: a job or variable in a user's crontab (crontab -l / crontab -) or in a cron file, marked
 * `#Ansible: NAME` exactly as Ansible's cron module writes it, with its diff (before/after).
 */
import { posix } from 'node:path';
import { shellQuote } from '../connection/connection.js';
import { cronJobLine, envNames, findEnv, findJob, jobNames, readUserCrontab, render, splitlines, updateEnv, updateJob } from './lib/crontab.js';
import { sh, why } from './lib/sh.js';
import type { ArgsOf, ModuleContext, Plan } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

const ARGS = {
  name: { type: 'str', required: true, description: 'Description of the job (the `#Ansible: NAME` marker), or the variable name with env.' },
  user: { type: 'str', description: 'Whose crontab (crontab -u); with cron_file, the user the job runs as.' },
  job: { type: 'str', aliases: ['value'], description: 'The command (or the variable\'s value with env); required with state present.' },
  cron_file: { type: 'path', description: 'A file under /etc/cron.d (or an absolute path) instead of the user\'s crontab; removed when its last job is.' },
  state: { type: 'str', default: 'present', choices: ['present', 'absent'], description: 'Whether the job or variable should exist.' },
  backup: { type: 'bool', default: false, description: 'Not supported: refused.' },
  minute: { type: 'str', default: '*', description: 'Minute field.' },
  hour: { type: 'str', default: '*', description: 'Hour field.' },
  day: { type: 'str', default: '*', aliases: ['dom'], description: 'Day of month field.' },
  month: { type: 'str', default: '*', description: 'Month field.' },
  weekday: { type: 'str', default: '*', aliases: ['dow'], description: 'Day of week field.' },
  special_time: { type: 'str', choices: ['reboot', 'yearly', 'annually', 'monthly', 'weekly', 'daily', 'hourly'], description: '@reboot, @daily, ... instead of the time fields.' },
  disabled: { type: 'bool', default: false, description: 'Write the job commented out.' },
  env: { type: 'bool', default: false, description: 'Manage a variable (NAME="job") instead of a job.' },
  insertafter: { type: 'str', description: 'With env: put a new variable after this one.' },
  insertbefore: { type: 'str', description: 'With env: put a new variable before this one.' },
} as const;

type CronArgs = ArgsOf<typeof ARGS>;

interface CronState {
  existing: string;
  lines: string[];
  fileExists: boolean;
  fileMode?: number;
}

type CronChange =
  | { kind: 'write'; content: string; file?: string; mode: number; user?: string }
  | { kind: 'remove-file'; file: string };

function cronFile(a: CronArgs): string | undefined {
  if (!a.cron_file) return undefined;
  return a.cron_file.startsWith('/') ? a.cron_file : posix.join('/etc/cron.d', a.cron_file);
}

/** crontab [-u USER] ARGS, -u only when USER is not who runs it (as _read_user_execute). */
function crontabCmd(user: string | undefined, rest: string): string {
  if (!user) return `crontab ${rest}`;
  const u = shellQuote(user);
  return `if [ "$(id -un)" = ${u} ]; then crontab ${rest}; else crontab -u ${u} ${rest}; fi`;
}

function header(a: CronArgs): string {
  return cronFile(a) ?? (a.user ? `crontab for user "${a.user}"` : 'crontab');
}

async function read(ctx: ModuleContext, a: CronArgs): Promise<CronState> {
  const file = cronFile(a);
  if (file) {
    const st = await ctx.connection.stat(file);
    if (!st.exists) return { existing: '', lines: [], fileExists: false };
    const text = (await ctx.connection.readFile(file)).toString('utf8');
    return { existing: text, lines: splitlines(text), fileExists: true, ...(st.mode !== undefined ? { fileMode: st.mode } : {}) };
  }
  const r = await sh(ctx, crontabCmd(a.user, '-l'));
  if (r.rc !== 0 && r.rc !== 1) throw new ModuleFailure(`cron(${a.name}): Unable to read crontab: ${why(r)}`);
  return { ...readUserCrontab(r.stdout), fileExists: false };
}

function decide(st: CronState, a: CronArgs): { lines: string[]; changed: boolean; removeFile?: boolean } {
  let lines = [...st.lines];
  let changed = false;
  const install = a.state === 'present';
  if (a.env) {
    const decl = `${a.name}="${a.job}"`;
    const old = findEnv(lines, a.name);
    if (install) {
      if (old.length === 0) {
        const other = a.insertafter ?? a.insertbefore;
        if (!other) lines.unshift(decl);
        else {
          const o = findEnv(lines, other);
          if (o.length === 0) throw new ModuleFailure(`Variable named '${other}' not found.`);
          lines.splice(a.insertafter ? o[0] + 1 : o[0], 0, decl);
        }
        changed = true;
      } else if (old[1] !== decl) ((lines = updateEnv(lines, a.name, decl)), (changed = true));
    } else if (old.length) ((lines = updateEnv(lines, a.name, undefined)), (changed = true));
  } else if (install) {
    const job = cronJobLine({ ...a, cron_file: cronFile(a) }, a.job!);
    const old = findJob(lines, a.name, job);
    if (old.length === 0) (lines.push(`#Ansible: ${a.name}`, job), (changed = true));
    if ((old.length > 0 && old[1] !== job) || old.length > 2) ((lines = updateJob(lines, a.name, job)), (changed = true));
  } else if (findJob(lines, a.name).length) {
    lines = updateJob(lines, a.name, undefined);
    changed = true;
    if (cronFile(a) && !lines.some((l) => l.trim())) return { lines, changed: st.fileExists, removeFile: true };
  }
  if (!changed && st.existing !== '' && !/[\r\n]$/.test(st.existing)) changed = true;
  return { lines, changed };
}

export const cron = defineModule({
  name: 'cron',
  target: 'remote',
  checkMode: 'full',
  description: 'Manage cron jobs and variables in a user\'s crontab or a cron.d file, with Ansible\'s `#Ansible: NAME` markers, as ansible.builtin.cron.',
  args: ARGS,
  mutuallyExclusive: [['insertafter', 'insertbefore']],
  validate(a) {
    const p: string[] = [];
    if (a.cron_file === '/etc/crontab') p.push('Will not manage /etc/crontab via cron_file, see documentation.');
    if (a.special_time && [a.minute, a.hour, a.day, a.month, a.weekday].some((x) => x !== '*')) p.push('You must specify time and date fields or special time.');
    if (a.state === 'present') {
      if (a.cron_file && !a.user) p.push('To use cron_file=... parameter you must specify user=... as well');
      if (a.job === undefined) p.push("You must specify 'job' to install a new cron job or variable");
      if ((a.insertafter || a.insertbefore) && !a.env) p.push('Insertafter and insertbefore parameters are valid only with env=yes');
    }
    if (a.env && a.name.includes(' ')) p.push('Invalid name for environment variable');
    if (a.backup) p.push('backup is not supported');
    return p;
  },
  check: read,
  plan(st, a): Plan<CronChange> {
    const d = decide(st, a);
    const file = cronFile(a);
    const base = { jobs: jobNames(d.lines), envs: envNames(d.lines), ...(a.cron_file ? { cron_file: a.cron_file } : {}) };
    if (d.removeFile) {
      const data = { cron_file: a.cron_file, state: a.state };
      if (!d.changed) return { ok: true, reason: `${file} already absent`, data };
      return { change: { kind: 'remove-file', file: file! }, summary: `remove ${file} (no job left)`, diff: [{ path: file!, before: st.existing, after: '' }], data };
    }
    if (!d.changed) return { ok: true, reason: `${a.env ? 'variable' : 'job'} ${a.name} ${a.state === 'present' ? 'already in' : 'not in'} ${header(a)}`, data: base };
    const content = render(d.lines);
    return {
      change: { kind: 'write', content, ...(file ? { file } : {}), mode: st.fileMode ?? 0o644, ...(a.user ? { user: a.user } : {}) },
      summary: `${a.state === 'present' ? 'set' : 'remove'} ${a.env ? 'variable' : 'job'} ${a.name} in ${header(a)}`,
      diff: [{ path: header(a), before: st.existing, after: content }],
      data: base,
    };
  },
  async apply(ctx, c) {
    if (c.kind === 'remove-file') return void (await ctx.connection.remove(c.file));
    if (c.file) return void (await ctx.connection.writeFile(c.file, c.content, { mode: c.mode }));
    const r = await sh(ctx, crontabCmd(c.user, '-'), c.content);
    if (r.rc !== 0) throw new ModuleFailure(r.stderr.trim() || `crontab failed (rc ${r.rc})`);
  },
});
