/**
 * consul-template configuration for the lab stand-in: `config.FromPath` (a file, or every regular
 * file under a directory, walked in lexical order), `config.Parse` (ct-schema.ts: the 0.39.1 key
 * sets, unknown keys refused with mapstructure's text), `Config.Merge` (later files override
 * vault fields, templates add up) and the `Finalize` defaults the stand-in acts on.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { errorText, isObject, readConfigFile } from './common.js';
import { decodeConfig, goDuration } from './ct-schema.js';

export interface VaultConfig {
  address: string;
  token: string;
  unwrapToken: boolean;
  renewToken: boolean;
  sslEnabled: boolean;
  sslVerify: boolean;
  caCert: string;
  serverName: string;
  /** config/vault.go DefaultVaultLeaseDuration (5m): the lease assumed when Vault gives none. */
  defaultLeaseMs: number;
  /** config/vault.go DefaultLeaseRenewalThreshold (0.90). */
  leaseRenewalThreshold: number;
}

export interface TemplateConfig {
  source: string;
  contents: string | undefined;
  destination: string;
  perms: number | undefined;
  user: string;
  group: string;
  backup: boolean;
  command: string;
  commandTimeoutMs: number;
  createDestDirs: boolean;
  left: string;
  right: string;
  /** file:template[N] for messages */
  where: string;
}

export interface CtConfig {
  vault: VaultConfig;
  templates: TemplateConfig[];
  pidFile: string;
  syslog: boolean;
}

/** A configuration consul-template refuses: it logs `[ERR] (cli) <message>` and exits 14 (ExitCodeConfigError). */
export class CtConfigError extends Error {}

type Obj = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const obj = (v: unknown): Obj => (isObject(v) ? v : {});

/** Durations decode from Go strings ("5m") or integers (nanoseconds). */
function durationMs(v: unknown): number | undefined {
  if (typeof v === 'number') return v / 1e6;
  return typeof v === 'string' ? goDuration(v) : undefined;
}

/** os.FileMode from an HCL number (0640 is octal in HCL1) or a string parsed base 8; 0 means "not set". */
export function fileMode(v: unknown): number | undefined {
  const n = typeof v === 'string' ? parseInt(v, 8) : typeof v === 'number' ? v : 0;
  return n ? n & 0o7777 : undefined;
}

/** config.FromPath: a regular file, or every regular file below a directory (filepath.Walk, lexical order). */
export function configPaths(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new CtConfigError(`missing file/folder: ${path}: ${errorText(e)}`);
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((f) => (statSync(join(path, f)).isDirectory() ? configPaths(join(path, f)) : [join(path, f)]));
}

/** config.FromFile + config.Parse: the decoded, checked object of one file. */
export function parseCtFile(file: string): Obj {
  let value: Obj;
  try {
    value = readConfigFile(file).value as Obj;
  } catch (e) {
    throw new CtConfigError(`from file: ${file}: error decoding config: ${errorText(e)}`);
  }
  try {
    return decodeConfig(value);
  } catch (e) {
    throw new CtConfigError(`from file: ${file}: ${errorText(e)}`);
  }
}

function template(raw: Obj, where: string): TemplateConfig {
  const cmd = raw['command'];
  const uid = raw['uid'];
  const gid = raw['gid'];
  return {
    source: str(raw['source']) ?? '',
    contents: str(raw['contents']),
    destination: str(raw['destination']) ?? '',
    perms: fileMode(raw['perms']),
    user: str(raw['user']) ?? (typeof uid === 'number' ? String(uid) : ''),
    group: str(raw['group']) ?? (typeof gid === 'number' ? String(gid) : ''),
    backup: bool(raw['backup']) ?? false,
    command: Array.isArray(cmd) ? cmd.map(String).join(' ') : (str(cmd) ?? ''),
    commandTimeoutMs: durationMs(raw['command_timeout']) ?? 30_000,
    createDestDirs: bool(raw['create_dest_dirs']) ?? true,
    left: str(raw['left_delimiter']) ?? '{{',
    right: str(raw['right_delimiter']) ?? '}}',
    where,
  };
}

/** VaultConfig.Merge: fields set in a later file win; the ssl block merges field by field. */
function mergeVault(into: Obj, next: Obj): Obj {
  return { ...into, ...next, ssl: { ...obj(into['ssl']), ...obj(next['ssl']) } };
}

/** VaultConfig.Finalize (and SSLConfig's): environment fallbacks and defaults. */
function finalizeVault(v: Obj, env: NodeJS.ProcessEnv): VaultConfig {
  const ssl = obj(v['ssl']);
  const tokenFile = str(v['vault_agent_token_file']);
  let token = str(v['token']) ?? env['VAULT_TOKEN'] ?? '';
  const readToken = (f: string): string => {
    try {
      return readFileSync(f, 'utf8').trim();
    } catch {
      return '';
    }
  };
  if (tokenFile) token = readToken(tokenFile);
  else if (!token && homedir()) token = readToken(join(homedir(), '.vault-token'));
  const skip = env['VAULT_SKIP_VERIFY'] ?? env['VAULT_INSECURE'];
  return {
    address: str(v['address']) ?? env['VAULT_ADDR'] ?? '',
    token,
    unwrapToken: bool(v['unwrap_token']) ?? env['VAULT_UNWRAP_TOKEN'] === 'true',
    renewToken: bool(v['renew_token']) ?? (tokenFile ? false : token !== ''),
    sslEnabled: bool(ssl['enabled']) ?? true,
    sslVerify: bool(ssl['verify']) ?? !(skip === 'true' || skip === '1'),
    caCert: str(ssl['ca_cert']) ?? env['VAULT_CACERT'] ?? '',
    serverName: str(ssl['server_name']) ?? env['VAULT_TLS_SERVER_NAME'] ?? '',
    defaultLeaseMs: durationMs(v['default_lease_duration']) ?? 300_000,
    leaseRenewalThreshold: typeof v['lease_renewal_threshold'] === 'number' ? v['lease_renewal_threshold'] : 0.9,
  };
}

/** cli.go loadConfigs: every -config path in order; a directory's error is wrapped in "walk error". */
export function loadCtConfig(paths: string[], env: NodeJS.ProcessEnv = process.env): CtConfig {
  let vault: Obj = {};
  const templates: TemplateConfig[] = [];
  let pidFile = '';
  let syslog = false;
  for (const path of paths) {
    const isDir = (() => {
      try {
        return statSync(path).isDirectory();
      } catch {
        return false;
      }
    })();
    for (const file of configPaths(path)) {
      let value: Obj;
      try {
        value = parseCtFile(file);
      } catch (e) {
        throw isDir ? new CtConfigError(`walk error: ${errorText(e)}`) : e;
      }
      if (value['vault'] !== undefined && value['vault'] !== null) vault = mergeVault(vault, obj(value['vault']));
      (value['template'] as unknown[]).forEach((t, i) => templates.push(template(obj(t), `${file}: template[${i}]`)));
      pidFile = str(value['pid_file']) ?? pidFile;
      if (value['syslog'] !== undefined) syslog = bool(obj(value['syslog'])['enabled']) ?? syslog;
    }
  }
  return { vault: finalizeVault(vault, env), templates, pidFile, syslog };
}
