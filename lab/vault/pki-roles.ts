/** PKI roles: Vault's field defaults, input normalisation and name constraints. */
import { isIP } from 'node:net';
import { DurationError, fieldError, optionalDuration } from './duration.js';
import { badRequest, bool, int, list, str } from './http.js';
import { checkKeyParams } from './pki-crypto.js';

export interface Role {
  ttl: number;
  max_ttl: number;
  allow_localhost: boolean;
  allowed_domains: string[];
  allow_bare_domains: boolean;
  allow_subdomains: boolean;
  allow_glob_domains: boolean;
  allow_wildcard_certificates: boolean;
  allow_any_name: boolean;
  enforce_hostnames: boolean;
  allow_ip_sans: boolean;
  server_flag: boolean;
  client_flag: boolean;
  code_signing_flag: boolean;
  email_protection_flag: boolean;
  key_type: string;
  key_bits: number;
  key_usage: string[];
  ext_key_usage: string[];
  use_csr_common_name: boolean;
  use_csr_sans: boolean;
  require_cn: boolean;
  generate_lease: boolean;
  no_store: boolean;
  issuer_ref: string;
  not_before_duration: number;
  organization: string[];
  ou: string[];
}

/** builtin/logical/pki issuing: generateCreationBundle (roles and CA generation alike, RequireCN). */
export const CN_REQUIRED = 'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false';

const BOOLS = ['allow_localhost', 'allow_bare_domains', 'allow_subdomains', 'allow_glob_domains', 'allow_wildcard_certificates', 'allow_any_name', 'enforce_hostnames', 'allow_ip_sans', 'server_flag', 'client_flag', 'code_signing_flag', 'email_protection_flag', 'use_csr_common_name', 'use_csr_sans', 'require_cn', 'generate_lease', 'no_store'] as const;
const LISTS = ['allowed_domains', 'key_usage', 'ext_key_usage', 'organization', 'ou'] as const;
const DURATIONS = ['ttl', 'max_ttl', 'not_before_duration'] as const;

export const ROLE_DEFAULTS: Role = {
  ttl: 0,
  max_ttl: 0,
  allow_localhost: true,
  allowed_domains: [],
  allow_bare_domains: false,
  allow_subdomains: false,
  allow_glob_domains: false,
  allow_wildcard_certificates: true,
  allow_any_name: false,
  enforce_hostnames: true,
  allow_ip_sans: true,
  server_flag: true,
  client_flag: true,
  code_signing_flag: false,
  email_protection_flag: false,
  key_type: 'rsa',
  key_bits: 0,
  key_usage: ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'],
  ext_key_usage: [],
  use_csr_common_name: true,
  use_csr_sans: true,
  require_cn: true,
  generate_lease: false,
  no_store: false,
  issuer_ref: 'default',
  not_before_duration: 30,
  organization: [],
  ou: [],
};

const KNOWN = new Set<string>([...Object.keys(ROLE_DEFAULTS), 'allowed_uri_sans', 'allowed_other_sans', 'allowed_serial_numbers', 'country', 'locality', 'province', 'street_address', 'postal_code', 'basic_constraints_valid_for_non_ca', 'signature_bits', 'use_pss', 'allowed_domains_template', 'policy_identifiers', 'cn_validations', 'allowed_user_ids', 'allow_token_displayname', 'backend', 'key_name']);

/** Build a role from a write, over the existing role (Vault's write replaces; patch merges). */
export function roleFromBody(body: Record<string, unknown>, base: Role = ROLE_DEFAULTS): { role: Role; warnings: string[] } {
  const role: Role = { ...base, allowed_domains: [...base.allowed_domains] };
  const warnings: string[] = [];
  for (const k of Object.keys(body)) if (!KNOWN.has(k)) warnings.push(`Endpoint ignored these unrecognized parameters: [${k}]`);
  for (const k of BOOLS) role[k] = bool(body, k, base[k]);
  for (const k of LISTS) role[k] = list(body, k) ?? base[k];
  for (const k of DURATIONS) {
    try {
      role[k] = optionalDuration(body[k]) ?? base[k];
    } catch (e) {
      throw badRequest(e instanceof DurationError ? fieldError(k, body[k], e) : String(e));
    }
  }
  role.key_type = str(body, 'key_type', base.key_type);
  role.key_bits = int(body, 'key_bits', base.key_bits);
  role.issuer_ref = str(body, 'issuer_ref', base.issuer_ref);
  if (role.key_type !== 'any') {
    try {
      role.key_bits = checkKeyParams(role.key_type, role.key_bits).bits;
    } catch (e) {
      throw badRequest((e as Error).message);
    }
  }
  if (role.max_ttl > 0 && role.ttl > role.max_ttl) throw badRequest('"ttl" value must be less than "max_ttl" value');
  return { role, warnings };
}

const HOST_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;

export function validHostname(name: string): boolean {
  const n = name.startsWith('*.') ? name.slice(2) : name;
  return n.length > 0 && n.length <= 253 && n.split('.').every((l) => l.length <= 63 && HOST_LABEL.test(l));
}

function globMatch(glob: string, name: string): boolean {
  const re = new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(name);
}

/** Is a DNS name (CN or SAN) allowed by the role? */
export function nameAllowed(role: Role, name: string): boolean {
  if (role.enforce_hostnames && !validHostname(name)) return false;
  if (name.startsWith('*.') && !role.allow_wildcard_certificates) return false;
  if (role.allow_any_name) return true;
  if (role.allow_localhost && (name === 'localhost' || name === 'localdomain')) return true;
  const base = name.startsWith('*.') ? name.slice(2) : name;
  for (const d of role.allowed_domains) {
    if (role.allow_bare_domains && base === d && !name.startsWith('*.')) return true;
    if (role.allow_subdomains && name.endsWith(`.${d}`)) return true;
    if (role.allow_glob_domains && d.includes('*') && globMatch(d, name)) return true;
  }
  return false;
}

export interface LeafNames {
  commonName: string;
  dns: string[];
  ips: string[];
}

/** Check issue/sign parameters against the role; throws Vault's 400 messages. */
export function checkNames(role: Role, body: Record<string, unknown>): LeafNames {
  const commonName = str(body, 'common_name');
  if (!commonName && role.require_cn) {
    throw badRequest(CN_REQUIRED);
  }
  if (commonName && !nameAllowed(role, commonName)) throw badRequest(`common name ${commonName} not allowed by this role`);
  const dns: string[] = [];
  if (commonName && !bool(body, 'exclude_cn_from_sans', false) && validHostname(commonName)) dns.push(commonName);
  for (const alt of list(body, 'alt_names') ?? []) {
    if (!nameAllowed(role, alt)) throw badRequest(`subject alternate name ${alt} not allowed by this role`);
    if (!dns.includes(alt)) dns.push(alt);
  }
  const ips = list(body, 'ip_sans') ?? [];
  if (ips.length && !role.allow_ip_sans) throw badRequest(`IP Subject Alternative Names are not allowed in this role, but was provided ${ips[0]}`);
  for (const ip of ips) if (!isIP(ip)) throw badRequest(`the value ${JSON.stringify(ip)} is not a valid IP address`);
  return { commonName, dns, ips };
}
