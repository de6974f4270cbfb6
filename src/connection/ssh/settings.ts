/**
 * Inventory variables (ansible_* names) → ConnectionSettings. Errors name the host and the
 * variable; secret values are never included in messages.
 */
import { resolve } from 'node:path';
import type { BecomeOptions, ConnectionSettings } from '../connection.js';
import { parseSshArgs } from './args.js';
import { expandHome } from './ssh-config.js';

type Vars = Record<string, unknown>;

class SettingsError extends Error {
  constructor(host: string, message: string) {
    super(`host ${host}: ${message}`);
    this.name = 'SettingsError';
  }
}

function pick(vars: Vars, ...names: string[]): { name: string; value: unknown } | undefined {
  for (const name of names) {
    const value = vars[name];
    if (value !== undefined && value !== null && value !== '') return { name, value };
  }
  return undefined;
}

function str(host: string, vars: Vars, ...names: string[]): string | undefined {
  const v = pick(vars, ...names);
  if (!v) return undefined;
  if (typeof v.value === 'string') return v.value;
  if (typeof v.value === 'number') return String(v.value);
  throw new SettingsError(host, `${v.name} must be a string`);
}

export function toBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  if (['yes', 'true', 'on', '1', 'y'].includes(s)) return true;
  if (['no', 'false', 'off', '0', 'n'].includes(s)) return false;
  return undefined;
}

function bool(host: string, vars: Vars, ...names: string[]): boolean | undefined {
  const v = pick(vars, ...names);
  if (!v) return undefined;
  const b = toBool(v.value);
  if (b === undefined) throw new SettingsError(host, `${v.name} must be a boolean, got ${JSON.stringify(v.value)}`);
  return b;
}

function num(host: string, vars: Vars, min: number, max: number, ...names: string[]): number | undefined {
  const v = pick(vars, ...names);
  if (!v) return undefined;
  const n = typeof v.value === 'number' ? v.value : typeof v.value === 'string' && /^\s*\d+\s*$/.test(v.value) ? Number(v.value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SettingsError(host, `${v.name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v.value)}`);
  }
  return n;
}

function transportOf(host: string, vars: Vars): 'ssh' | 'local' {
  const c = str(host, vars, 'ansible_connection');
  if (c === undefined || ['ssh', 'smart', 'paramiko', 'paramiko_ssh', 'ansible.builtin.ssh'].includes(c)) return 'ssh';
  if (c === 'local' || c === 'ansible.builtin.local') return 'local';
  throw new SettingsError(host, `ansible_connection "${c}" is not supported (use ssh or local)`);
}

function becomeMethodOf(host: string, vars: Vars): 'sudo' | 'su' | undefined {
  const method = str(host, vars, 'ansible_become_method');
  if (method === undefined || method === 'sudo' || method === 'su') return method;
  throw new SettingsError(host, `ansible_become_method "${method}" is not supported (sudo or su)`);
}

function becomePasswordOf(host: string, vars: Vars): string | undefined {
  return str(host, vars, 'ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass', 'ansible_sudo_password');
}

function becomeOf(host: string, vars: Vars): BecomeOptions | undefined {
  if (!bool(host, vars, 'ansible_become', 'ansible_sudo')) return undefined;
  const b: BecomeOptions = { method: becomeMethodOf(host, vars) ?? 'sudo', user: str(host, vars, 'ansible_become_user', 'ansible_sudo_user') ?? 'root' };
  const pw = becomePasswordOf(host, vars);
  if (pw !== undefined) b.password = pw;
  return b;
}

function hostKeyCheckingOf(host: string, vars: Vars): boolean | 'accept-new' | undefined {
  const v = pick(vars, 'ansible_host_key_checking', 'ansible_ssh_host_key_checking');
  if (!v) return undefined;
  if (v.value === 'accept-new') return 'accept-new';
  const b = toBool(v.value);
  if (b === undefined) throw new SettingsError(host, `${v.name} must be true, false or accept-new`);
  return b;
}

/**
 * Map a host's variables to connection settings. `cwd` resolves relative paths (key files,
 * UserKnownHostsFile in ssh args), as ssh would when run from the current directory.
 */
export function resolveSshSettings(hostVars: Vars, inventoryName: string, cwd = process.cwd()): ConnectionSettings {
  const host = inventoryName;
  const s: ConnectionSettings = {
    host,
    address: str(host, hostVars, 'ansible_host', 'ansible_ssh_host') ?? inventoryName,
    transport: transportOf(host, hostVars),
  };
  const port = num(host, hostVars, 1, 65535, 'ansible_port', 'ansible_ssh_port');
  if (port !== undefined) s.port = port;
  const user = str(host, hostVars, 'ansible_user', 'ansible_ssh_user');
  if (user !== undefined) s.user = user;
  const key = str(host, hostVars, 'ansible_ssh_private_key_file', 'ansible_private_key_file');
  if (key !== undefined) s.privateKeyFile = resolve(cwd, expandHome(key));
  const pw = str(host, hostVars, 'ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password');
  if (pw !== undefined) s.password = pw;
  const become = becomeOf(host, hostVars);
  if (become) s.become = become;
  const bm = becomeMethodOf(host, hostVars);
  const bp = becomePasswordOf(host, hostVars);
  if (bm !== undefined || bp !== undefined) s.becomeVars = { ...(bm ? { method: bm } : {}), ...(bp !== undefined ? { password: bp } : {}) };
  const hkc = hostKeyCheckingOf(host, hostVars);
  if (hkc !== undefined) s.hostKeyChecking = hkc;
  const timeout = num(host, hostVars, 1, 3600, 'ansible_ssh_timeout', 'ansible_timeout');
  if (timeout !== undefined) s.connectTimeoutMs = timeout * 1000;
  const shell = bool(host, hostVars, 'orchestrate_persistent_shell');
  if (shell === false) s.persistentShell = false;
  applyArgs(s, hostVars, cwd);
  return s;
}

/** ansible_ssh_common_args + ansible_ssh_extra_args: validated now, kept in commonArgs. */
function applyArgs(s: ConnectionSettings, vars: Vars, cwd: string): void {
  const parts = [str(s.host, vars, 'ansible_ssh_common_args'), str(s.host, vars, 'ansible_ssh_extra_args')].filter(
    (x): x is string => x !== undefined && x.trim() !== '',
  );
  if (parts.length === 0) return;
  s.commonArgs = parts.join(' ');
  let a;
  try {
    a = parseSshArgs(s.commonArgs, cwd);
  } catch (e) {
    throw new SettingsError(s.host, `ansible_ssh_common_args/extra_args: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (a.knownHostsFile !== undefined) s.knownHostsFile = a.knownHostsFile;
  if (a.hostKeyChecking !== undefined) s.hostKeyChecking = a.hostKeyChecking;
  if (a.connectTimeoutSec !== undefined && s.connectTimeoutMs === undefined) s.connectTimeoutMs = a.connectTimeoutSec * 1000;
}
