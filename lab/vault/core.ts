/**
 * Seal state of the lab Vault: init (master key split with Shamir), unseal with threshold
 * distinct shares, seal, and the barrier contents (decrypted only while unsealed).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_POLICY } from './acl.js';
import { badRequest, bool, str } from './http.js';
import type { PkiState } from './pki.js';
import { initRequest, TransitSeal, validateInitParameters, validateSealConfig, type SealType } from './seal.js';
import { combine, split } from './shamir.js';
import { BarrierError, StateDir, type CoreFile } from './storage.js';
import { TokenStore, randomId, type TokenEntry } from './tokens.js';

export interface Mount {
  type: string;
  description: string;
  uuid: string;
  accessor: string;
  config: { default_lease_ttl: number; max_lease_ttl: number };
  options: Record<string, string> | null;
}

export interface WrapEntry {
  accessor: string;
  creationTime: number;
  ttl: number;
  creationPath: string;
  response: Record<string, unknown>;
}

export interface BarrierData {
  mounts: Record<string, Mount>;
  policies: Record<string, string>;
  tokens: Record<string, TokenEntry>;
  wraps: Record<string, WrapEntry>;
  pki: Record<string, PkiState>;
  kv: Record<string, Record<string, Record<string, unknown>>>;
}

export const VERSION = '1.17.0+orchestrate-lab';

export function newMount(type: string, description = ''): Mount {
  return { type, description, uuid: randomUUID(), accessor: `${type}_${randomBytes(4).toString('hex')}`, config: { default_lease_ttl: 0, max_lease_ttl: 0 }, options: null };
}

export class VaultCore {
  core: CoreFile;
  private key: Buffer | undefined;
  data: BarrierData | undefined;
  private progress: Buffer[] = [];
  private nonce = '';

  constructor(
    readonly store: StateDir,
    readonly sealType: SealType = 'shamir',
  ) {
    this.core = store.readCore();
    const stored = this.core.sealType ?? 'shamir';
    if (this.core.initialized && stored !== sealType) {
      throw new Error(`this Vault was initialized with the ${stored} seal, not ${sealType} (the lab does not migrate seals)`);
    }
    this.unsealWithStoredKeys();
  }

  /** vault/init.go UnsealWithStoredKeys: an auto-unseal seal opens the barrier by itself. */
  private unsealWithStoredKeys(): void {
    if (this.sealType !== 'transit' || !this.core.initialized) return;
    const key = new TransitSeal(this.store.dir).fetch();
    if (!key) throw new Error('the transit seal holds no root key for this initialized Vault');
    this.data = this.store.open<BarrierData>(key);
    this.key = key;
  }

  get sealed(): boolean {
    return this.data === undefined;
  }

  get tokens(): TokenStore {
    if (!this.data) throw new Error('sealed');
    return new TokenStore(this.data.tokens);
  }

  /** http/sys_seal.go handleSysSealStatusRaw: with recovery keys, t and n are the recovery config. */
  sealStatus(): Record<string, unknown> {
    const shown = this.sealType === 'transit' ? this.core.recovery : this.core.seal;
    return {
      type: this.sealType,
      initialized: this.core.initialized,
      sealed: this.sealed,
      t: shown?.threshold ?? 0,
      n: shown?.shares ?? 0,
      progress: this.progress.length,
      nonce: this.nonce,
      version: VERSION,
      build_date: '2024-01-01T00:00:00Z',
      migration: false,
      recovery_seal: this.sealType === 'transit',
      ...(this.sealType === 'transit' ? { recovery_seal_type: 'shamir' } : {}),
      storage_type: 'file',
      ...(this.core.initialized && !this.sealed ? { cluster_name: this.core.clusterName, cluster_id: this.core.clusterId } : {}),
    };
  }

  /** http/sys_init.go handleSysInitPut + vault/init.go Initialize. */
  init(body: Record<string, unknown>): Record<string, unknown> {
    const req = initRequest(body);
    validateInitParameters(this.sealType, req);
    if (this.sealType === 'transit') {
      if (req.recovery_shares < 1) throw badRequest('recovery configuration must specify a positive number of shares');
      validateSealConfig(req.recovery_shares, req.recovery_threshold, 'recovery');
    } else validateSealConfig(req.secret_shares, req.secret_threshold, 'seal');
    if (this.core.initialized) throw badRequest('Vault is already initialized');
    const transit = this.sealType === 'transit';
    const seal = transit ? { shares: 1, threshold: 1 } : { shares: req.secret_shares, threshold: req.secret_threshold };
    const master = randomBytes(32);
    const keys = seal.shares === 1 ? [Buffer.from(master)] : split(master, seal.shares, seal.threshold);
    const data: BarrierData = { mounts: {}, policies: { default: DEFAULT_POLICY }, tokens: {}, wraps: {}, pki: {}, kv: {} };
    data.mounts['cubbyhole/'] = newMount('cubbyhole', 'per-token private secret storage');
    data.mounts['identity/'] = newMount('identity', 'identity store');
    data.mounts['sys/'] = newMount('system', 'system endpoints used for control, policy and debugging');
    const root = new TokenStore(data.tokens).createRoot();
    this.store.seal(master, data);
    const recovery = transit ? { shares: req.recovery_shares, threshold: req.recovery_threshold } : undefined;
    this.core = { ...this.core, initialized: true, seal, sealType: this.sealType, ...(recovery ? { recovery } : {}) };
    if (!transit) {
      this.store.writeCore(this.core);
      master.fill(0);
      return { keys: keys.map((k) => k.toString('hex')), keys_base64: keys.map((k) => k.toString('base64')), root_token: root.id };
    }
    // The root key goes into the seal (stored shares), Vault unseals itself, recovery keys come back.
    new TransitSeal(this.store.dir).store(master);
    this.store.writeCore(this.core);
    const recoveryKey = randomBytes(32);
    const rk = recovery!.shares === 1 ? [recoveryKey] : split(recoveryKey, recovery!.shares, recovery!.threshold);
    this.data = data;
    this.key = master;
    return { keys: [], keys_base64: [], recovery_keys: rk.map((k) => k.toString('hex')), recovery_keys_base64: rk.map((k) => k.toString('base64')), root_token: root.id };
  }

  unseal(body: Record<string, unknown>): Record<string, unknown> {
    if (bool(body, 'reset', false)) {
      this.progress = [];
      this.nonce = '';
      return this.sealStatus();
    }
    if (!this.core.initialized) throw badRequest('Vault is not initialized');
    if (!this.sealed) return this.sealStatus();
    if (this.sealType === 'transit') throw badRequest('unseal with recovery keys is only for seal migration; this Vault unseals itself through its transit seal');
    const key = decodeKey(str(body, 'key'));
    if (this.progress.some((p) => p.equals(key))) throw badRequest('given key has already been provided during this generation operation');
    if (this.progress.length && this.progress[0]!.length !== key.length) throw badRequest('invalid key: all unseal keys must be the same length');
    this.progress.push(key);
    if (!this.nonce) this.nonce = randomUUID();
    const seal = this.core.seal!;
    if (this.progress.length < seal.threshold) return this.sealStatus();
    const shares = this.progress;
    this.progress = [];
    this.nonce = '';
    try {
      const master = seal.shares === 1 ? shares[0]! : combine(shares);
      this.data = this.store.open<BarrierData>(master);
      this.key = master;
    } catch (e) {
      if (e instanceof BarrierError || e instanceof Error) throw badRequest('Error unsealing: cipher: message authentication failed');
      throw e;
    }
    return this.sealStatus();
  }

  seal(): void {
    this.persist();
    this.key?.fill(0);
    this.key = undefined;
    this.data = undefined;
  }

  /** Write the barrier after a change (no-op while sealed). */
  persist(): void {
    if (this.key && this.data) this.store.seal(this.key, this.data);
  }

  /** New wrapping token id for a response. */
  wrap(response: Record<string, unknown>, ttl: number, creationPath: string): Record<string, unknown> {
    const d = this.data!;
    const token = `hvs.${randomId(24)}`;
    const entry: WrapEntry = { accessor: randomId(24), creationTime: Math.floor(Date.now() / 1000), ttl, creationPath, response };
    d.wraps[token] = entry;
    return { token, accessor: entry.accessor, ttl, creation_time: new Date(entry.creationTime * 1000).toISOString(), creation_path: creationPath };
  }

  /** Single use: returns and forgets the wrapped response. */
  unwrap(token: string): Record<string, unknown> | undefined {
    const d = this.data!;
    const w = d.wraps[token];
    if (!w) return undefined;
    delete d.wraps[token];
    if (w.creationTime + w.ttl <= Math.floor(Date.now() / 1000)) return undefined;
    return w.response;
  }
}

function decodeKey(k: string): Buffer {
  const t = k.trim();
  if (!t) throw badRequest('missing required parameter key');
  if (/^[0-9a-fA-F]+$/.test(t) && t.length % 2 === 0 && t.length >= 32) return Buffer.from(t, 'hex');
  const b = Buffer.from(t, 'base64');
  if (b.length < 16 || b.length > 33) throw badRequest("'key' must be a valid hex or base64 string");
  return b;
}
