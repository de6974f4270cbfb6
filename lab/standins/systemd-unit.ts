/** systemd unit files for the lab `systemctl`: parsing, command lines, environments. */
import { readFileSync } from 'node:fs';

export interface Unit {
  name: string;
  path: string;
  description: string;
  /** Type= of [Service]: simple (default) or forking (the start command daemonizes; PIDFile= names the main process). */
  type: string;
  pidFile?: string;
  execStartPre: string[];
  execStart: string[];
  execReload: string[];
  execStop: string[];
  environment: Record<string, string>;
  environmentFiles: Array<{ path: string; optional: boolean }>;
  /** undefined when the unit has no [Install] section (systemd calls it "static"). */
  wantedBy: string[] | undefined;
  killMode: string;
  /** User= / Group= of [Service] (systemd.exec): the service runs with that uid and gid. */
  user?: string;
  group?: string;
}

/** Parses a unit file; repeated Exec lines accumulate and an empty assignment resets, as in systemd. */
export function parseUnit(name: string, path: string, text: string): Unit {
  const unit: Unit = { name, path, description: '', type: 'simple', execStartPre: [], execStart: [], execReload: [], execStop: [], environment: {}, environmentFiles: [], wantedBy: undefined, killMode: 'control-group' };
  let section = '';
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1] ?? '';
      if (section === 'Install') unit.wantedBy ??= [];
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    setKey(unit, section, line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return unit;
}

function setKey(unit: Unit, section: string, key: string, value: string): void {
  const list = (l: string[]): void => {
    if (value === '') l.length = 0;
    else l.push(value);
  };
  if (section === 'Unit' && key === 'Description') unit.description = value;
  if (section === 'Install' && (key === 'WantedBy' || key === 'RequiredBy')) unit.wantedBy = [...(unit.wantedBy ?? []), ...value.split(/\s+/).filter(Boolean)];
  if (section !== 'Service') return;
  if (key === 'ExecStart') list(unit.execStart);
  else if (key === 'ExecStartPre') list(unit.execStartPre);
  else if (key === 'Type') unit.type = value;
  else if (key === 'PIDFile') unit.pidFile = value || undefined;
  else if (key === 'ExecReload') list(unit.execReload);
  else if (key === 'ExecStop') list(unit.execStop);
  else if (key === 'KillMode') unit.killMode = value;
  else if (key === 'User') unit.user = value || undefined;
  else if (key === 'Group') unit.group = value || undefined;
  else if (key === 'Environment') for (const w of splitWords(value)) assignEnv(unit.environment, w);
  else if (key === 'EnvironmentFile') unit.environmentFiles.push({ path: value.replace(/^-/, ''), optional: value.startsWith('-') });
}

function assignEnv(env: Record<string, string>, word: string): void {
  const eq = word.indexOf('=');
  if (eq > 0) env[word.slice(0, eq)] = word.slice(eq + 1);
}

/** Reads EnvironmentFile= files (KEY=VALUE lines, # comments, optional quotes). */
export function loadEnvironment(unit: Unit): Record<string, string> {
  const env: Record<string, string> = {};
  for (const f of unit.environmentFiles) {
    let text: string;
    try {
      text = readFileSync(f.path, 'utf8');
    } catch (e) {
      if (f.optional) continue;
      throw new Error(`${unit.name}: EnvironmentFile ${f.path}: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const line of text.split(/\r?\n/)) {
      const t = line.trim();
      if (!t || t.startsWith('#') || t.startsWith(';')) continue;
      const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(t);
      if (m) env[m[1] ?? ''] = unquote(m[2] ?? '');
    }
  }
  return { ...env, ...unit.environment };
}

function unquote(v: string): string {
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) return v.slice(1, -1);
  return v;
}

/** Splits a systemd command line or Environment= value into words (quotes and backslash escapes). */
export function splitWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unbalanced quote in ${JSON.stringify(s)}`);
  if (inWord) words.push(cur);
  return words;
}

/**
 * Turns an Exec line into argv: strips the `-@:+!` prefixes, expands `${VAR}` inside words and a
 * bare `$VAR` word into its whitespace-separated words, `%n`/`%N`/`%%` specifiers.
 * `ignoreFailure` is true for a leading `-`.
 */
export function execArgv(line: string, env: Record<string, string>, unitName: string): { argv: string[]; ignoreFailure: boolean } {
  const m = /^([-@:+!]*)(.*)$/.exec(line.trim());
  const prefix = m?.[1] ?? '';
  const spec = (w: string): string => w.replace(/%([nN%])/g, (_, c: string) => (c === '%' ? '%' : c === 'n' ? unitName : unitName.replace(/\.service$/, '')));
  const argv: string[] = [];
  for (const word of splitWords(m?.[2] ?? '')) {
    const bare = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
    if (bare) {
      argv.push(...(env[bare[1] ?? ''] ?? '').split(/\s+/).filter(Boolean));
      continue;
    }
    argv.push(spec(word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, k: string) => env[k] ?? '')));
  }
  return { argv, ignoreFailure: prefix.includes('-') };
}
