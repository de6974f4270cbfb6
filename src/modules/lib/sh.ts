/** Commands on the host for the system modules (user, group, cron, sysctl, ...): argv quoting and one run with the task's become. */
import { shellQuote, type ExecResult } from '../../connection/connection.js';
import type { ModuleContext } from '../types.js';

/** An argv as one shell command line, every word quoted. */
export function argv(words: readonly (string | number)[]): string {
  return words.map((w) => shellQuote(String(w))).join(' ');
}

/** Run a script through the host's shell with the task's become and environment. */
export function sh(ctx: ModuleContext, script: string, stdin?: string): Promise<ExecResult> {
  return ctx.connection.exec(script, {
    ...(ctx.become ? { become: ctx.become } : {}),
    ...(stdin !== undefined ? { stdin } : {}),
    ...(ctx.environment && Object.keys(ctx.environment).length > 0 ? { env: ctx.environment } : {}),
  });
}

/** Sections of a script's output, each started by a line `@@NAME`: NAME → its text. */
export function sections(out: string): Map<string, string> {
  const m = new Map<string, string>();
  let cur: string | undefined;
  let buf: string[] = [];
  for (const line of out.split('\n')) {
    const h = /^@@(\w+)$/.exec(line);
    if (h) {
      if (cur !== undefined) m.set(cur, buf.join('\n'));
      cur = h[1]!;
      buf = [];
    } else if (cur !== undefined) buf.push(line);
  }
  if (cur !== undefined) m.set(cur, buf.join('\n').replace(/\n$/, ''));
  return m;
}

/** The trimmed output of a failed command, for a message. */
export function why(r: ExecResult): string {
  return (r.stderr.trim() || r.stdout.trim() || `rc ${r.rc}`).split('\n').slice(-5).join('; ');
}
