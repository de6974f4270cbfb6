/**
 * The parts of OpenSSH command-line arguments (ansible_ssh_common_args / _extra_args) that the
 * SSH connection honours: -J / ProxyJump, a simple `ProxyCommand ssh -W %h:%p jump`,
 * UserKnownHostsFile, StrictHostKeyChecking, -p / Port, -l / User, -i / IdentityFile,
 * ConnectTimeout. Options that only tune the ssh binary (ControlMaster, ...) are ignored.
 */
import { resolve } from 'node:path';
import { expandHome } from './ssh-config.js';

export interface SshArgs {
  proxyJump?: string;
  knownHostsFile?: string;
  hostKeyChecking?: boolean | 'accept-new';
  port?: number;
  user?: string;
  identityFiles: string[];
  connectTimeoutSec?: number;
}

/** Split a string the way a POSIX shell splits words (quotes and backslashes; no expansion). */
export function shellWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let q: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === q) q = undefined;
      else if (c === '\\' && q === '"' && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      q = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (q) throw new Error(`unterminated ${q} quote in ssh arguments`);
  if (inWord) out.push(cur);
  return out;
}

export function parseHostKeyChecking(v: string): boolean | 'accept-new' {
  const s = v.toLowerCase();
  if (s === 'accept-new') return 'accept-new';
  if (['no', 'off', 'false', '0'].includes(s)) return false;
  if (['yes', 'ask', 'true', '1', 'on'].includes(s)) return true;
  throw new Error(`StrictHostKeyChecking must be yes, no or accept-new, got "${v}"`);
}

/** Parse ssh arguments; relative file paths resolve against `cwd`. Throws on malformed values. */
export function parseSshArgs(args: string, cwd = process.cwd()): SshArgs {
  const words = shellWords(args);
  const res: SshArgs = { identityFiles: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const flag = /^-([JpliowW])(.*)$/.exec(w);
    if (!flag) continue;
    const value = flag[2] !== '' ? flag[2]! : words[++i];
    if (value === undefined) throw new Error(`ssh argument ${w} needs a value`);
    applyFlag(res, flag[1]!, value, cwd);
  }
  return res;
}

function applyFlag(res: SshArgs, flag: string, value: string, cwd: string): void {
  switch (flag) {
    case 'J': res.proxyJump = value; break;
    case 'p': res.port = parsePortValue(value); break;
    case 'l': res.user = value; break;
    case 'i': res.identityFiles.push(resolve(cwd, expandHome(value))); break;
    case 'o': applyOption(res, value, cwd); break;
    default: break;
  }
}

function applyOption(res: SshArgs, opt: string, cwd: string): void {
  const m = /^([A-Za-z]+)\s*[= ]\s*(.*)$/.exec(opt.trim());
  if (!m) throw new Error(`ssh option "-o ${opt}" is not Key=Value`);
  const key = m[1]!.toLowerCase();
  const value = m[2]!.trim();
  switch (key) {
    case 'proxyjump': if (value.toLowerCase() !== 'none') res.proxyJump = value; break;
    case 'proxycommand': res.proxyJump = proxyCommandToJump(value); break;
    case 'userknownhostsfile': res.knownHostsFile = resolve(cwd, expandHome(shellWords(value)[0] ?? value)); break;
    case 'stricthostkeychecking': res.hostKeyChecking = parseHostKeyChecking(value); break;
    case 'port': res.port = parsePortValue(value); break;
    case 'user': res.user = value; break;
    case 'identityfile': res.identityFiles.push(resolve(cwd, expandHome(value))); break;
    case 'connecttimeout': res.connectTimeoutSec = parseSeconds(value); break;
    default: break;
  }
}

/** `ssh -W %h:%p [-p P] [-l U] [user@]jump` → `user@jump:P`; anything else is refused. */
export function proxyCommandToJump(cmd: string): string {
  const w = shellWords(cmd);
  const bad = (): Error => new Error(`ProxyCommand "${cmd}" is not supported; use -J user@jump:port (ProxyJump)`);
  if (w.length === 0 || !/(^|\/)ssh$/.test(w[0]!) || !w.includes('-W')) throw bad();
  let port: number | undefined;
  let user: string | undefined;
  let dest: string | undefined;
  for (let i = 1; i < w.length; i++) {
    const a = w[i]!;
    if (a === '-W') i++;
    else if (a === '-p') port = parsePortValue(w[++i] ?? '');
    else if (a === '-l') user = w[++i];
    else if (a === '-o' || a === '-i' || a === '-F') i++;
    else if (a.startsWith('-')) continue;
    else dest = a;
  }
  if (!dest) throw bad();
  const withUser = user && !dest.includes('@') ? `${user}@${dest}` : dest;
  return port ? `${withUser}:${port}` : withUser;
}

export function parsePortValue(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 65535) throw new Error(`"${v}" is not a port number`);
  return n;
}

function parseSeconds(v: string): number {
  if (!/^\d+$/.test(v)) throw new Error(`ConnectTimeout "${v}" is not a number of seconds`);
  return Number(v);
}

export interface JumpSpec {
  user?: string;
  host: string;
  port?: number;
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]`, comma-separated, in hop order. */
export function parseProxyJump(spec: string): JumpSpec[] {
  return spec.split(',').map((raw) => {
    const s = raw.trim().replace(/^ssh:\/\//, '');
    const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(s);
    if (!m) throw new Error(`bad ProxyJump host "${raw}"`);
    const j: JumpSpec = { host: m[2]!.replace(/^\[|\]$/g, '') };
    if (m[1]) j.user = m[1];
    if (m[3]) j.port = parsePortValue(m[3]);
    return j;
  });
}
