/**
 * sysctl (ansible.posix.sysctl): a kernel parameter in a sysctl file (default /etc/sysctl.conf),
 * the file reloaded with `sysctl -p FILE` and optionally the running value set with `sysctl -w`,
 * deciding as the collection's SysctlModule does (file value, then running value).
 */
import { shellQuote } from '../connection/connection.js';
import { argv, sections, sh, why } from './lib/sh.js';
import type { ArgsOf, Plan } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

const ARGS = {
  name: { type: 'str', required: true, aliases: ['key'], description: 'The parameter, e.g. net.ipv4.ip_forward.' },
  value: { type: 'str', aliases: ['val'], description: 'Its value; yes/no/true/false become 1/0. Required with state present.' },
  state: { type: 'str', default: 'present', choices: ['present', 'absent'], description: 'Whether the entry should be in the file.' },
  reload: { type: 'bool', default: true, description: 'Run `sysctl -p FILE` after a change (every key of the file is applied).' },
  sysctl_set: { type: 'bool', default: false, description: 'Also compare the running value and set it with `sysctl -w`.' },
  ignoreerrors: { type: 'bool', default: false, description: 'Ignore unknown keys (sysctl -e).' },
  sysctl_file: { type: 'path', default: '/etc/sysctl.conf', description: 'The file to edit.' },
} as const;

type SysctlArgs = ArgsOf<typeof ARGS>;

const TRUE = ['y', 'yes', 'on', '1', 'true', 't'];
const FALSE = ['n', 'no', 'off', '0', 'false', 'f'];

/** _parse_value: booleans as 1/0, otherwise stripped. */
export function parseValue(v: string | undefined): string {
  if (v === undefined) return '';
  if (TRUE.includes(v.toLowerCase())) return '1';
  if (FALSE.includes(v.toLowerCase())) return '0';
  return v.trim();
}

/** Python's str.strip() whitespace. */
const strip = (s: string): string => s.replace(/^\s+|\s+$/g, '');

interface SysctlState {
  proc?: string;
  fileLines: string[];
}

/** read_sysctl_file + fix_lines: the file's values and its lines rewritten with this key set (or removed). */
export function fixLines(lines: string[], name: string, value: string, state: string): { fileValue?: string; fixed: string[] } {
  const values = new Map<string, string>();
  const fixed: string[] = [];
  const checked = new Set<string>();
  for (const raw of lines) {
    const line = strip(raw);
    if (!line || line.startsWith('#') || line.startsWith(';') || !line.includes('=')) {
      fixed.push(line);
      continue;
    }
    const i = line.indexOf('=');
    const k = strip(line.slice(0, i));
    const v = strip(line.slice(i + 1));
    values.set(k, v);
    if (checked.has(k)) continue;
    checked.add(k);
    if (k === name) {
      if (state === 'present') fixed.push(`${k}=${value}`);
    } else fixed.push(`${k}=${v}`);
  }
  if (!checked.has(name) && state === 'present') fixed.push(`${name}=${value}`);
  const fileValue = values.get(name);
  return { ...(fileValue !== undefined ? { fileValue } : {}), fixed };
}

const same = (a: string | undefined, b: string): boolean => a !== undefined && a.split(/\s+/).filter(Boolean).join(' ') === b.split(/\s+/).filter(Boolean).join(' ');

interface SysctlChange {
  name: string;
  setProc?: string;
  write?: { file: string; content: string };
  reload?: string;
  ignoreerrors: boolean;
}

const FAILED = /^sysctl: setting key "[^"]+": (Invalid argument|Read-only file system)$/m;

export function planSysctl(st: SysctlState, a: SysctlArgs): Plan<SysctlChange> {
  const name = strip(a.name);
  const value = parseValue(a.value);
  const { fileValue, fixed } = fixLines(st.fileLines, name, value, a.state);
  let changed = false;
  let write = false;
  let setProc = false;
  const why: string[] = [];
  if (fileValue === undefined) {
    if (a.state === 'present') (changed = true), (write = true), why.push(`add ${name}=${value} to ${a.sysctl_file}`);
  } else if (fileValue !== '' && a.state === 'absent') (changed = true), (write = true), why.push(`remove ${name} from ${a.sysctl_file}`);
  else if (fileValue !== value) (changed = true), (write = true), why.push(`${name}: ${fileValue} → ${value} in ${a.sysctl_file}`);
  else if (a.reload && !same(st.proc, value)) (changed = true), why.push(`running ${name} is ${st.proc?.trim() ?? 'unknown'}, reload`);
  if (a.sysctl_set && a.state === 'present') {
    if (st.proc === undefined) (changed = true), why.push(`${name} has no running value`);
    else if (!same(st.proc, value)) (changed = true), (setProc = true), why.push(`set running ${name} to ${value}`);
  }
  if (!changed) return { ok: true, reason: a.state === 'present' ? `${name}=${value} in ${a.sysctl_file}${a.sysctl_set || a.reload ? ' and running' : ''}` : `${name} not in ${a.sysctl_file}` };
  const content = fixed.map((l) => `${strip(l)}\n`).join('');
  const before = st.fileLines.map((l) => `${strip(l)}\n`).join('');
  return {
    change: {
      name,
      ...(setProc ? { setProc: value } : {}),
      ...(write ? { write: { file: a.sysctl_file, content } } : {}),
      ...(a.reload ? { reload: a.sysctl_file } : {}),
      ignoreerrors: a.ignoreerrors,
    },
    summary: why.join(', '),
    ...(write ? { diff: [{ path: a.sysctl_file, before, after: content }] } : {}),
  };
}

export const sysctl = defineModule({
  name: 'sysctl',
  aliases: ['ansible.posix.sysctl'],
  target: 'remote',
  checkMode: 'full',
  description: 'Set a kernel parameter in a sysctl file and reload it (optionally set the running value), as ansible.posix.sysctl.',
  args: ARGS,
  validate(a) {
    const p: string[] = [];
    if (strip(a.name) === '') p.push('name cannot be blank');
    if (a.state === 'present' && a.value === undefined) p.push('state is present but all of the following are missing: value');
    if (a.state === 'present' && a.value === '') p.push('value cannot be blank');
    return p;
  },
  async check(ctx, a): Promise<SysctlState> {
    const r = await sh(ctx, `echo @@v; if LANG=C LC_ALL=C sysctl -e -n ${shellQuote(strip(a.name))} 2>/dev/null; then echo @@ok; fi; echo @@end`);
    if (!r.stdout.includes('@@end')) throw new ModuleFailure(`sysctl(${a.name}): ${why(r)}`);
    const s = sections(r.stdout);
    const proc = s.has('ok') ? `${s.get('v') ?? ''}\n` : undefined;
    // the file is read whole (a last line without its newline stays as it is)
    const st = await ctx.connection.stat(a.sysctl_file);
    let text = '';
    if (st.exists && st.kind === 'file') {
      try {
        text = (await ctx.connection.readFile(a.sysctl_file)).toString('utf8');
      } catch (e) {
        throw new ModuleFailure(`Failed to open ${a.sysctl_file}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return { ...(proc !== undefined ? { proc } : {}), fileLines: lines };
  },
  plan: planSysctl,
  async apply(ctx, c) {
    const e = c.ignoreerrors ? ['-e'] : [];
    if (c.setProc !== undefined) {
      // Ansible quotes the value and run_command's shlex split takes the quotes off again: one argument NAME=VALUE
      const r = await sh(ctx, `LANG=C LC_ALL=C ${argv(['sysctl', ...e, '-w', `${c.name}=${c.setProc}`])}`);
      if (r.rc !== 0 || FAILED.test(r.stderr)) throw new ModuleFailure(`setting ${c.name} failed: ${r.stdout}${r.stderr}`);
    }
    if (c.write) {
      const st = await ctx.connection.stat(c.write.file);
      await ctx.connection.writeFile(c.write.file, c.write.content, { mode: st.exists && st.mode !== undefined ? st.mode : 0o644, existing: st });
    }
    if (c.reload) {
      const r = await sh(ctx, `LANG=C LC_ALL=C ${argv(['sysctl', ...e, '-p', c.reload])}`);
      if (r.rc !== 0 || FAILED.test(r.stderr)) throw new ModuleFailure(`Failed to reload sysctl: ${r.stdout}${r.stderr}`);
    }
  },
});
