/**
 * Seal types of the lab Vault and the checks `sys/init` makes before it initializes:
 *   - shamir (default): the root key is split into unseal keys; unseal by hand after each start.
 *   - transit: an auto-unseal seal. Vault's seal "transit" wraps the root key with a key held by
 *     another Vault; here that outside key is a file beside the state (`transit-seal.key`, 0600),
 *     which is what the lab can offer in place of a second server. Such a seal supports recovery
 *     keys, refuses secret_shares/secret_threshold at init, and unseals Vault by itself at init
 *     and at every start (vault/init.go Initialize + UnsealWithStoredKeys).
 */
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { badRequest } from './http.js';
import { atomicWrite, decrypt, encrypt } from './storage.js';

export type SealType = 'shamir' | 'transit';
export const SEAL_TYPES: readonly SealType[] = ['shamir', 'transit'];

/** http/sys_init.go InitRequest: JSON ints (Go refuses a string for an int field). */
export interface InitRequest {
  secret_shares: number;
  secret_threshold: number;
  stored_shares: number;
  pgp_keys: unknown[];
  recovery_shares: number;
  recovery_threshold: number;
  recovery_pgp_keys: unknown[];
}

function goInt(body: Record<string, unknown>, key: string): number {
  const v = body[key];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`json: cannot unmarshal ${typeof v === 'string' ? 'string' : typeof v} into Go struct field InitRequest.${key} of type int`);
  return v;
}

function goList(body: Record<string, unknown>, key: string): unknown[] {
  const v = body[key];
  return Array.isArray(v) ? v : [];
}

export function initRequest(body: Record<string, unknown>): InitRequest {
  return {
    secret_shares: goInt(body, 'secret_shares'),
    secret_threshold: goInt(body, 'secret_threshold'),
    stored_shares: goInt(body, 'stored_shares'),
    pgp_keys: goList(body, 'pgp_keys'),
    recovery_shares: goInt(body, 'recovery_shares'),
    recovery_threshold: goInt(body, 'recovery_threshold'),
    recovery_pgp_keys: goList(body, 'recovery_pgp_keys'),
  };
}

/** http/sys_init.go validateInitParameters: the parameters that do not belong to this seal type. */
export function validateInitParameters(seal: SealType, req: InitRequest): void {
  const barrier = [req.secret_shares && 'secret_shares', req.secret_threshold && 'secret_threshold', req.pgp_keys.length && 'pgp_keys'].filter((x): x is string => !!x);
  const recovery = [req.recovery_shares && 'recovery_shares', req.recovery_threshold && 'recovery_threshold', req.recovery_pgp_keys.length && 'recovery_pgp_keys'].filter((x): x is string => !!x);
  const wrong = seal === 'shamir' ? recovery : barrier;
  if (wrong.length) throw badRequest(`parameters ${wrong.join(',')} not applicable to seal type ${seal}`);
}

/** vault/seal.go SealConfig.Validate, prefixed as vault/init.go Initialize wraps it. */
export function validateSealConfig(shares: number, threshold: number, what: 'seal' | 'recovery'): void {
  const fail = (m: string): never => {
    throw badRequest(`invalid ${what} configuration: ${m}`);
  };
  if (shares < 1) fail('shares must be at least one');
  if (threshold < 1) fail('threshold must be at least one');
  if (shares > 1 && threshold === 1) fail('threshold must be greater than one for multiple shares');
  if (shares > 255) fail('shares must be less than 256');
  if (threshold > 255) fail('threshold must be less than 256');
  if (threshold > shares) fail('threshold cannot be larger than shares');
}

/** The outside key of the transit seal: wraps the root key, so a start can unseal by itself. */
export class TransitSeal {
  constructor(private readonly dir: string) {}

  private get keyPath(): string {
    return join(this.dir, 'transit-seal.key');
  }
  private get wrappedPath(): string {
    return join(this.dir, 'stored-root-key.bin');
  }

  /** Keep the root key, wrapped with the seal's key (created on first use). */
  store(rootKey: Buffer): void {
    if (!existsSync(this.keyPath)) atomicWrite(this.keyPath, randomBytes(32));
    atomicWrite(this.wrappedPath, encrypt(readFileSync(this.keyPath), rootKey));
  }

  /** The stored root key, or undefined when there is none (not initialized yet). */
  fetch(): Buffer | undefined {
    if (!existsSync(this.wrappedPath) || !existsSync(this.keyPath)) return undefined;
    return decrypt(readFileSync(this.keyPath), readFileSync(this.wrappedPath));
  }
}
