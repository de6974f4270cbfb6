/**
 * The token store: service tokens with accessor, policies, ttl/period/explicit_max_ttl,
 * parent/child tree (children revoked with their parent unless orphan), num_uses, renewal.
 */
import { randomBytes } from 'node:crypto';
import { DurationError, fieldError, optionalDuration } from './duration.js';
import { badRequest, bool, int, list, str, type AuthInfo } from './http.js';

/** Vault's system default and max lease TTL (768h). */
export const SYSTEM_MAX_TTL = 768 * 3600;

export interface TokenEntry {
  id: string;
  accessor: string;
  policies: string[];
  parent: string | null;
  meta: Record<string, string> | null;
  displayName: string;
  numUses: number;
  creationTime: number; // unix seconds
  creationTtl: number;
  expireTime: number | null; // unix seconds; null = never
  explicitMaxTtl: number;
  period: number;
  renewable: boolean;
  orphan: boolean;
  path: string;
}

const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export function randomId(n: number): string {
  const b = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += B62[b[i]! % 62];
  return s;
}

const now = (): number => Math.floor(Date.now() / 1000);

function durationField(body: Record<string, unknown>, key: string): number {
  try {
    return optionalDuration(body[key]) ?? 0;
  } catch (e) {
    throw badRequest(e instanceof DurationError ? fieldError(key, body[key], e) : String(e));
  }
}

export class TokenStore {
  constructor(private readonly tokens: Record<string, TokenEntry>) {}

  /** A live token, or undefined when unknown or expired (expired ones are revoked). */
  get(id: string | undefined): TokenEntry | undefined {
    if (!id) return undefined;
    const t = this.tokens[id];
    if (!t) return undefined;
    if (t.expireTime !== null && t.expireTime <= now()) {
      this.revoke(id);
      return undefined;
    }
    return t;
  }

  byAccessor(accessor: string): TokenEntry | undefined {
    return Object.values(this.tokens).find((t) => t.accessor === accessor);
  }

  /** Count one use of a limited-use token; revokes it after its last use. */
  use(t: TokenEntry): void {
    if (t.numUses <= 0) return;
    t.numUses -= 1;
    if (t.numUses === 0) this.revoke(t.id);
  }

  createRoot(): TokenEntry {
    return this.insert({ policies: ['root'], parent: null, meta: null, displayName: 'root', numUses: 0, ttl: 0, explicitMaxTtl: 0, period: 0, renewable: false, orphan: true, path: 'auth/token/root' });
  }

  /** auth/token/create and create-orphan. */
  create(parent: TokenEntry, body: Record<string, unknown>, orphanEndpoint: boolean): TokenEntry {
    const parentRoot = parent.policies.includes('root');
    const noParent = bool(body, 'no_parent', false);
    if (noParent && !parentRoot && !orphanEndpoint) throw badRequest('root or sudo privileges required to create orphan token');
    let policies = list(body, 'policies') ?? parent.policies.filter((p) => p !== 'default');
    policies = [...new Set(policies)];
    if (!parentRoot) {
      const extra = policies.filter((p) => p !== 'default' && !parent.policies.includes(p));
      if (extra.length) throw badRequest('child policies must be subset of parent');
    }
    if (!bool(body, 'no_default_policy', false) && !policies.includes('root') && !policies.includes('default')) policies.push('default');
    policies.sort();
    if (body['id'] !== undefined && !parentRoot) throw badRequest('root or sudo privileges required to specify token id');
    const metaIn = body['meta'];
    const meta = metaIn && typeof metaIn === 'object' ? Object.fromEntries(Object.entries(metaIn).map(([k, v]) => [k, String(v)])) : null;
    const name = str(body, 'display_name').replace(/[^A-Za-z0-9-]/g, '-');
    const orphan = orphanEndpoint || noParent;
    const ttl = durationField(body, 'ttl');
    const period = durationField(body, 'period');
    const explicitMaxTtl = durationField(body, 'explicit_max_ttl');
    const entry = this.insert({
      id: str(body, 'id') || undefined,
      policies,
      parent: orphan ? null : parent.id,
      meta,
      displayName: name ? `token-${name}` : 'token',
      numUses: int(body, 'num_uses', 0),
      ttl,
      explicitMaxTtl,
      period,
      renewable: bool(body, 'renewable', true),
      orphan,
      path: orphanEndpoint ? 'auth/token/create-orphan' : 'auth/token/create',
    });
    if (!orphan && parent.expireTime !== null && (entry.expireTime === null || entry.expireTime > parent.expireTime)) {
      entry.expireTime = parent.expireTime;
      entry.creationTtl = parent.expireTime - entry.creationTime;
    }
    return entry;
  }

  private insert(o: { id?: string | undefined; policies: string[]; parent: string | null; meta: Record<string, string> | null; displayName: string; numUses: number; ttl: number; explicitMaxTtl: number; period: number; renewable: boolean; orphan: boolean; path: string }): TokenEntry {
    const id = o.id ?? `hvs.${randomId(24)}`;
    if (this.tokens[id]) throw badRequest('cannot create a token with a duplicate ID');
    if (o.numUses < 0) throw badRequest('number of uses cannot be negative');
    const created = now();
    let ttl = o.period || o.ttl;
    const neverExpires = ttl === 0 && o.policies.includes('root') && o.explicitMaxTtl === 0;
    if (!neverExpires) {
      if (ttl === 0) ttl = SYSTEM_MAX_TTL;
      if (!o.period) ttl = Math.min(ttl, SYSTEM_MAX_TTL);
      if (o.explicitMaxTtl) ttl = Math.min(ttl, o.explicitMaxTtl);
    }
    const entry: TokenEntry = {
      id,
      accessor: randomId(24),
      policies: o.policies,
      parent: o.parent,
      meta: o.meta,
      displayName: o.displayName,
      numUses: o.numUses,
      creationTime: created,
      creationTtl: neverExpires ? 0 : ttl,
      expireTime: neverExpires ? null : created + ttl,
      explicitMaxTtl: o.explicitMaxTtl,
      period: o.period,
      renewable: neverExpires ? false : o.renewable,
      orphan: o.orphan,
      path: o.path,
    };
    this.tokens[id] = entry;
    return entry;
  }

  /** Revoke a token and (recursively) its non-orphan children. */
  revoke(id: string): void {
    if (!this.tokens[id]) return;
    delete this.tokens[id];
    for (const t of Object.values(this.tokens)) if (t.parent === id) this.revoke(t.id);
  }

  renew(t: TokenEntry, increment: number): TokenEntry {
    if (t.expireTime === null) return t;
    if (!t.renewable) throw badRequest('invalid lease ID, or lease is not renewable');
    let ttl = t.period ? t.period : increment > 0 ? increment : t.creationTtl;
    const age = now() - t.creationTime;
    if (!t.period) ttl = Math.min(ttl, SYSTEM_MAX_TTL - age);
    if (t.explicitMaxTtl) ttl = Math.min(ttl, t.explicitMaxTtl - age);
    if (ttl <= 0) throw badRequest('past the max TTL, cannot renew');
    t.expireTime = now() + ttl;
    return t;
  }

  describe(t: TokenEntry): Record<string, unknown> {
    const ttl = t.expireTime === null ? 0 : Math.max(0, t.expireTime - now());
    const d: Record<string, unknown> = {
      accessor: t.accessor,
      creation_time: t.creationTime,
      creation_ttl: t.creationTtl,
      display_name: t.displayName,
      entity_id: '',
      expire_time: t.expireTime === null ? null : new Date(t.expireTime * 1000).toISOString(),
      explicit_max_ttl: t.explicitMaxTtl,
      id: t.id,
      issue_time: new Date(t.creationTime * 1000).toISOString(),
      meta: t.meta,
      num_uses: t.numUses,
      orphan: t.orphan,
      path: t.path,
      policies: t.policies,
      renewable: t.renewable,
      ttl,
      type: 'service',
    };
    if (t.period) d['period'] = t.period;
    return d;
  }

  auth(t: TokenEntry): AuthInfo {
    return {
      client_token: t.id,
      accessor: t.accessor,
      policies: t.policies,
      token_policies: t.policies,
      metadata: t.meta,
      lease_duration: t.expireTime === null ? 0 : Math.max(0, t.expireTime - now()),
      renewable: t.renewable,
      entity_id: '',
      token_type: 'service',
      orphan: t.orphan,
      num_uses: t.numUses,
    };
  }
}
