/**
 * Vault ACL policies: parsing (HCL or JSON) and path matching with Vault's priority rules
 * (https://developer.hashicorp.com/vault/docs/concepts/policies#priority-matching):
 * exact paths, `*` (prefix glob, only at the end) and `+` (one path segment).
 */
import { HclError, hclToValue, parseHcl, type HclBlock, type HclValue } from '../hcl/index.js';

export const CAPABILITIES = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'deny', 'subscribe'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface PathRule {
  pattern: string;
  capabilities: Capability[];
}

export interface Policy {
  name: string;
  rules: PathRule[];
}

const LEGACY: Record<string, Capability[]> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

export const DEFAULT_POLICY = `# Allow tokens to look up their own properties
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# Allow tokens to renew themselves
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# Allow tokens to revoke themselves
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Allow a token to look up its own capabilities on a path
path "sys/capabilities-self" {
    capabilities = ["update"]
}

# Allow a token to wrap arbitrary values in a response-wrapping token
path "sys/wrapping/wrap" {
    capabilities = ["update"]
}

# Allow a token to look up the creation time and TTL of a given response-wrapping token
path "sys/wrapping/lookup" {
    capabilities = ["update"]
}

# Allow a token to unwrap a response-wrapping token
path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
`;

export class PolicyError extends Error {}

/** Parse a policy document. Throws PolicyError with Vault-like wording and a position. */
export function parsePolicy(name: string, text: string): Policy {
  let paths: [string, HclValue][];
  try {
    paths = text.trim().startsWith('{') ? jsonPaths(text) : hclPaths(text);
  } catch (e) {
    // Vault's HCL (v1) says "At LINE:COLUMN: ..."
    const msg = e instanceof HclError ? `At ${e.pos.line}:${e.pos.column}: ${e.reason}` : e instanceof SyntaxError ? e.message : String(e);
    throw new PolicyError(`failed to parse policy: ${msg}`);
  }
  const rules: PathRule[] = [];
  for (const [pattern, body] of paths) {
    if (pattern === '') throw new PolicyError('failed to parse policy: path block without a path');
    if (pattern.includes('*') && pattern.indexOf('*') !== pattern.length - 1) {
      throw new PolicyError(`failed to parse policy: path "${pattern}": "*" is only allowed at the end of a path`);
    }
    rules.push({ pattern: pattern.replace(/^\//, ''), capabilities: ruleCapabilities(pattern, body) });
  }
  return { name, rules };
}

/** The `path "PATTERN" { ... }` blocks of an HCL policy (lab/hcl, the parser of every stand-in). */
function hclPaths(text: string): [string, HclValue][] {
  const blocks = parseHcl(text, 'policy').body.items.filter((i): i is HclBlock => i.kind === 'block' && i.type === 'path');
  return blocks.map((b) => [b.labels[0] ?? '', hclToValue(b.body, 'policy')]);
}

function jsonPaths(text: string): [string, HclValue][] {
  const doc: unknown = JSON.parse(text);
  const path = doc && typeof doc === 'object' ? (doc as Record<string, unknown>)['path'] : undefined;
  if (!path || typeof path !== 'object') return [];
  return Object.entries(path as Record<string, HclValue>);
}

function ruleCapabilities(pattern: string, body: HclValue): Capability[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new PolicyError(`failed to parse policy: path "${pattern}": expected a block`);
  const caps = new Set<Capability>();
  const legacy = body['policy'];
  if (typeof legacy === 'string') {
    const l = LEGACY[legacy];
    if (!l) throw new PolicyError(`failed to parse policy: path "${pattern}": invalid policy "${legacy}"`);
    l.forEach((c) => caps.add(c));
  }
  const list = body['capabilities'];
  if (list !== undefined) {
    if (!Array.isArray(list)) throw new PolicyError(`failed to parse policy: path "${pattern}": capabilities must be a list`);
    for (const c of list) {
      if (typeof c !== 'string' || !(CAPABILITIES as readonly string[]).includes(c)) {
        throw new PolicyError(`failed to parse policy: path "${pattern}": invalid capability ${JSON.stringify(c)}`);
      }
      caps.add(c as Capability);
    }
  }
  return caps.has('deny') ? ['deny'] : [...caps];
}

/** Does `pattern` match `path`? `+` is one segment; a trailing `*` matches any rest. */
export function matches(pattern: string, path: string): boolean {
  const glob = pattern.endsWith('*');
  const pat = glob ? pattern.slice(0, -1) : pattern;
  if (!pat.includes('+')) return glob ? path.startsWith(pat) : path === pat;
  const pSegs = pat.split('/');
  const segs = path.split('/');
  for (let i = 0; i < pSegs.length; i++) {
    const ps = pSegs[i]!;
    const s = segs[i];
    if (s === undefined) return false;
    const last = i === pSegs.length - 1;
    if (ps === '+') {
      if (s.includes('/')) return false;
      continue;
    }
    if (last && glob) return s.startsWith(ps);
    if (ps !== s) return false;
  }
  return glob || segs.length === pSegs.length;
}

function firstWildcard(p: string): number {
  const i = [p.indexOf('+'), p.indexOf('*')].filter((x) => x >= 0);
  return i.length ? Math.min(...i) : Infinity;
}

/** Negative when a has LOWER priority than b (Vault's documented ordering). */
export function comparePriority(a: string, b: string): number {
  const wa = firstWildcard(a);
  const wb = firstWildcard(b);
  if (wa !== wb) return wa < wb ? -1 : 1;
  const ga = a.endsWith('*');
  const gb = b.endsWith('*');
  if (ga !== gb) return ga ? -1 : 1;
  const pa = (a.match(/\+/g) ?? []).length;
  const pb = (b.match(/\+/g) ?? []).length;
  if (pa !== pb) return pa > pb ? -1 : 1;
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The merged ACL of a token's policies. `root` grants everything. */
export class Acl {
  private readonly rules = new Map<string, Set<Capability>>();
  readonly root: boolean;

  constructor(policies: readonly Policy[]) {
    this.root = policies.some((p) => p.name === 'root');
    for (const p of policies) {
      for (const r of p.rules) {
        const set = this.rules.get(r.pattern) ?? new Set<Capability>();
        r.capabilities.forEach((c) => set.add(c));
        this.rules.set(r.pattern, set);
      }
    }
  }

  /** Capabilities on a path: those of the highest-priority matching rule (deny wins). */
  capabilities(path: string): Capability[] | ['root'] {
    if (this.root) return ['root'];
    let best: string | undefined;
    for (const pattern of this.rules.keys()) {
      if (matches(pattern, path) && (best === undefined || comparePriority(pattern, best) > 0)) best = pattern;
    }
    if (best === undefined) return ['deny'];
    const caps = this.rules.get(best)!;
    return caps.has('deny') || caps.size === 0 ? ['deny'] : [...caps].sort();
  }

  allowed(path: string, op: Capability): boolean {
    const caps: string[] = this.capabilities(path);
    return caps.includes('root') || caps.includes(op);
  }
}
