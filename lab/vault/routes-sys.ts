/** sys/* endpoints that need an unsealed Vault: mounts, tuning, policies, capabilities. */
import { Acl, parsePolicy, PolicyError, type Policy } from './acl.js';
import { newMount, type BarrierData, type VaultCore } from './core.js';
import { badRequest, list, notFound, str, type ApiRequest, type Reply } from './http.js';
import { emptyPki } from './pki.js';
import { SYSTEM_MAX_TTL, type TokenEntry } from './tokens.js';
import { DurationError, parseDuration } from './duration.js';

const ENGINES = new Set(['pki', 'kv']);
const RESERVED = ['sys/', 'auth/', 'cubbyhole/', 'identity/'];

export function policiesOf(d: BarrierData, names: readonly string[]): Policy[] {
  const out: Policy[] = [];
  for (const n of names) {
    if (n === 'root') out.push({ name: 'root', rules: [] });
    else if (d.policies[n] !== undefined) out.push(parsePolicy(n, d.policies[n]!));
  }
  return out;
}

export function aclFor(d: BarrierData, t: TokenEntry): Acl {
  return new Acl(policiesOf(d, t.policies));
}

function mountJson(m: BarrierData['mounts'][string]): Record<string, unknown> {
  return { type: m.type, description: m.description, accessor: m.accessor, uuid: m.uuid, config: { ...m.config, force_no_cache: false }, options: m.options, local: false, seal_wrap: false, external_entropy_access: false };
}

function tuneValue(body: Record<string, unknown>, key: string, current: number): number {
  const v = body[key];
  if (v === undefined || v === null || v === '') return current;
  if (v === 'system') return 0;
  try {
    return parseDuration(v);
  } catch (e) {
    throw badRequest(e instanceof DurationError ? e.message : String(e));
  }
}

function mountPath(p: string): string {
  return `${p.replace(/^\/+|\/+$/g, '')}/`;
}

function enable(d: BarrierData, path: string, body: Record<string, unknown>): Reply {
  const type = str(body, 'type');
  if (!type) throw badRequest('backend type must be specified as a string');
  if (!ENGINES.has(type)) throw badRequest(`plugin not found in the catalog: ${type}`);
  if (RESERVED.some((r) => path.startsWith(r))) throw badRequest(`cannot mount under existing mount "${RESERVED.find((r) => path.startsWith(r))}"`);
  const clash = Object.keys(d.mounts).find((m) => m.startsWith(path) || path.startsWith(m));
  if (clash) throw badRequest(`path is already in use at ${clash}`);
  const m = newMount(type, str(body, 'description'));
  const cfg = body['config'];
  if (cfg && typeof cfg === 'object') {
    m.config.default_lease_ttl = tuneValue(cfg as Record<string, unknown>, 'default_lease_ttl', 0);
    m.config.max_lease_ttl = tuneValue(cfg as Record<string, unknown>, 'max_lease_ttl', 0);
  }
  d.mounts[path] = m;
  if (type === 'pki') d.pki[path] = emptyPki();
  if (type === 'kv') d.kv[path] = {};
  return { kind: 'empty' };
}

function tune(d: BarrierData, path: string, req: ApiRequest): Reply {
  const m = d.mounts[path];
  if (!m) throw badRequest(`cannot fetch mount configuration for path "${path}": no mount found`);
  if (req.method === 'GET') {
    return { kind: 'envelope', flat: true, data: { default_lease_ttl: m.config.default_lease_ttl || SYSTEM_MAX_TTL, max_lease_ttl: m.config.max_lease_ttl || SYSTEM_MAX_TTL, force_no_cache: false, description: m.description, options: m.options } };
  }
  const dflt = tuneValue(req.body, 'default_lease_ttl', m.config.default_lease_ttl);
  const max = tuneValue(req.body, 'max_lease_ttl', m.config.max_lease_ttl);
  if ((max || SYSTEM_MAX_TTL) < (dflt || SYSTEM_MAX_TTL)) throw badRequest('backend max lease TTL cannot be less than backend default lease TTL');
  m.config = { default_lease_ttl: dflt, max_lease_ttl: max };
  if (req.body['description'] !== undefined) m.description = str(req.body, 'description');
  return { kind: 'empty' };
}

function writePolicy(d: BarrierData, name: string, text: string): Reply {
  if (name === 'root') throw badRequest('cannot update root policy');
  if (!text) throw badRequest("'policy' parameter not supplied or empty");
  try {
    parsePolicy(name, text);
  } catch (e) {
    throw badRequest(e instanceof PolicyError ? e.message : String(e));
  }
  d.policies[name.toLowerCase()] = text;
  return { kind: 'empty' };
}

function deletePolicy(d: BarrierData, name: string): Reply {
  if (name === 'root' || name === 'default') throw badRequest(`cannot delete "${name}" policy`);
  delete d.policies[name];
  return { kind: 'empty' };
}

function policyRoutes(d: BarrierData, req: ApiRequest, sub: string): Reply | undefined {
  const names = () => [...Object.keys(d.policies), 'root'].sort();
  let m: RegExpExecArray | null;
  if (sub === 'policy' && (req.method === 'GET' || req.method === 'LIST')) return { kind: 'envelope', flat: true, data: { policies: names(), keys: names() } };
  if (sub === 'policies/acl' && req.method === 'LIST') return { kind: 'envelope', data: { keys: names() } };
  if ((m = /^(policy|policies\/acl)\/(.+)$/.exec(sub))) {
    const name = m[2]!;
    const field = m[1] === 'policy' ? 'rules' : 'policy';
    if (req.method === 'GET') {
      const text = d.policies[name];
      if (text === undefined) throw notFound();
      return { kind: 'envelope', flat: m[1] === 'policy', data: { name, [field]: text } };
    }
    if (req.method === 'DELETE') return deletePolicy(d, name);
    return writePolicy(d, name, str(req.body, 'policy') || str(req.body, 'rules'));
  }
  return undefined;
}

function capabilities(d: BarrierData, t: TokenEntry, req: ApiRequest): Reply {
  const paths = list(req.body, 'paths') ?? list(req.body, 'path') ?? [];
  const acl = aclFor(d, t);
  const data: Record<string, unknown> = {};
  for (const p of paths) data[p] = acl.capabilities(p.replace(/^\/+/, ''));
  if (paths.length === 1) data['capabilities'] = data[paths[0]!];
  return { kind: 'envelope', flat: true, data };
}

/** sys/* with a valid token (ACL already checked). */
export function handleSys(core: VaultCore, req: ApiRequest, sub: string, token: TokenEntry): Reply {
  const d = core.data!;
  let m: RegExpExecArray | null;
  if (sub === 'mounts' && req.method === 'GET') {
    return { kind: 'envelope', flat: true, data: Object.fromEntries(Object.entries(d.mounts).map(([k, v]) => [k, mountJson(v)])) };
  }
  if ((m = /^mounts\/(.+)\/tune$/.exec(sub))) return tune(d, mountPath(m[1]!), req);
  if ((m = /^mounts\/(.+)$/.exec(sub))) {
    const path = mountPath(m[1]!);
    if (req.method === 'POST' || req.method === 'PUT') return enable(d, path, req.body);
    if (req.method === 'GET') {
      const mt = d.mounts[path];
      if (!mt) throw badRequest(`no matching mount at "${path}"`);
      return { kind: 'envelope', flat: true, data: mountJson(mt) };
    }
    if (req.method === 'DELETE') {
      if (RESERVED.some((r) => path === r)) throw badRequest(`cannot unmount "${path}"`);
      delete d.mounts[path];
      delete d.pki[path];
      delete d.kv[path];
      return { kind: 'empty' };
    }
  }
  const p = policyRoutes(d, req, sub);
  if (p) return p;
  if (sub === 'capabilities-self') return capabilities(d, token, req);
  if (sub === 'capabilities') {
    const other = core.tokens.get(str(req.body, 'token'));
    if (!other) throw badRequest('invalid token');
    return capabilities(d, other, req);
  }
  if (sub === 'seal' && (req.method === 'PUT' || req.method === 'POST')) {
    core.seal();
    return { kind: 'empty' };
  }
  if (sub === 'wrapping/lookup') {
    const w = d.wraps[str(req.body, 'token')];
    if (!w) throw badRequest('wrapping token is not valid or does not exist');
    return { kind: 'envelope', data: { creation_path: w.creationPath, creation_time: new Date(w.creationTime * 1000).toISOString(), creation_ttl: w.ttl } };
  }
  throw notFound(`no handler for route "sys/${sub}". route entry not found.`);
}
