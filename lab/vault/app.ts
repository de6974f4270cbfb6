/**
 * Request dispatch for the lab Vault: unauthenticated sys endpoints, seal check, token and
 * ACL check on every request, routing to sys/, auth/token/ and mounted engines, and
 * response wrapping (X-Vault-Wrap-TTL).
 */
import type { Capability } from './acl.js';
import { VERSION, type VaultCore } from './core.js';
import { ApiError, badRequest, envelope, notFound, permissionDenied, sealedError, str, type ApiRequest, type Reply } from './http.js';
import { handlePki, pkiRoleExists, pkiUnauthenticated, type PkiMount } from './pki.js';
import { aclFor, handleSys } from './routes-sys.js';
import { handleToken } from './routes-token.js';
import { SYSTEM_MAX_TTL } from './tokens.js';
import { parseDuration } from './duration.js';

const SUDO = [/^sys\/seal$/, /^auth\/token\/create-orphan$/, /^auth\/token\/accessors/, /^sys\/rotate$/, /^sys\/raw/];

function health(core: VaultCore, req: ApiRequest): Reply {
  const code = (name: string, d: number): number => Number(req.query.get(name) ?? d) || d;
  const status = !core.core.initialized ? code('uninitcode', 501) : core.sealed ? code('sealedcode', 503) : code('activecode', 200);
  return {
    kind: 'flat',
    status,
    body: {
      initialized: core.core.initialized,
      sealed: core.sealed,
      standby: false,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(Date.now() / 1000),
      version: VERSION,
      ...(core.sealed ? {} : { cluster_name: core.core.clusterName, cluster_id: core.core.clusterId }),
    },
  };
}

/** Endpoints served whatever the seal state. */
function unauthenticated(core: VaultCore, req: ApiRequest): Reply | undefined {
  const write = req.method === 'PUT' || req.method === 'POST';
  switch (req.path) {
    case 'sys/health':
      return health(core, req);
    case 'sys/seal-status':
      return { kind: 'flat', body: core.sealStatus() };
    case 'sys/init':
      return write ? { kind: 'flat', body: core.init(req.body) } : { kind: 'flat', body: { initialized: core.core.initialized } };
    case 'sys/unseal':
      if (write) return { kind: 'flat', body: core.unseal(req.body) };
  }
  return undefined;
}

function findMount(core: VaultCore, path: string): { prefix: string; sub: string } | undefined {
  const p = `${path}/`;
  const prefix = Object.keys(core.data!.mounts)
    .filter((m) => p.startsWith(m))
    .sort((a, b) => b.length - a.length)[0];
  return prefix === undefined ? undefined : { prefix, sub: path.slice(prefix.length) };
}

function pkiMount(core: VaultCore, prefix: string): PkiMount {
  const d = core.data!;
  const m = d.mounts[prefix]!;
  return { path: prefix.slice(0, -1), state: d.pki[prefix]!, defaultTtl: m.config.default_lease_ttl || SYSTEM_MAX_TTL, maxTtl: m.config.max_lease_ttl || SYSTEM_MAX_TTL };
}

/** The ACL operation of a request; POST is create when the target does not exist yet. */
function operation(core: VaultCore, req: ApiRequest): Capability {
  switch (req.method) {
    case 'GET':
      return 'read';
    case 'LIST':
      return 'list';
    case 'DELETE':
      return 'delete';
  }
  const d = core.data!;
  const pol = /^sys\/(?:policy|policies\/acl)\/(.+)$/.exec(req.path);
  if (pol) return d.policies[pol[1]!] === undefined ? 'create' : 'update';
  const mount = findMount(core, req.path);
  if (mount && d.mounts[mount.prefix]!.type === 'pki' && /^roles\/[^/]+$/.test(mount.sub)) {
    return pkiRoleExists(pkiMount(core, mount.prefix), mount.sub) ? 'update' : 'create';
  }
  if (mount && d.mounts[mount.prefix]!.type === 'kv') return d.kv[mount.prefix]![mount.sub] ? 'update' : 'create';
  return 'update';
}

function kv(core: VaultCore, req: ApiRequest, prefix: string, sub: string): Reply {
  const store = core.data!.kv[prefix]!;
  if (req.method === 'LIST') {
    const dir = sub ? `${sub}/` : '';
    const keys = [...new Set(Object.keys(store).filter((k) => k.startsWith(dir)).map((k) => k.slice(dir.length).replace(/\/.*$/, '/')))].sort();
    if (!keys.length) throw notFound();
    return { kind: 'envelope', data: { keys } };
  }
  if (req.method === 'GET') {
    if (!store[sub]) throw notFound();
    return { kind: 'envelope', data: store[sub], lease: { id: '', duration: SYSTEM_MAX_TTL, renewable: false } };
  }
  if (req.method === 'DELETE') delete store[sub];
  else store[sub] = req.body;
  return { kind: 'empty' };
}

async function route(core: VaultCore, req: ApiRequest): Promise<Reply> {
  const d = core.data!;
  const mount = findMount(core, req.path);
  const unauthPki = mount && d.mounts[mount.prefix]!.type === 'pki' && req.method === 'GET' && pkiUnauthenticated(mount.sub);
  if (unauthPki) return handlePki(pkiMount(core, mount.prefix), req, mount.sub);
  const token = core.tokens.get(req.token);
  if (!token) throw permissionDenied();
  const op = operation(core, req);
  const acl = aclFor(d, token);
  const allowed = op === 'create' ? acl.allowed(req.path, 'create') : acl.allowed(req.path, op);
  if (!allowed || (SUDO.some((r) => r.test(req.path)) && !acl.allowed(req.path, 'sudo'))) throw permissionDenied();
  core.tokens.use(token);
  if (req.path.startsWith('sys/')) return handleSys(core, req, req.path.slice(4), token);
  if (req.path.startsWith('auth/token/')) return handleToken(core, req, req.path.slice(11), token);
  if (!mount || mount.prefix === 'sys/') throw notFound(`no handler for route "${req.path}". route entry not found.`);
  const type = d.mounts[mount.prefix]!.type;
  if (type === 'pki') return handlePki(pkiMount(core, mount.prefix), req, mount.sub);
  if (type === 'kv') return kv(core, req, mount.prefix, mount.sub);
  throw notFound(`no handler for route "${req.path}". route entry not found.`);
}

function unwrap(core: VaultCore, req: ApiRequest): Reply {
  const id = str(req.body, 'token') || req.token || '';
  const response = core.unwrap(id);
  if (!response) throw badRequest('wrapping token is not valid or does not exist');
  return { kind: 'flat', body: response };
}

/** Handle one API request; throws ApiError for Vault-style error replies. */
export async function dispatch(core: VaultCore, req: ApiRequest): Promise<Reply> {
  const open = unauthenticated(core, req);
  if (open) return open;
  if (core.sealed) throw sealedError();
  try {
    if (req.path === 'sys/wrapping/unwrap') return unwrap(core, req);
    const reply = await route(core, req);
    if (!req.wrapTtl || reply.kind !== 'envelope') return reply;
    let ttl: number;
    try {
      ttl = parseDuration(req.wrapTtl);
    } catch {
      throw badRequest(`invalid wrap TTL ${JSON.stringify(req.wrapTtl)}`);
    }
    return { kind: 'flat', body: { ...envelope({ kind: 'envelope' }), wrap_info: core.wrap(envelope(reply), ttl, req.path) } };
  } finally {
    if (!core.sealed) core.persist();
  }
}

export { ApiError };
