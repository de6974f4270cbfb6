/**
 * A thin typed client over node-vault: read/list/write/delete with Vault's JSON bodies as
 * `unknown` records, and every failure turned into a VaultError with a kind the modules can
 * explain (unreachable, sealed, denied, invalid, notfound). Token values never appear in errors.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type nodeVault from 'node-vault';

/** node-vault (and its HTTP stack) is loaded by the first Vault task, not by every run. */
let loadedNodeVault: typeof nodeVault | undefined;
function loadNodeVault(): typeof nodeVault {
  loadedNodeVault ??= createRequire(import.meta.url)('node-vault') as typeof nodeVault;
  return loadedNodeVault;
}

export type VaultErrorKind = 'unreachable' | 'sealed' | 'denied' | 'invalid' | 'notfound' | 'server';

export class VaultError extends Error {
  constructor(
    readonly kind: VaultErrorKind,
    message: string,
    readonly status?: number,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}

export type VaultBody = Record<string, unknown>;

export interface VaultClientOptions {
  addr: string;
  token?: string;
  /** PEM text of the CA bundle to trust (VAULT_CACERT). */
  ca?: string;
  namespace?: string;
  timeoutMs?: number;
  /** Skip TLS verification (VAULT_SKIP_VERIFY read as the vault CLI does, by the session). */
  insecure?: boolean;
}

const NET_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'timed out',
  ECONNABORTED: 'timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPROTO: 'TLS/protocol error',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'certificate not trusted (set VAULT_CACERT or vault_cacert)',
  SELF_SIGNED_CERT_IN_CHAIN: 'certificate not trusted (set VAULT_CACERT or vault_cacert)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate not trusted (set VAULT_CACERT or vault_cacert)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate does not match the host name',
};

function netCode(e: unknown, depth = 0): string | undefined {
  if (!e || typeof e !== 'object' || depth > 4) return undefined;
  const r = e as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof r.code === 'string' && NET_CODES[r.code]) return r.code;
  if (Array.isArray(r.errors)) for (const x of r.errors) if (netCode(x, depth + 1)) return netCode(x, depth + 1);
  return netCode(r.cause, depth + 1);
}

function responseOf(e: unknown): { statusCode: number; body: unknown } | undefined {
  if (!e || typeof e !== 'object' || !('response' in e)) return undefined;
  const r = (e as { response: unknown }).response;
  if (r && typeof r === 'object' && 'statusCode' in r && typeof r.statusCode === 'number') return r as { statusCode: number; body: unknown };
  return undefined;
}

function vaultMessages(body: unknown): string[] {
  if (body && typeof body === 'object' && 'errors' in body && Array.isArray(body.errors)) return body.errors.map((x: unknown) => String(x).trim()).filter((x) => x);
  return [];
}

export function toVaultError(e: unknown, addr: string, path: string): VaultError {
  if (e instanceof VaultError) return e;
  const res = responseOf(e);
  if (res) {
    const msgs = vaultMessages(res.body);
    const msg = msgs.join('; ') || `HTTP ${res.statusCode}`;
    if (res.statusCode === 503 && /sealed/i.test(msg)) return new VaultError('sealed', 'Vault is sealed', 503, path);
    if (res.statusCode === 403) return new VaultError('denied', msg, 403, path);
    if (res.statusCode === 404) return new VaultError('notfound', msg || 'not found', 404, path);
    if (res.statusCode >= 400 && res.statusCode < 500) return new VaultError('invalid', msg, res.statusCode, path);
    return new VaultError('server', msg, res.statusCode, path);
  }
  const code = netCode(e);
  if (code) return new VaultError('unreachable', `cannot reach Vault at ${addr}: ${NET_CODES[code]}`, undefined, path);
  const m = e instanceof Error ? e.message : String(e);
  return new VaultError('unreachable', `cannot reach Vault at ${addr}: ${m}`, undefined, path);
}

const NO_KEEPALIVE = new http.Agent({ keepAlive: false });

export class VaultClient {
  private readonly nv: nodeVault.client;

  constructor(readonly opts: VaultClientOptions) {
    // No keep-alive: Node's global agent keeps idle sockets, and a request sent on one the server
    // has just closed (Vault, like any Go/Node server, drops idle connections) fails with
    // ECONNRESET. Vault tasks are few; a fresh connection each costs nothing worth keeping.
    const requestOptions: nodeVault.VaultOptions['requestOptions'] = {
      timeout: opts.timeoutMs ?? 30_000,
      httpAgent: NO_KEEPALIVE,
      agentOptions: { keepAlive: false },
    };
    if (opts.ca) requestOptions.ca = opts.ca;
    // node-vault itself turns verification off when VAULT_SKIP_VERIFY has any value, even
    // "false": the session has read it as the vault CLI does, so say it explicitly here.
    const strictSSL = opts.insecure !== true;
    requestOptions.strictSSL = strictSSL;
    const options: nodeVault.VaultOptions & { rpDefaults: { strictSSL: boolean } } = { endpoint: opts.addr, namespace: opts.namespace, noCustomHTTPVerbs: true, requestOptions, rpDefaults: { strictSSL } };
    this.nv = loadNodeVault()(options);
    // node-vault falls back to VAULT_TOKEN / VAULT_NAMESPACE itself; the session already resolved them.
    const fields = this.nv as unknown as { token: string; namespace: string | undefined };
    fields.token = opts.token ?? '';
    fields.namespace = opts.namespace;
  }

  get addr(): string {
    return this.opts.addr;
  }

  private async call(path: string, f: () => Promise<unknown>): Promise<VaultBody> {
    try {
      const body: unknown = await f();
      return body && typeof body === 'object' && !Array.isArray(body) ? (body as VaultBody) : {};
    } catch (e) {
      throw toVaultError(e, this.opts.addr, path);
    }
  }

  read(path: string): Promise<VaultBody> {
    return this.call(path, () => this.nv.read(path));
  }

  /** LIST as GET ?list=true (what the Go client sends); an empty list is Vault's 404 → []. */
  async list(path: string): Promise<string[]> {
    try {
      const body = await this.call(path, () => this.nv.read(`${path}?list=true`));
      const keys = dataOf(body)['keys'];
      return Array.isArray(keys) ? keys.map(String) : [];
    } catch (e) {
      if (e instanceof VaultError && e.kind === 'notfound') return [];
      throw e;
    }
  }

  write(path: string, data: VaultBody, opts: { wrapTtl?: string } = {}): Promise<VaultBody> {
    const headers: Record<string, string> = {};
    if (opts.wrapTtl) headers['X-Vault-Wrap-TTL'] = opts.wrapTtl;
    return this.call(path, () => this.nv.write(path, data, { headers }));
  }

  delete(path: string): Promise<VaultBody> {
    return this.call(path, () => this.nv.delete(path));
  }

  /** GET sys/health (never throws for sealed/uninitialised, only when unreachable). */
  health(): Promise<VaultBody> {
    return this.call('sys/health', () => this.nv.read('sys/health'));
  }

  sealStatus(): Promise<VaultBody> {
    return this.call('sys/seal-status', () => this.nv.read('sys/seal-status'));
  }
}

/** `data` of a Vault response (or the body itself for sys endpoints without one). */
export function dataOf(body: VaultBody): VaultBody {
  const d = body['data'];
  return d && typeof d === 'object' && !Array.isArray(d) ? (d as VaultBody) : body;
}
