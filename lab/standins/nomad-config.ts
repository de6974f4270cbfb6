/** Nomad agent configuration for the lab stand-in: Nomad's merge rules and a typed view. */
import { readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { blockOf, bool, isObject, readConfigFile, statSafe, str, type ConfigFile } from './common.js';
import type { HclObjectValue, HclValue } from '../hcl/index.js';

export interface NomadTls {
  http: boolean;
  rpc: boolean;
  caFile: string;
  certFile: string;
  keyFile: string;
  verifyServerHostname: boolean;
  verifyHttpsClient: boolean;
  rpcUpgradeMode: boolean;
}

export interface NomadConfig {
  region: string;
  datacenter: string;
  name: string;
  dataDir: string;
  bindAddr: string;
  ports: { http: number; rpc: number; serf: number };
  server: { enabled: boolean; bootstrapExpect: number; encrypt: string; retryJoin: string[] };
  client: { enabled: boolean; servers: string[] };
  acl: { enabled: boolean };
  tls: NomadTls;
  files: string[];
}

const TLS_KEYS = new Set([
  'http', 'rpc', 'ca_file', 'cert_file', 'key_file', 'verify_server_hostname', 'verify_https_client',
  'rpc_upgrade_mode', 'tls_cipher_suites', 'tls_min_version', 'tls_prefer_server_cipher_suites',
]);

/** Keys whose booleans are ORed across files, as Nomad's Config.Merge does (true in any file wins). */
function orMerged(path: string[]): boolean {
  const [block, key] = path;
  if (block === 'tls' && path.length === 2) return true;
  return (block === 'server' || block === 'client') && key === 'enabled' && path.length === 2;
}

/**
 * Merges config files in order: blocks merge field by field, later scalars override,
 * tls booleans (and server/client `enabled`) are ORed, `client.servers` lists append.
 */
export function mergeNomadConfigs(files: ConfigFile[]): HclObjectValue {
  let out: HclObjectValue = {};
  for (const f of files) out = mergeInto(out, f.value, []);
  return out;
}

function mergeInto(a: HclObjectValue, b: HclObjectValue, path: string[]): HclObjectValue {
  const out: HclObjectValue = { ...a };
  for (const [key, raw] of Object.entries(b)) {
    const here = [...path, key];
    // a block repeated within one file merges with itself first
    const value: HclValue = Array.isArray(raw) && raw.every(isObject) && raw.length > 0 && path.length === 0
      ? (raw as HclObjectValue[]).reduce<HclObjectValue>((acc, x) => mergeInto(acc, x, here), {})
      : raw;
    const prev = out[key];
    if (isObject(prev) && isObject(value)) out[key] = mergeInto(prev as HclObjectValue, value as HclObjectValue, here);
    else if (typeof value === 'boolean' && orMerged(here)) out[key] = prev === true || value;
    else if (here.join('.') === 'client.servers' && Array.isArray(prev) && Array.isArray(value)) out[key] = [...prev, ...value];
    else out[key] = value;
  }
  return out;
}

function num(v: HclValue | undefined, fallback: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return fallback;
}

function list(v: HclValue | undefined): string[] {
  return (Array.isArray(v) ? v : []).map(String);
}

/** `retry_join` / `start_join` of a server or client block and of its `server_join` block. */
function joinList(block: HclObjectValue): string[] {
  const sj = blockOf(block['server_join']);
  return [...list(block['retry_join']), ...list(block['start_join']), ...list(sj['retry_join']), ...list(sj['start_join'])];
}

/** Editor temp files LoadConfigDir skips (command/agent/config.go isTemporaryFile). */
export function isTemporaryFile(name: string): boolean {
  return name.endsWith('~') || name.startsWith('.#') || (name.startsWith('#') && name.endsWith('#'));
}

/**
 * The files of one -config path as command/agent/config.go LoadConfigDir reads them: a file as
 * is; in a directory every regular *.hcl / *.json file that is not an editor temp file (hidden
 * files included), sorted by name.
 */
export function nomadConfigFiles(path: string): string[] {
  if (!statSafe(path)?.isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((d) => !d.isDirectory() && (d.name.endsWith('.hcl') || d.name.endsWith('.json')) && !isTemporaryFile(d.name))
    .map((d) => join(path, d.name))
    .sort();
}

export function readNomadConfig(paths: string[]): ConfigFile[] {
  return paths.flatMap(nomadConfigFiles).map(readConfigFile);
}

/** Validates the merged config and returns the typed view. Errors name the config files. */
export function nomadConfig(files: ConfigFile[]): NomadConfig {
  const where = files.map((f) => f.file).join(', ') || '(no config files)';
  const m = mergeNomadConfigs(files);
  const tlsRaw = blockOf(m['tls']);
  for (const k of Object.keys(tlsRaw)) if (!TLS_KEYS.has(k)) throw new Error(`${where}: tls: unexpected key "${k}"`);
  const server = blockOf(m['server']);
  const client = blockOf(m['client']);
  const ports = blockOf(m['ports']);
  const encrypt = str(server['encrypt']) ?? '';
  if (encrypt) validateGossipKey(encrypt, where);
  const tls: NomadTls = {
    http: bool(tlsRaw['http']),
    rpc: bool(tlsRaw['rpc']),
    caFile: str(tlsRaw['ca_file']) ?? '',
    certFile: str(tlsRaw['cert_file']) ?? '',
    keyFile: str(tlsRaw['key_file']) ?? '',
    verifyServerHostname: bool(tlsRaw['verify_server_hostname']),
    verifyHttpsClient: bool(tlsRaw['verify_https_client']),
    rpcUpgradeMode: bool(tlsRaw['rpc_upgrade_mode']),
  };
  if ((tls.http || tls.rpc) && (!tls.certFile || !tls.keyFile)) {
    throw new Error(`${where}: tls: cert_file and key_file are required when http or rpc is enabled`);
  }
  const cfg: NomadConfig = {
    region: str(m['region']) ?? 'global',
    datacenter: str(m['datacenter']) ?? 'dc1',
    name: str(m['name']) ?? hostname(),
    dataDir: str(m['data_dir']) ?? '',
    bindAddr: str(m['bind_addr']) ?? '0.0.0.0',
    ports: { http: num(ports['http'], 4646), rpc: num(ports['rpc'], 4647), serf: num(ports['serf'], 4648) },
    server: { enabled: bool(server['enabled']), bootstrapExpect: num(server['bootstrap_expect'], 0), encrypt, retryJoin: joinList(server) },
    client: { enabled: bool(client['enabled']), servers: [...list(client['servers']), ...joinList(client)] },
    acl: { enabled: bool(blockOf(m['acl'])['enabled']) },
    tls,
    files: files.map((f) => f.file),
  };
  if (!cfg.server.enabled && !cfg.client.enabled) throw new Error(`${where}: must enable the server or the client (server { enabled = true } or client { enabled = true })`);
  return cfg;
}

/** Serf keys are base64 of 16 or 32 bytes (`nomad operator keygen` gives 16 in older, 32 in newer Nomad). */
export function validateGossipKey(key: string, where: string): void {
  const ok = /^[A-Za-z0-9+/]+={0,2}$/.test(key) && key.length % 4 === 0;
  const len = ok ? Buffer.from(key, 'base64').length : -1;
  if (len !== 16 && len !== 32) {
    throw new Error(`${where}: server.encrypt: must be base64 of 16 or 32 bytes (got ${len < 0 ? 'invalid base64' : `${len} bytes`})`);
  }
}
