/**
 * A small OpenSSH client config (`~/.ssh/config`) parser: Host blocks with glob and negated
 * patterns, `Match all` / `Match host`, Include, first value wins (IdentityFile accumulates),
 * ~ and %-token expansion. Only the keywords the SSH connection uses are interpreted.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';

export interface SshConfigEntry {
  keyword: string; // lower case
  args: string[];
  file: string;
  line: number;
}

export interface SshConfigBlock {
  /** Host patterns; undefined for the options before the first Host/Match line (apply to all). */
  patterns?: string[];
  /** `Match` criteria this parser cannot evaluate make the block never match. */
  unsupported?: string;
  entries: SshConfigEntry[];
}

export interface SshConfig {
  blocks: SshConfigBlock[];
  warnings: string[];
}

export interface ResolvedSshConfig {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  proxyJump?: string;
  userKnownHostsFile?: string;
  strictHostKeyChecking?: string;
  connectTimeoutSec?: number;
  identitiesOnly?: boolean;
}

export class SshConfigError extends Error {
  constructor(message: string, readonly file: string, readonly line: number) {
    super(`${file}:${line}: ${message}`);
    this.name = 'SshConfigError';
  }
}

/** Split an option line's arguments, honouring double quotes. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (const m of s.matchAll(re)) out.push(m[1] ?? m[2] ?? '');
  return out;
}

export function parseSshConfig(text: string, file: string, depth = 0): SshConfig {
  const cfg: SshConfig = { blocks: [{ entries: [] }], warnings: [] };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => parseLine(cfg, raw, file, i + 1, depth));
  return cfg;
}

function parseLine(cfg: SshConfig, raw: string, file: string, line: number, depth: number): void {
  const s = raw.trim();
  if (s === '' || s.startsWith('#')) return;
  const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(s);
  if (!m) throw new SshConfigError(`option "${s}" has no value`, file, line);
  const keyword = m[1]!.toLowerCase();
  const args = splitArgs(m[2]!);
  if (args.length === 0) throw new SshConfigError(`option "${m[1]}" has no value`, file, line);
  if (keyword === 'host') {
    cfg.blocks.push({ patterns: args, entries: [] });
  } else if (keyword === 'match') {
    cfg.blocks.push(matchBlock(args, cfg, file, line));
  } else if (keyword === 'include') {
    includeFiles(cfg, args, file, depth);
  } else {
    cfg.blocks[cfg.blocks.length - 1]!.entries.push({ keyword, args, file, line });
  }
}

function matchBlock(args: string[], cfg: SshConfig, file: string, line: number): SshConfigBlock {
  const kind = args[0]!.toLowerCase();
  if (kind === 'all' && args.length === 1) return { patterns: ['*'], entries: [] };
  if (kind === 'host' && args.length === 2) return { patterns: args[1]!.split(','), entries: [] };
  cfg.warnings.push(`${file}:${line}: "Match ${args.join(' ')}" is not supported; the block is ignored`);
  return { patterns: [], unsupported: args.join(' '), entries: [] };
}

function includeFiles(cfg: SshConfig, args: string[], file: string, depth: number): void {
  if (depth > 8) throw new SshConfigError('Include nested too deeply', file, 0);
  for (const arg of args) {
    let p = expandHome(arg);
    if (!isAbsolute(p)) p = join(homedir(), '.ssh', p);
    for (const f of globFiles(p)) {
      const sub = parseSshConfig(readFileSync(f, 'utf8'), f, depth + 1);
      // Included options belong to the block the Include appears in, then its own blocks follow.
      const [head, ...rest] = sub.blocks;
      cfg.blocks[cfg.blocks.length - 1]!.entries.push(...head!.entries);
      cfg.blocks.push(...rest);
      cfg.warnings.push(...sub.warnings);
    }
  }
}

function globFiles(p: string): string[] {
  const name = basename(p);
  if (!/[*?]/.test(name)) return existsSync(p) ? [p] : [];
  const dir = dirname(p);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => globMatch(name, f))
    .sort()
    .map((f) => join(dir, f));
}

/** OpenSSH-style glob: `*` and `?`, case-insensitive for host names. */
export function globMatch(pattern: string, s: string): boolean {
  // No wildcard: a plain comparison (known_hosts checks call this for every line of the file).
  if (!/[*?]/.test(pattern)) return pattern.length === s.length && pattern.toLowerCase() === s.toLowerCase();
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(s);
}

/** A host matches when some positive pattern matches and no negated (`!`) pattern does. */
export function matchHostPatterns(patterns: readonly string[], host: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), host)) return false;
    } else if (globMatch(p, host)) {
      matched = true;
    }
  }
  return matched;
}

export function expandHome(p: string, home = homedir()): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return join(home, p.slice(2));
  return p;
}

export interface TokenValues {
  h: string; // remote host name (after HostName)
  n: string; // original host name
  p: number;
  r: string; // remote user
}

/** Expand ~ and the %-tokens OpenSSH allows in IdentityFile / UserKnownHostsFile. */
export function expandTokens(s: string, v: TokenValues): string {
  const home = homedir();
  const out = s.replace(/%(.)/g, (all, c: string) => {
    switch (c) {
      case '%': return '%';
      case 'h': return v.h;
      case 'n': return v.n;
      case 'p': return String(v.p);
      case 'r': return v.r;
      case 'u': return localUser();
      case 'd': return home;
      default: return all;
    }
  });
  return expandHome(out, home);
}

export function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'root';
  }
}

/** Collect the options for `host` (the name as given to ssh): first obtained value wins. */
export function lookupSshConfig(cfg: SshConfig, host: string): ResolvedSshConfig {
  const first = new Map<string, SshConfigEntry>();
  const identityFiles: string[] = [];
  for (const b of cfg.blocks) {
    if (b.unsupported !== undefined) continue;
    if (b.patterns && !matchHostPatterns(b.patterns, host)) continue;
    for (const e of b.entries) {
      if (e.keyword === 'identityfile') identityFiles.push(e.args[0]!);
      else if (!first.has(e.keyword)) first.set(e.keyword, e);
    }
  }
  const get = (k: string): string | undefined => first.get(k)?.args[0];
  const res: ResolvedSshConfig = { identityFiles };
  const hn = get('hostname');
  if (hn !== undefined) res.hostName = hn.replace(/%h/g, host).replace(/%%/g, '%');
  if (get('user') !== undefined) res.user = get('user');
  const port = first.get('port');
  if (port) res.port = parsePort(port);
  const pj = get('proxyjump');
  if (pj !== undefined && pj.toLowerCase() !== 'none') res.proxyJump = pj;
  if (get('userknownhostsfile') !== undefined) res.userKnownHostsFile = get('userknownhostsfile');
  if (get('stricthostkeychecking') !== undefined) res.strictHostKeyChecking = get('stricthostkeychecking');
  const ct = get('connecttimeout');
  if (ct !== undefined && /^\d+$/.test(ct)) res.connectTimeoutSec = Number(ct);
  if (get('identitiesonly') !== undefined) res.identitiesOnly = get('identitiesonly')!.toLowerCase() === 'yes';
  return res;
}

function parsePort(e: SshConfigEntry): number {
  const v = e.args[0]!;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 65535) throw new SshConfigError(`bad Port "${v}"`, e.file, e.line);
  return n;
}

/** Read `~/.ssh/config` (or the given file); an absent file is an empty config. */
export function loadSshConfig(file = join(homedir(), '.ssh', 'config')): SshConfig {
  if (!existsSync(file)) return { blocks: [{ entries: [] }], warnings: [] };
  return parseSshConfig(readFileSync(file, 'utf8'), file);
}
