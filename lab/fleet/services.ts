/**
 * Lab services on the control machine (Vault-compatible server, artifact server, latency proxy)
 * and per-host provisioning. Each service is a detached process with a PID file and a log.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { isAlive, run, sleep } from './exec.js';
import { repoRoot } from './naming.js';
import { writePid } from './state.js';

export interface Started {
  pid: number;
  log: string;
}

/** Spawn `node script args` detached, stdout+stderr to <dir>/logs/<what>.log, PID to <dir>/pids/<what>.pid. */
export function startService(dir: string, what: string, script: string, args: string[]): Started {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const log = join(dir, 'logs', `${what}.log`);
  const fd = openSync(log, 'w');
  const child = spawn(process.execPath, [script, ...args], { detached: true, stdio: ['ignore', fd, fd], cwd: repoRoot() });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error(`lab ${what}: cannot start node ${script}`);
  writePid(dir, what, child.pid);
  return { pid: child.pid, log };
}

/** Wait until `ready(logText)` returns a value; fail with the log's tail if the process exits first. */
export async function waitFor<T>(what: string, s: Started, ready: (log: string) => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readFileSync(s.log, 'utf8');
    const value = await ready(text);
    if (value !== undefined) return value;
    if (!isAlive(s.pid) || Date.now() > deadline) {
      const tail = text.trim().split('\n').slice(-4).join(' / ');
      throw new Error(`lab ${what} ${isAlive(s.pid) ? 'did not get ready in time' : 'exited'}: ${tail || 'no output'} (log: ${s.log})`);
    }
    await sleep(50);
  }
}

/** A dist/ script of this repository, or undefined if it has not been built (or written) yet. */
export function distScript(rel: string): string | undefined {
  const p = join(repoRoot(), 'dist', rel);
  return existsSync(p) ? p : undefined;
}

function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    // Only "does it answer": the lab Vault's HTTPS certificate is checked by its clients.
    const req = (url.startsWith('https:') ? httpsRequest : request)(url, { method: 'GET', timeout: 1000, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** How the lab Vault runs: its seal, and whether it serves HTTPS with a private CA. */
export interface VaultMode {
  seal: 'shamir' | 'transit';
  tls: boolean;
}

const VAULT_MODES = ['shamir', 'auto-unseal', 'tls'];

/** "shamir" (default), "auto-unseal", "tls", joined with + or , ("auto-unseal+tls"). */
export function parseVaultMode(mode: string | undefined): VaultMode {
  const parts = (mode ?? 'shamir').split(/[+,]/).map((p) => p.trim()).filter(Boolean);
  const bad = parts.filter((p) => !VAULT_MODES.includes(p));
  if (bad.length || (parts.includes('shamir') && parts.includes('auto-unseal'))) {
    throw new Error(`--vault-mode ${JSON.stringify(mode)}: expected shamir, auto-unseal or tls, joined with + (e.g. auto-unseal+tls)`);
  }
  return { seal: parts.includes('auto-unseal') ? 'transit' : 'shamir', tls: parts.includes('tls') };
}

/**
 * Start the Vault-compatible server on BRIDGE_IP:8200 and wait for /v1/sys/health to answer.
 * Returns the inventory variables: vault_addr, and with TLS vault_cacert (the lab Vault's CA file).
 */
export async function startVault(dir: string, bridgeIp: string, mode: VaultMode, warn: (m: string) => void): Promise<Record<string, unknown>> {
  const script = distScript('lab/vault/server.js');
  if (!script) {
    warn('lab vault server (dist/lab/vault/server.js) not found: starting the lab without Vault');
    return {};
  }
  const addr = `${mode.tls ? 'https' : 'http'}://${bridgeIp}:8200`;
  const stateDir = join(dir, 'vault');
  const s = startService(dir, 'vault', script, ['--listen', `${bridgeIp}:8200`, '--state', stateDir, '--seal', mode.seal, ...(mode.tls ? ['--tls'] : [])]);
  await waitFor('vault', s, async () => ((await httpStatus(`${addr}/v1/sys/health`)) !== undefined ? true : undefined));
  return { vault_addr: addr, ...(mode.tls ? { vault_cacert: join(stateDir, 'tls', 'ca.crt') } : {}) };
}

/** Start the artifact server; returns the vars it prints ({ "vars": {...} } on one stdout line). */
export async function startArtifacts(dir: string, bridgeIp: string, warn: (m: string) => void): Promise<Record<string, unknown>> {
  const script = distScript('lab/standins/artifacts.js');
  if (!script) {
    warn('lab artifact server (dist/lab/standins/artifacts.js) not found: starting the lab without artifacts');
    return {};
  }
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  const s = startService(dir, 'artifacts', script, ['--listen', `${bridgeIp}:8088`, '--dir', join(dir, 'artifacts')]);
  return waitFor('artifact server', s, (text) => {
    for (const line of text.split('\n')) {
      if (!line.trim().startsWith('{')) continue;
      try {
        const parsed: unknown = JSON.parse(line);
        const vars = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['vars'] : undefined;
        if (typeof vars === 'object' && vars !== null) return vars as Record<string, unknown>;
      } catch {
        continue;
      }
    }
    return undefined;
  });
}

/** Run lab/standins/provision.sh ROLE DIST_DIR inside a host's namespaces, as root. */
export async function provisionHost(sshdPid: number, role: string, host: string, env: Record<string, string> = {}): Promise<void> {
  const root = repoRoot();
  const script = join(root, 'lab', 'standins', 'provision.sh');
  try {
    const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    await run('nsenter', ['-t', String(sshdPid), '-m', '-n', '-u', 'env', ...vars, 'sh', script, role, join(root, 'dist')], { cwd: root });
  } catch (e) {
    throw new Error(`${host}: provisioning (lab/standins/provision.sh ${role}) failed: ${(e as Error).message}`);
  }
}

export const provisionScriptExists = (): boolean => existsSync(join(repoRoot(), 'lab', 'standins', 'provision.sh'));
