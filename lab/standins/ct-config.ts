/** consul-template configuration for the lab stand-in (the subset the Vault PKI guide uses). */
import { asList, type HclObjectValue } from '../../src/hcl/index.js';
import { blockOf, bool, isObject, parseDuration, readConfigPaths, str } from './common.js';

export interface VaultConfig {
  address: string;
  token: string;
  graceMs: number;
  unwrapToken: boolean;
  renewToken: boolean;
  caCert: string;
}

export interface TemplateConfig {
  source: string;
  contents: string | undefined;
  destination: string;
  perms: number | undefined;
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

const TEMPLATE_KEYS = new Set([
  'source', 'destination', 'contents', 'perms', 'command', 'command_timeout', 'create_dest_dirs', 'left_delimiter',
  'right_delimiter', 'backup', 'wait', 'error_on_missing_key', 'user', 'group', 'uid', 'gid', 'exec', 'sandbox_path',
  'function_denylist', 'function_blacklist', 'err_missing_key', 'error_fatal',
]);
const VAULT_KEYS = new Set([
  'address', 'token', 'grace', 'unwrap_token', 'renew_token', 'namespace', 'ssl', 'retry', 'vault_agent_token_file',
  'default_lease_duration', 'lease_renewal_threshold', 'enabled', 'transport', 'client_user_agent',
]);

/** File modes may be written as an HCL1 octal number (0700 → 448) or a string ("0700"). */
export function parsePerms(v: unknown, where: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o7777) return v;
  if (typeof v === 'string' && /^0?[0-7]{3,4}$/.test(v)) return parseInt(v, 8);
  throw new Error(`${where}: perms: invalid file mode ${JSON.stringify(v)} (write it as 0644 or "0644")`);
}

function checkKeys(obj: HclObjectValue, allowed: Set<string>, where: string): void {
  for (const k of Object.keys(obj)) if (!allowed.has(k)) throw new Error(`${where}: unknown key "${k}"`);
}

function template(raw: HclObjectValue, where: string): TemplateConfig {
  checkKeys(raw, TEMPLATE_KEYS, where);
  const source = str(raw['source']) ?? '';
  const contents = str(raw['contents']);
  const destination = str(raw['destination']) ?? '';
  if (!source && contents === undefined) throw new Error(`${where}: must specify source or contents`);
  if (!destination) throw new Error(`${where}: destination is required`);
  const cmd = raw['command'];
  return {
    source,
    contents,
    destination,
    perms: parsePerms(raw['perms'], where),
    command: Array.isArray(cmd) ? cmd.map(String).join(' ') : (str(cmd) ?? ''),
    commandTimeoutMs: parseDuration(raw['command_timeout']) ?? 30_000,
    createDestDirs: raw['create_dest_dirs'] === undefined ? true : bool(raw['create_dest_dirs']),
    left: str(raw['left_delimiter']) ?? '{{',
    right: str(raw['right_delimiter']) ?? '}}',
    where,
  };
}

/** Loads -config paths (files or directories, *.hcl/*.json in lexical order); later vault fields override, templates add up. */
export function loadCtConfig(paths: string[], env: NodeJS.ProcessEnv = process.env): CtConfig {
  const cfg: CtConfig = {
    vault: { address: env['VAULT_ADDR'] ?? '', token: env['VAULT_TOKEN'] ?? '', graceMs: 15_000, unwrapToken: false, renewToken: true, caCert: env['VAULT_CACERT'] ?? '' },
    templates: [],
    pidFile: '',
    syslog: false,
  };
  for (const { file, value } of readConfigPaths(paths)) {
    if (value['vault'] !== undefined) {
      const v = blockOf(value['vault']);
      checkKeys(v, VAULT_KEYS, `${file}: vault`);
      const ssl = blockOf(v['ssl']);
      cfg.vault = {
        address: str(v['address']) ?? cfg.vault.address,
        token: str(v['token']) ?? cfg.vault.token,
        graceMs: parseDuration(v['grace']) ?? cfg.vault.graceMs,
        unwrapToken: v['unwrap_token'] === undefined ? cfg.vault.unwrapToken : bool(v['unwrap_token']),
        renewToken: v['renew_token'] === undefined ? cfg.vault.renewToken : bool(v['renew_token']),
        caCert: str(ssl['ca_cert']) ?? cfg.vault.caCert,
      };
    }
    asList(value['template']).forEach((t, i) => {
      if (!isObject(t)) throw new Error(`${file}: template[${i}]: expected a block`);
      cfg.templates.push(template(t as HclObjectValue, `${file}: template[${i}]`));
    });
    cfg.pidFile = str(value['pid_file']) ?? cfg.pidFile;
    if (value['syslog'] !== undefined) cfg.syslog = bool(blockOf(value['syslog'])['enabled']);
  }
  if (!cfg.vault.address) throw new Error(`${paths.join(', ')}: vault.address is not set (and VAULT_ADDR is empty)`);
  return cfg;
}
