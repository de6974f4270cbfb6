/** Helpers shared by the PKI modules: does a mount already have a CA, and local CA files. */
import type { ModuleContext } from '../types.js';
import { dataOf, VaultError, type VaultBody, type VaultClient } from '../../vault/client.js';
import { readOptional } from './vault.js';

export interface MountCa {
  issuers: string[];
  /** PEM of the default issuer ('' when none). */
  certificate: string;
}

/**
 * Vault ≥ 1.11 lists issuers; older Vaults (404 on LIST issuers) only have cert/ca.
 * Checking first matters: every root/generate call adds another issuer.
 */
export async function mountCa(c: VaultClient, mount: string): Promise<MountCa> {
  const issuers = await c.list(`${mount}/issuers`);
  const ca = await readCa(c, `${mount}/cert/ca`);
  const certificate = ca ? String(dataOf(ca)['certificate'] ?? '').trim() : '';
  return { issuers, certificate };
}

/**
 * `GET <mount>/cert/ca` on a mount with no issuer: Vault answers 400 (500 in some versions)
 * "no default issuer currently configured" (builtin/logical/pki path_fetch.go pathFetchRead →
 * fetchCAInfo → resolveIssuerReference), older Vaults 404 or an empty certificate. All mean
 * "no CA yet"; anything else is an error.
 */
async function readCa(c: VaultClient, path: string): Promise<VaultBody | undefined> {
  try {
    return await readOptional(c, path);
  } catch (e) {
    if (e instanceof VaultError && (e.kind === 'invalid' || e.kind === 'server') && /no default issuer/i.test(e.message)) return undefined;
    throw e;
  }
}

/** Subject CN of a PEM certificate, for reasons ("CA CN=global.nomad"). */
export async function commonName(pem: string): Promise<string> {
  const { X509Certificate } = await import('node:crypto');
  try {
    const m = /CN=([^\n,]+)/.exec(new X509Certificate(pem).subject);
    return m ? m[1]!.trim() : '';
  } catch {
    return '';
  }
}

/** Current content of a local file ('' when missing). */
export async function localText(ctx: ModuleContext, path: string): Promise<string | undefined> {
  const info = await ctx.connection.stat(path);
  return info.exists ? (await ctx.connection.readFile(path)).toString('utf8') : undefined;
}

export const pemFile = (pem: string): string => `${pem.trim()}\n`;
