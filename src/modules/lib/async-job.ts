/**
 * Background jobs on a host (`async`), laid out as Ansible's async_wrapper lays them out: the job
 * file `~/.ansible_async/<jid>` holds `{"started": 1, "finished": 0, ...}` while the job runs and
 * the result once it ended (written to a temp file and renamed, never half-written). The job's
 * output goes to `<jid>.out` and `<jid>.err` beside it (there is no Python on the host to put it
 * in the JSON); async_status reads the three. A job that outlives its time limit has its whole
 * process group killed and `{"failed": 1, "msg": "Timeout exceeded"}` written, as async_wrapper.
 * Everything runs through the connection's exec (the persistent shell): the start returns at once.
 */
import { randomInt } from 'node:crypto';
import { shellQuote, type Connection, type ExecOptions } from '../../connection/connection.js';

export const ASYNC_DIR = '$HOME/.ansible_async';

/** A job id as Ansible's: `j` + digits + `.` + a pid-like number. */
export function newJobId(): string {
  return `j${randomInt(1e11, 1e12)}.${randomInt(1000, 99999)}`;
}

/** The runner ($1 = job file, $2 = time limit in seconds): runs the script, watches the clock, writes the end. */
function runnerScript(script: string, cmdJson: string): string {
  const stamp = `date '+%Y-%m-%d %H:%M:%S.%6N'`;
  return [
    'f=$1; lim=$2; jid=${f##*/}',
    `s=$(${stamp})`,
    `( ( ${script}
) >"$f.out" 2>"$f.err" </dev/null; echo $? >"$f.rc" ) &`,
    'n=0',
    'while [ ! -e "$f.rc" ]; do',
    '  if [ "$n" -ge $((lim * 10)) ]; then',
    '    printf \'{"failed": 1, "msg": "Timeout exceeded", "ansible_job_id": "%s", "results_file": "%s", "started": 1, "finished": 1}\\n\' "$jid" "$f" >"$f.tmp" && mv -f "$f.tmp" "$f"',
    '    kill -KILL 0',
    '  fi',
    '  sleep 0.1; n=$((n + 1))',
    'done',
    'rc=$(cat "$f.rc"); rm -f "$f.rc"',
    `e=$(${stamp})`,
    `printf '{"started": 1, "finished": 1, "ansible_job_id": "%s", "results_file": "%s", "rc": %s, "start": "%s", "end": "%s", "cmd": %s}\\n' "$jid" "$f" "$rc" "$s" "$e" ${shellQuote(cmdJson)} >"$f.tmp" && mv -f "$f.tmp" "$f"`,
  ].join('\n');
}

export interface StartedJob {
  jid: string;
  resultsFile: string;
}

/**
 * Start `script` in the background under its own process group (setsid), killed after `limitSec`.
 * `opts` (become, environment, cwd) apply as to any command. Resolves once the job file exists.
 */
export async function startJob(conn: Connection, script: string, cmd: unknown, limitSec: number, opts: ExecOptions = {}): Promise<StartedJob> {
  const jid = newJobId();
  const start = [
    `d=${ASYNC_DIR}; mkdir -p "$d" && chmod 700 "$d" || exit 1`,
    `f="$d/${jid}"`,
    `printf '{"started": 1, "finished": 0, "ansible_job_id": "%s", "results_file": "%s"}\\n' ${jid} "$f" >"$f" || exit 1`,
    `setsid /bin/sh -c ${shellQuote(runnerScript(script, JSON.stringify(cmd) ?? 'null'))} orchestrate-async "$f" ${Math.max(1, Math.floor(limitSec))} >/dev/null 2>&1 </dev/null &`,
    'echo "$f"',
  ].join('\n');
  const r = await conn.exec(start, { ...opts, stdin: undefined });
  if (r.rc !== 0) throw new Error(`async: could not start the job in ~/.ansible_async: ${(r.stderr || r.stdout).trim()}`);
  return { jid, resultsFile: r.stdout.trim().split('\n').pop() ?? `~/.ansible_async/${jid}` };
}

const SEP = 'ORCHESTRATE-ASYNC-SEP-7f3a';

function lines(s: string): string[] {
  return s === '' ? [] : s.split('\n');
}

function strip(s: string): string {
  return s.replace(/\r?\n$/, '');
}

function delta(start: string, end: string): string | undefined {
  const t = (s: string): number => {
    const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)\.(\d+)$/.exec(s);
    return m ? Date.parse(`${m[1]}T${m[2]}Z`) * 1000 + Number(m[3]!.padEnd(9, '0').slice(0, 6)) : NaN;
  };
  const us = t(end) - t(start);
  if (!Number.isFinite(us) || us < 0) return undefined;
  const h = Math.floor(us / 3.6e9);
  const m = Math.floor((us % 3.6e9) / 6e7);
  const sec = (us % 6e7) / 1e6;
  return `${h}:${String(m).padStart(2, '0')}:${sec.toFixed(6).padStart(9, '0')}`;
}

/** async_status mode=status: the job as Ansible's async_status returns it. */
export async function jobStatus(conn: Connection, jid: string, opts: ExecOptions = {}): Promise<Record<string, unknown>> {
  if (!/^[\w.]+$/.test(jid)) throw new Error(`async_status: "${jid}" is not a job id`);
  const script = `f=${ASYNC_DIR}/${jid}; [ -e "$f" ] || { echo MISSING; exit 0; }; echo "$f"; cat "$f"; echo ${SEP}; cat "$f.out" 2>/dev/null; echo ${SEP}; cat "$f.err" 2>/dev/null`;
  const r = await conn.exec(script, opts);
  if (r.stdout.trim() === 'MISSING') return { failed: true, msg: 'could not find job', ansible_job_id: jid, started: 1, finished: 1 };
  const [head = '', out = '', err = ''] = r.stdout.split(`${SEP}\n`);
  const [file = '', ...json] = head.split('\n');
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(json.join('\n')) as Record<string, unknown>;
  } catch {
    // just started: the file is being written
    return { ansible_job_id: jid, results_file: file, started: 1, finished: 0, stdout: '', stderr: '', stdout_lines: [], stderr_lines: [] };
  }
  const stdout = strip(out);
  const stderr = strip(err.replace(/\n$/, ''));
  const res: Record<string, unknown> = { ...data, ansible_job_id: jid, results_file: file, stdout, stderr, stdout_lines: lines(stdout), stderr_lines: lines(stderr) };
  if (data['finished'] === 1 && typeof data['rc'] === 'number') {
    const rc = data['rc'];
    const d = typeof data['start'] === 'string' && typeof data['end'] === 'string' ? delta(data['start'], data['end']) : undefined;
    if (d) res['delta'] = d;
    res['changed'] = true;
    res['failed'] = rc !== 0;
    res['msg'] = rc !== 0 ? 'non-zero return code' : '';
  }
  if (data['failed'] === 1) res['failed'] = true;
  return res;
}

/** async_status mode=cleanup: the job's files removed. */
export async function jobCleanup(conn: Connection, jid: string, opts: ExecOptions = {}): Promise<Record<string, unknown>> {
  if (!/^[\w.]+$/.test(jid)) throw new Error(`async_status: "${jid}" is not a job id`);
  const r = await conn.exec(`f=${ASYNC_DIR}/${jid}; rm -f "$f" "$f.out" "$f.err" "$f.rc" "$f.tmp"; echo "$f"`, opts);
  return { ansible_job_id: jid, erased: r.stdout.trim(), started: 0, finished: 0, stdout: '', stderr: '', stdout_lines: [], stderr_lines: [] };
}
