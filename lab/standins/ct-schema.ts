/**
 * consul-template 0.39.1's configuration key sets and its decoder's checks, as `config.Parse`
 * does them: HCL blocks flattened to their last occurrence (`flattenKeys`), then mapstructure
 * (v1.5.0) with `ErrorUnused: true` — unknown keys are `'vault' has invalid keys: grace`, keys
 * match struct tags case-insensitively, every problem is collected and the list is sorted.
 * Key sets: config/{config,vault,ssl,retry,transport,template,wait,syslog,consul,nomad,exec,env,
 * auth,dedup,default_delimiters,logfile}.go at v0.39.1 (fields without a tag match by name).
 */

export type Kind = 'string' | 'bool' | 'int' | 'float' | 'duration' | 'filemode' | 'signal' | 'strings' | 'command' | 'wait' | 'any';
export interface Schema {
  [key: string]: Kind | Schema;
}

const ssl: Schema = { ca_cert: 'string', ca_cert_bytes: 'string', ca_path: 'string', cert: 'string', enabled: 'bool', key: 'string', server_name: 'string', verify: 'bool' };
const retry: Schema = { attempts: 'int', backoff: 'duration', max_backoff: 'duration', enabled: 'bool' };
const transport: Schema = {
  dial_keep_alive: 'duration', dial_timeout: 'duration', disable_keep_alives: 'bool', idle_conn_timeout: 'duration', max_idle_conns: 'int',
  max_idle_conns_per_host: 'int', max_conns_per_host: 'int', tls_handshake_timeout: 'duration',
};
const env: Schema = { denylist: 'strings', blacklist: 'strings', custom: 'strings', pristine: 'bool', allowlist: 'strings', whitelist: 'strings' };
const exec: Schema = {
  command: 'command', enabled: 'bool', env, kill_signal: 'signal', kill_timeout: 'duration', reload_signal: 'signal', splay: 'duration', timeout: 'duration',
};
const wait: Schema = { bool: 'bool', min: 'duration', max: 'duration' };

export const VAULT: Schema = {
  address: 'string', enabled: 'bool', namespace: 'string', renew_token: 'bool', retry, ssl, token: 'string', vault_agent_token_file: 'string', transport,
  unwrap_token: 'bool', client_user_agent: 'string', default_lease_duration: 'duration', lease_renewal_threshold: 'float', k8s_auth_role_name: 'string',
  k8s_service_account_token_path: 'string', k8s_service_account_token: 'string', k8s_service_mount_path: 'string',
};

export const TEMPLATE: Schema = {
  backup: 'bool', command: 'command', command_timeout: 'duration', contents: 'string', create_dest_dirs: 'bool', destination: 'string',
  error_on_missing_key: 'bool', error_fatal: 'bool', exec, perms: 'filemode', user: 'string', uid: 'int', group: 'string', gid: 'int', source: 'string',
  wait: 'wait', left_delimiter: 'string', right_delimiter: 'string', function_denylist: 'strings', function_blacklist: 'strings', sandbox_path: 'string',
  extfuncmap: 'any',
};

export const TOP: Schema = {
  consul: { address: 'string', namespace: 'string', auth: { enabled: 'bool', username: 'string', password: 'string' }, retry, ssl, token: 'string', token_file: 'string', transport },
  deduplicate: { enabled: 'bool', max_stale: 'duration', prefix: 'string', ttl: 'duration', block_query_wait: 'duration' },
  default_delimiters: { left: 'string', right: 'string' },
  exec,
  kill_signal: 'signal',
  log_level: 'string',
  log_file: { path: 'string', log_rotate_bytes: 'int', log_rotate_duration: 'duration', log_rotate_max_files: 'int' },
  max_stale: 'duration',
  pid_file: 'string',
  reload_signal: 'signal',
  syslog: { enabled: 'bool', facility: 'string', name: 'string' },
  template: 'any', // a list of TEMPLATE blocks, decoded one by one below
  template_error_fatal: 'bool',
  vault: VAULT,
  nomad: { address: 'string', enabled: 'bool', namespace: 'string', ssl, token: 'string', auth_username: 'string', auth_password: 'string', transport, retry },
  wait,
  block_query_wait: 'duration',
  err_on_failed_lookup: 'bool',
  once: 'bool',
  parseonly: 'bool',
};

/** config.Parse's flattenKeys lists: these blocks keep only their last occurrence. */
const FLATTEN = new Set(['auth', 'consul', 'consul.auth', 'consul.retry', 'consul.ssl', 'consul.transport', 'deduplicate', 'default_delimiters', 'env', 'exec', 'exec.env', 'log_file', 'nomad', 'nomad.ssl', 'nomad.transport', 'ssl', 'syslog', 'vault', 'vault.retry', 'vault.ssl', 'vault.transport', 'wait']);
const FLATTEN_TEMPLATE = new Set(['env', 'exec', 'exec.env', 'wait']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function flatten(m: Obj, keys: Set<string>, parent = ''): void {
  for (const [k, v] of Object.entries(m)) {
    const key = parent ? `${parent}.${k}` : k;
    if (!keys.has(key)) continue;
    const last = Array.isArray(v) ? (v.length && v.every(isObj) ? v[v.length - 1] : v.length ? v : null) : v;
    if (isObj(last)) flatten(last, keys, key);
    m[k] = last;
  }
}

/** Go's name for a decoded HCL value's type, as mapstructure prints it. */
function goType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (Array.isArray(v)) return v.every(isObj) && v.length ? '[]map[string]interface {}' : '[]interface {}';
  if (isObj(v)) return 'map[string]interface {}';
  return 'interface {}';
}

const GO_KIND: Record<string, string> = { string: 'string', bool: 'bool', int: 'int', float: 'float64', filemode: 'os.FileMode', signal: 'os.Signal', strings: '[]string' };

/** time.ParseDuration: a sequence of decimal numbers with units, optional sign; "0" alone is allowed. */
export function goDuration(s: string): number | undefined {
  if (s === '0') return 0;
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(s);
  if (!m) return undefined;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const p of s.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) total += Number(p[1]) * (unit[p[2] ?? 's'] ?? 0);
  return m[1] === '-' ? -total : total;
}

function checkValue(name: string, kind: Kind, v: unknown, errs: string[]): void {
  const unconvertible = (): void => void errs.push(`'${name}' expected type '${GO_KIND[kind] ?? kind}', got unconvertible type '${goType(v)}', value: '${String(v)}'`);
  switch (kind) {
    case 'string':
    case 'signal':
      if (typeof v !== 'string') unconvertible();
      return;
    case 'bool':
      if (typeof v !== 'boolean') unconvertible();
      return;
    case 'int':
      if (!(typeof v === 'number' && Number.isInteger(v))) unconvertible();
      return;
    case 'float':
      if (typeof v !== 'number') unconvertible();
      return;
    case 'duration':
      if (typeof v === 'string' && goDuration(v) === undefined) errs.push(`error decoding '${name}': time: invalid duration "${v}"`);
      else if (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v))) errs.push(`'${name}' expected type 'time.Duration', got unconvertible type '${goType(v)}', value: '${String(v)}'`);
      return;
    case 'filemode':
      if (typeof v === 'string' && !/^[0-7]{1,4}$/.test(v)) errs.push(`error decoding '${name}': strconv.ParseUint: parsing "${v}": ${/^[0-7]+$/.test(v) ? 'value out of range' : 'invalid syntax'}`);
      else if (typeof v === 'number' && (!Number.isInteger(v) || v < 0)) errs.push(`cannot parse '${name}', ${v} overflows uint`);
      else if (typeof v !== 'string' && typeof v !== 'number') unconvertible();
      return;
    case 'strings':
    case 'command':
      if (!(typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')))) unconvertible();
      return;
    case 'wait':
      if (typeof v === 'string') return;
      return decodeBlock(name, v, wait, errs);
    case 'any':
      return;
  }
}

/** mapstructure's decodeStructFromMap: every data key must match a field (case-insensitively). */
export function decodeBlock(name: string, data: unknown, schema: Schema, errs: string[]): void {
  if (data === null || data === undefined) return;
  if (!isObj(data)) return void errs.push(`'${name}' expected a map, got '${Array.isArray(data) ? 'slice' : goType(data)}'`);
  const fields = Object.keys(schema);
  const unused: string[] = [];
  for (const [k, v] of Object.entries(data)) {
    const field = fields.find((f) => f === k) ?? fields.find((f) => f.toLowerCase() === k.toLowerCase());
    if (field === undefined) {
      unused.push(k);
      continue;
    }
    if (field !== k) {
      delete data[k];
      data[field] = v;
    }
    const sub = schema[field] as Kind | Schema;
    const fieldName = name ? `${name}.${field}` : field;
    if (typeof sub === 'string') checkValue(fieldName, sub, v, errs);
    else decodeBlock(fieldName, v, sub, errs);
  }
  if (unused.length) errs.push(`'${name}' has invalid keys: ${unused.sort().join(', ')}`);
}

/** config.Parse after hcl.Decode: flatten, decode, collect. Returns the flattened value or throws like consul-template. */
export function decodeConfig(parsed: Obj): Obj {
  flatten(parsed, FLATTEN);
  const errs: string[] = [];
  decodeBlock('', parsed, TOP, errs);
  const tpl = parsed['template'];
  const list = tpl === undefined || tpl === null ? [] : Array.isArray(tpl) ? tpl : [tpl];
  list.forEach((t, i) => {
    if (isObj(t)) flatten(t, FLATTEN_TEMPLATE);
    decodeBlock(`template[${i}]`, t, TEMPLATE, errs);
  });
  parsed['template'] = list;
  if (errs.length) {
    const points = errs.map((e) => `* ${e}`).sort();
    throw new Error(`mapstructure decode failed: ${points.length} error(s) decoding:\n\n${points.join('\n')}`);
  }
  return parsed;
}
