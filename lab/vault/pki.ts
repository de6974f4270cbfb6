/**
 * The PKI secrets engine: root and intermediate CAs with issuers (Vault ≥ 1.11 semantics:
 * every root/generate adds an issuer), roles, and leaf issuance honouring role constraints.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, badRequest, bool, int, notFound, str, type ApiRequest, type Reply } from './http.js';
import * as c from './pki-crypto.js';
import { checkNames, CN_REQUIRED, roleFromBody, type Role } from './pki-roles.js';
import { randomId } from './tokens.js';
import { DurationError, fieldError, optionalDuration } from './duration.js';

export interface Issuer {
  id: string;
  name: string;
  certPem: string;
  keyId: string | null;
}

export interface PkiState {
  issuers: Issuer[];
  keys: c.StoredKey[];
  defaultIssuer: string | null;
  roles: Record<string, Role>;
}

export const emptyPki = (): PkiState => ({ issuers: [], keys: [], defaultIssuer: null, roles: {} });

export interface PkiMount {
  path: string;
  state: PkiState;
  defaultTtl: number;
  maxTtl: number;
}

/** Paths Vault serves without a token. */
export function pkiUnauthenticated(sub: string): boolean {
  return /^(ca|ca\/pem|ca_chain|cert\/ca|cert\/ca_chain|crl|crl\/pem|issuer\/[^/]+\/(pem|der|json))$/.test(sub);
}

export function pkiRoleExists(m: PkiMount, sub: string): boolean {
  const r = /^roles\/([^/]+)$/.exec(sub);
  return !!r && !!m.state.roles[r[1]!];
}

type Handler = (m: PkiMount, req: ApiRequest, arg: string) => Promise<Reply> | Reply;
const ROUTES: [string, RegExp, Handler][] = [
  ['POST', /^root\/generate\/(internal|exported)$/, generateRoot],
  ['POST', /^intermediate\/generate\/(internal|exported)$/, generateIntermediate],
  ['POST', /^root\/sign-intermediate$/, signIntermediate],
  ['POST', /^intermediate\/set-signed$/, setSigned],
  ['LIST', /^roles$/, (m) => listOf(Object.keys(m.state.roles))],
  ['GET', /^roles\/([^/]+)$/, readRole],
  ['POST', /^roles\/([^/]+)$/, writeRole],
  ['DELETE', /^roles\/([^/]+)$/, (m, _r, name) => (delete m.state.roles[name], { kind: 'empty' })],
  ['POST', /^issue\/([^/]+)$/, issue],
  ['GET', /^cert\/ca$/, (m) => ({ kind: 'envelope', data: fetchCa(m, false) })],
  ['GET', /^cert\/ca_chain$/, (m) => ({ kind: 'envelope', data: fetchCa(m, true) })],
  ['GET', /^ca\/pem$/, (m) => rawPem(defaultIssuer(m)?.certPem ?? '')],
  ['GET', /^(cert\/)?ca_chain$/, (m) => rawPem(chainOf(m, defaultIssuer(m)).join('\n'))],
  ['LIST', /^issuers$/, listIssuers],
  ['GET', /^issuer\/([^/]+)$/, readIssuer],
  // path_fetch_issuers.go pathGetRawIssuer: issuer/:ref/json (no token needed) is the certificate and its chain only
  ['GET', /^issuer\/([^/]+)\/json$/, (m, _r, ref) => ({ kind: 'envelope', data: { certificate: findIssuer(m, ref).certPem, ca_chain: chainOf(m, findIssuer(m, ref)) } })],
  ['LIST', /^keys$/, (m) => listOf(m.state.keys.map((k) => k.id), Object.fromEntries(m.state.keys.map((k) => [k.id, { key_name: k.name, key_type: k.type }])))],
  ['GET', /^config\/issuers$/, (m) => ({ kind: 'envelope', data: { default: m.state.defaultIssuer ?? '', default_follows_latest_issuer: false } })],
  ['POST', /^config\/issuers$/, setDefaultIssuer],
];

export async function handlePki(m: PkiMount, req: ApiRequest, sub: string): Promise<Reply> {
  const method = req.method === 'PUT' ? 'POST' : req.method;
  for (const [verb, re, h] of ROUTES) {
    const match = re.exec(sub);
    if (match && verb === method) return h(m, req, match[1] ?? '');
  }
  if (ROUTES.some(([, re]) => re.test(sub))) throw new ApiError(405, ['unsupported operation']);
  throw notFound(`no handler for route "${m.path}/${sub}". route entry not found.`);
}

function listOf(keys: string[], keyInfo?: Record<string, unknown>): Reply {
  if (keys.length === 0) throw notFound();
  return { kind: 'envelope', data: keyInfo ? { keys, key_info: keyInfo } : { keys } };
}

function defaultIssuer(m: PkiMount): Issuer | undefined {
  return m.state.issuers.find((i) => i.id === m.state.defaultIssuer);
}

/**
 * path_fetch.go pathFetchRead for `cert/ca` and `cert/ca_chain`: fetchCAInfo(defaultRef) fails
 * with the user error "no default issuer currently configured" (400) on a mount without one.
 */
function fetchCa(m: PkiMount, chain: boolean): Record<string, unknown> {
  const issuer = findIssuer(m, 'default');
  const full = chainOf(m, issuer).join('\n');
  return { certificate: chain ? full : issuer.certPem, revocation_time: 0, revocation_time_rfc3339: '', ...(chain ? { ca_chain: full } : {}) };
}

/** The raw PEM routes answer 204 with no body when there is nothing to send (pathFetchRead's reply). */
function rawPem(body: string): Reply {
  return body ? { kind: 'raw', contentType: 'application/pem-certificate-chain', body } : { kind: 'empty' };
}

function findIssuer(m: PkiMount, ref: string): Issuer {
  const i = ref === 'default' ? defaultIssuer(m) : m.state.issuers.find((x) => x.id === ref || x.name === ref);
  if (!i) throw badRequest(ref === 'default' ? 'no default issuer currently configured' : `unable to find PKI issuer for reference: ${ref}`);
  return i;
}

/** The issuer's certificate followed by its parents within this mount. */
function chainOf(m: PkiMount, issuer: Issuer | undefined): string[] {
  const out: string[] = [];
  for (let cur = issuer; cur && !out.includes(cur.certPem); ) {
    out.push(cur.certPem);
    const cert = c.parseCert(cur.certPem);
    if (cert.subject === cert.issuer) break;
    cur = m.state.issuers.find((i) => c.parseCert(i.certPem).subject === cert.issuer);
  }
  return out;
}

function ttlField(body: Record<string, unknown>, key: string): number | undefined {
  try {
    return optionalDuration(body[key]);
  } catch (e) {
    throw badRequest(e instanceof DurationError ? fieldError(key, body[key], e) : String(e));
  }
}

/** Requested TTL, defaulted and truncated to the maximum like Vault (with a warning). */
function effectiveTtl(requested: number | undefined, dflt: number, max: number, warnings: string[]): number {
  let ttl = requested || dflt;
  if (max > 0 && ttl > max) {
    warnings.push(`TTL "${ttl}s" is longer than permitted maxTTL "${max}s", so certificate will be truncated`);
    ttl = max;
  }
  return ttl;
}

async function newKey(m: PkiMount, body: Record<string, unknown>): Promise<c.StoredKey> {
  let kp: { type: c.KeyType; bits: number };
  try {
    kp = c.checkKeyParams(str(body, 'key_type', 'rsa'), int(body, 'key_bits', 0));
  } catch (e) {
    throw badRequest((e as Error).message);
  }
  const key: c.StoredKey = { id: randomUUID(), name: str(body, 'key_name'), ...kp, pem: await c.generateKey(kp.type, kp.bits) };
  m.state.keys.push(key);
  return key;
}

function addIssuer(m: PkiMount, certPem: string, keyId: string | null, name: string): Issuer {
  if (name && m.state.issuers.some((i) => i.name === name)) throw badRequest(`issuer name already in use`);
  const issuer: Issuer = { id: randomUUID(), name, certPem, keyId };
  m.state.issuers.push(issuer);
  if (!m.state.defaultIssuer) m.state.defaultIssuer = issuer.id;
  return issuer;
}

function certData(cert: c.x509.X509Certificate): Record<string, unknown> {
  return { certificate: c.pem(cert), serial_number: c.colonHex(cert.serialNumber), expiration: Math.floor(cert.notAfter.getTime() / 1000) };
}

async function generateRoot(m: PkiMount, req: ApiRequest, type: string): Promise<Reply> {
  const cn = str(req.body, 'common_name');
  if (!cn) throw badRequest(CN_REQUIRED);
  const warnings: string[] = [];
  const ttl = effectiveTtl(ttlField(req.body, 'ttl'), m.defaultTtl, m.maxTtl, warnings);
  const issuerName = str(req.body, 'issuer_name');
  if (issuerName && m.state.issuers.some((i) => i.name === issuerName)) throw badRequest('issuer name already in use');
  const key = await newKey(m, req.body);
  const keys = await c.importKeyPair(key);
  const maxPath = int(req.body, 'max_path_length', -1);
  const serial = c.newSerial();
  const now = Date.now();
  const cert = await c.buildCertificate(
    { commonName: cn, serialHex: serial.hex, notBefore: new Date(now - 30_000), notAfter: new Date(now + ttl * 1000), publicKey: keys.publicKey, ca: { pathLen: maxPath >= 0 ? maxPath : undefined } },
    { keys },
  );
  const issuer = addIssuer(m, c.pem(cert), key.id, issuerName);
  const data: Record<string, unknown> = { ...certData(cert), issuing_ca: issuer.certPem, issuer_id: issuer.id, issuer_name: issuer.name, key_id: key.id, key_name: key.name };
  if (type === 'exported') Object.assign(data, { private_key: c.vaultPrivateKey(key), private_key_type: key.type });
  return { kind: 'envelope', data, warnings };
}

async function generateIntermediate(m: PkiMount, req: ApiRequest, type: string): Promise<Reply> {
  const cn = str(req.body, 'common_name');
  if (!cn) throw badRequest(CN_REQUIRED);
  const key = await newKey(m, req.body);
  const csr = await c.buildCsr(cn, await c.importKeyPair(key));
  const data: Record<string, unknown> = { csr, key_id: key.id };
  if (type === 'exported') Object.assign(data, { private_key: c.vaultPrivateKey(key), private_key_type: key.type });
  return { kind: 'envelope', data };
}

async function signer(m: PkiMount, ref: string): Promise<{ issuer: Issuer; cert: c.x509.X509Certificate; keys: c.KeyPair }> {
  const issuer = findIssuer(m, ref);
  const key = m.state.keys.find((k) => k.id === issuer.keyId);
  if (!key) throw badRequest(`issuer ${issuer.id} has no private key in this mount and cannot sign`);
  return { issuer, cert: c.parseCert(issuer.certPem), keys: await c.importKeyPair(key) };
}

function notAfterWithin(cert: c.x509.X509Certificate, notAfter: Date): void {
  if (notAfter.getTime() > cert.notAfter.getTime()) {
    throw badRequest(`cannot satisfy request, as TTL would result in notAfter of ${notAfter.toISOString()} that is beyond the expiration of the CA certificate at ${cert.notAfter.toISOString()}`);
  }
}

async function signIntermediate(m: PkiMount, req: ApiRequest): Promise<Reply> {
  let csr: c.x509.Pkcs10CertificateRequest;
  try {
    csr = new c.x509.Pkcs10CertificateRequest(str(req.body, 'csr'));
  } catch {
    throw badRequest('certificate request could not be parsed');
  }
  if (!(await csr.verify())) throw badRequest('request signature invalid');
  const s = await signer(m, str(req.body, 'issuer_ref', 'default'));
  const warnings: string[] = [];
  const ttl = effectiveTtl(ttlField(req.body, 'ttl'), m.defaultTtl, m.maxTtl, warnings);
  const parentLen = s.cert.getExtension(c.x509.BasicConstraintsExtension)?.pathLength;
  if (parentLen === 0) throw badRequest('signing certificate has a max path length of 0, and cannot issue further CA certificates');
  const requested = int(req.body, 'max_path_length', -1);
  let pathLen: number | undefined = requested >= 0 ? requested : undefined;
  if (parentLen !== undefined) pathLen = Math.min(pathLen ?? Infinity, parentLen - 1);
  const now = Date.now();
  // Vault ≥ 1.17 (path_root.go pathIssuerSignIntermediate, via certutil's NotAfter handling with
  // "truncate"): an intermediate never outlives the issuer that signs it.
  const notAfter = new Date(Math.min(now + ttl * 1000, s.cert.notAfter.getTime()));
  const serial = c.newSerial();
  const cn = bool(req.body, 'use_csr_values', false) ? c.commonNameOf(csr) : str(req.body, 'common_name') || c.commonNameOf(csr);
  const cert = await c.buildCertificate({ commonName: cn, serialHex: serial.hex, notBefore: new Date(now - 30_000), notAfter, publicKey: csr.publicKey, ca: { pathLen } }, { keys: s.keys, cert: s.cert });
  const chain = chainOf(m, s.issuer);
  const format = str(req.body, 'format', 'pem');
  const body = format === 'der' ? Buffer.from(cert.rawData).toString('base64') : format === 'pem_bundle' ? [c.pem(cert), ...chain].join('\n') : c.pem(cert);
  if (!['pem', 'der', 'pem_bundle'].includes(format)) throw badRequest(`unknown format for certificate: ${format}`);
  return { kind: 'envelope', data: { ...certData(cert), certificate: body, issuing_ca: s.issuer.certPem, ca_chain: chain }, warnings };
}

async function setSigned(m: PkiMount, req: ApiRequest): Promise<Reply> {
  const blocks = c.pemBlocks(str(req.body, 'certificate'));
  if (blocks.length === 0) throw badRequest('no data found in PEM block');
  const keyIds = new Map<string, string>();
  for (const k of m.state.keys) keyIds.set(await c.spkiId((await c.importKeyPair(k)).publicKey), k.id);
  const imported: string[] = [];
  const existing: string[] = [];
  const mapping: Record<string, string> = {};
  let matched = false;
  for (const block of blocks) {
    const cert = c.parseCert(block);
    const keyId = keyIds.get(await c.spkiId(cert.publicKey)) ?? null;
    matched ||= keyId !== null;
    const old = m.state.issuers.find((i) => c.parseCert(i.certPem).equal(cert));
    if (old) {
      existing.push(old.id);
      mapping[old.id] = old.keyId ?? '';
      continue;
    }
    const issuer = addIssuer(m, c.pem(cert), keyId, '');
    imported.push(issuer.id);
    mapping[issuer.id] = keyId ?? '';
  }
  if (!matched) throw badRequest('none of the provided certificates match a private key in this mount: generate the CSR with intermediate/generate first');
  const own = m.state.issuers.find((i) => imported.includes(i.id) && i.keyId);
  if (own && !defaultIssuer(m)?.keyId) m.state.defaultIssuer = own.id;
  return { kind: 'envelope', data: { imported_issuers: imported.length ? imported : null, imported_keys: null, existing_issuers: existing.length ? existing : null, mapping } };
}

function readRole(m: PkiMount, _req: ApiRequest, name: string): Reply {
  const role = m.state.roles[name];
  if (!role) throw notFound();
  return { kind: 'envelope', data: { ...role } };
}

function writeRole(m: PkiMount, req: ApiRequest, name: string): Reply {
  const { role, warnings } = roleFromBody(req.body);
  m.state.roles[name] = role;
  return { kind: 'envelope', data: { ...role }, warnings };
}

function listIssuers(m: PkiMount): Reply {
  const info = Object.fromEntries(m.state.issuers.map((i) => [i.id, { issuer_name: i.name, is_default: i.id === m.state.defaultIssuer, key_id: i.keyId ?? '' }]));
  return listOf(m.state.issuers.map((i) => i.id), info);
}

function readIssuer(m: PkiMount, _req: ApiRequest, ref: string): Reply {
  const i = findIssuer(m, ref);
  return { kind: 'envelope', data: { issuer_id: i.id, issuer_name: i.name, key_id: i.keyId ?? '', certificate: i.certPem, ca_chain: chainOf(m, i) } };
}

/** POST config/issuers: `default` names the issuer (id or name) that `issue/` and `sign/` use from now on. */
function setDefaultIssuer(m: PkiMount, req: ApiRequest): Reply {
  const ref = str(req.body, 'default');
  if (!ref) throw badRequest('missing "default": the issuer to make the default');
  m.state.defaultIssuer = findIssuer(m, ref).id;
  return { kind: 'envelope', data: { default: m.state.defaultIssuer, default_follows_latest_issuer: false } };
}

async function issue(m: PkiMount, req: ApiRequest, roleName: string): Promise<Reply> {
  const role = m.state.roles[roleName];
  if (!role) throw badRequest(`unknown role: ${roleName}`);
  const names = checkNames(role, req.body);
  const warnings: string[] = [];
  const ttl = effectiveTtl(ttlField(req.body, 'ttl') ?? role.ttl, m.defaultTtl, role.max_ttl || m.maxTtl, warnings);
  const s = await signer(m, role.issuer_ref);
  const now = Date.now();
  const notAfter = new Date(now + ttl * 1000);
  notAfterWithin(s.cert, notAfter);
  const kp = role.key_type === 'any' ? { type: 'rsa' as const, bits: 2048 } : c.checkKeyParams(role.key_type, role.key_bits);
  const key: c.StoredKey = { id: '', name: '', ...kp, pem: await c.generateKey(kp.type, kp.bits) };
  const keys = await c.importKeyPair(key);
  const serial = c.newSerial();
  const cert = await c.buildCertificate(
    {
      commonName: names.commonName,
      serialHex: serial.hex,
      notBefore: new Date(now - role.not_before_duration * 1000),
      notAfter,
      publicKey: keys.publicKey,
      leaf: { dns: names.dns, ips: names.ips, serverAuth: role.server_flag, clientAuth: role.client_flag },
    },
    { keys: s.keys, cert: s.cert },
  );
  const data = { ...certData(cert), issuing_ca: s.issuer.certPem, ca_chain: chainOf(m, s.issuer), private_key: c.vaultPrivateKey(key), private_key_type: key.type };
  const lease = role.generate_lease ? { id: `${m.path}/issue/${roleName}/${randomId(24)}`, duration: ttl, renewable: false } : undefined;
  return lease ? { kind: 'envelope', data, lease, warnings } : { kind: 'envelope', data, warnings };
}
