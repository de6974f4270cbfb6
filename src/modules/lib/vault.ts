/**
 * Shared plumbing for the vault_* modules: common arguments, resolving the client for a task,
 * turning Vault failures into clear ModuleFailures, the local secrets file, and value
 * normalisation for read-compare-write.
 */
import { ModuleFailure, NotYetThere, type ModuleContext } from '../types.js';
import { dataOf, VaultError, type VaultBody, type VaultClient } from '../../vault/client.js';
import type { VaultArgs, VaultSettings } from '../../vault/session.js';
import { parseSecretsFile, secretsFileText, secretValues, type SecretsFile } from '../../vault/secrets-file.js';
import { parseDuration } from '../../vault/ttl.js';

export { CONNECTION_ARGS, SECRETS_FILE_ARG } from '../../vault/session.js';

/**
 * Where a task's Vault calls go: the settings resolved once, in check(), and carried in the
 * change to apply(), which reaches the same Vault with the same token.
 */
export interface VaultTarget {
  /** `vault_pki_role(nomad-cluster)` */
  readonly label: string;
  readonly settings: VaultSettings;
}

export interface VaultTask extends VaultTarget {
  ctx: ModuleContext;
  client: VaultClient;
}

/** Resolve the task's settings (module args > vars > session > env); the token becomes a secret. */
export function vaultTarget(ctx: ModuleContext, args: VaultArgs, label: string): VaultTarget {
  const settings = ctx.vault.settings(ctx.vars, args);
  if (settings.token) ctx.secrets.add(settings.token);
  return { label, settings };
}

/** A client for a resolved target (a bad CA file or VAULT_SKIP_VERIFY fails the task here). */
export function connect(ctx: ModuleContext, target: VaultTarget): VaultTask {
  try {
    return { ctx, label: target.label, settings: target.settings, client: ctx.vault.client(target.settings) };
  } catch (e) {
    throw new ModuleFailure(`${target.label}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function openVault(ctx: ModuleContext, args: VaultArgs, label: string): VaultTask {
  return connect(ctx, vaultTarget(ctx, args, label));
}

/** The target of an open task, to carry in a change. */
export const targetOf = (t: VaultTask): VaultTarget => ({ label: t.label, settings: t.settings });

export function fail(t: VaultTask, message: string): never {
  throw new ModuleFailure(t.ctx.secrets.mask(`${t.label}: ${message}`));
}

async function explainDenied(t: VaultTask, e: VaultError): Promise<string> {
  const where = e.path ? ` on ${e.path}` : '';
  if (!t.settings.token) return `permission denied${where}: no Vault token (set VAULT_TOKEN or vault_token, or run vault_init first)`;
  try {
    const self = dataOf(await t.client.read('auth/token/lookup-self'));
    const pol = Array.isArray(self['policies']) ? self['policies'].join(', ') : '?';
    return `permission denied${where} (token from ${t.settings.tokenSource} has policies: ${pol})`;
  } catch {
    return `permission denied${where}: the token from ${t.settings.tokenSource} is invalid, expired or revoked`;
  }
}

async function explainSealed(t: VaultTask): Promise<string> {
  try {
    const st = await t.client.sealStatus();
    if (st['initialized'] === false) return 'Vault is not initialized: run vault_init first';
  } catch {
    /* fall through */
  }
  return 'Vault is sealed: run vault_unseal first';
}

/**
 * --check on a fresh Vault: vault_init and vault_unseal only say what they would do, so the
 * tasks after them find Vault uninitialized, sealed or without a token. They report that they
 * would run (changed) instead of failing; a real run still fails here.
 */
function pendingInCheckMode(t: VaultTask, why: string): void {
  if (t.ctx.checkMode) throw new NotYetThere(t.ctx.secrets.mask(`${t.label}: would run once Vault is ready (check mode: ${why.replace(/: run \S+ first$/, '')})`));
}

/** Run Vault calls; failures become ModuleFailure with the module label and a fix. */
export async function call<T>(t: VaultTask, f: (c: VaultClient) => Promise<T>): Promise<T> {
  try {
    return await f(t.client);
  } catch (e) {
    if (e instanceof ModuleFailure) throw e;
    if (!(e instanceof VaultError)) fail(t, e instanceof Error ? e.message : String(e));
    switch (e.kind) {
      case 'sealed':
        pendingInCheckMode(t, await explainSealed(t));
        fail(t, await explainSealed(t));
      case 'denied':
        if (!t.settings.token) pendingInCheckMode(t, 'no Vault token yet (vault_init writes it)');
        fail(t, await explainDenied(t, e));
      case 'unreachable':
        fail(t, e.message);
      default:
        fail(t, `Vault rejected the request${e.path ? ` to ${e.path}` : ''}: ${e.message}`);
    }
  }
}

/** Read a path; 404 → undefined. */
export async function readOptional(c: VaultClient, path: string): Promise<VaultBody | undefined> {
  try {
    return await c.read(path);
  } catch (e) {
    if (e instanceof VaultError && e.kind === 'notfound') return undefined;
    throw e;
  }
}

/* ---- the local secrets file (format in src/vault/secrets-file.ts), read and written through the task's connection ---- */

export type { SecretsFile } from '../../vault/secrets-file.js';

export async function readSecretsFile(ctx: ModuleContext, path: string, label: string): Promise<SecretsFile | undefined> {
  const info = await ctx.connection.stat(path);
  if (!info.exists) return undefined;
  let f: SecretsFile;
  try {
    f = parseSecretsFile((await ctx.connection.readFile(path)).toString('utf8'));
  } catch (e) {
    throw new ModuleFailure(`${label}: ${path} is not a valid Vault secrets file (${e instanceof Error ? e.message : String(e)})`);
  }
  for (const v of secretValues(f)) ctx.secrets.add(v);
  if ((info.mode ?? 0) & 0o077) ctx.log(`${path} is readable by others (mode ${(info.mode ?? 0).toString(8)}): it holds Vault's keys and root token`);
  return f;
}

export async function writeSecretsFile(ctx: ModuleContext, path: string, f: SecretsFile): Promise<void> {
  await ctx.connection.writeFile(path, secretsFileText(f), { mode: 0o600 });
}

/* ---- normalisation for read-compare-write ---- */

/** Durations in seconds when both parse as durations, booleans from "true"/"false", lists from "a,b". */
export function sameValue(want: unknown, have: unknown, kind: 'duration' | 'bool' | 'list' | 'auto' = 'auto'): boolean {
  if (kind === 'duration') {
    try {
      return parseDuration(want) === parseDuration(have ?? 0);
    } catch {
      return false;
    }
  }
  if (kind === 'bool' || typeof have === 'boolean') return toBool(want) === toBool(have);
  if (kind === 'list' || Array.isArray(have)) return JSON.stringify(toList(want)) === JSON.stringify(toList(have));
  if (typeof have === 'number') {
    if (typeof want === 'number') return want === have;
    try {
      return parseDuration(want) === have;
    } catch {
      return false;
    }
  }
  if (have && typeof have === 'object') return JSON.stringify(want) === JSON.stringify(have);
  return String(want ?? '') === String(have ?? '');
}

function toBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|yes|1|on)$/i.test(v)) return true;
  if (typeof v === 'string' && /^(false|no|0|off|)$/i.test(v)) return false;
  if (typeof v === 'number') return v !== 0;
  return undefined;
}

function toList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => String(x).trim());
  if (typeof v === 'string') return v === '' ? [] : v.split(',').map((x) => x.trim());
  if (v === undefined || v === null) return [];
  return [String(v)];
}

/** Keys of `want` whose values differ from `have`; kinds per key. */
export function differences(want: Record<string, unknown>, have: Record<string, unknown> | undefined, kinds: Record<string, 'duration' | 'bool' | 'list'> = {}): string[] {
  if (!have) return Object.keys(want);
  return Object.keys(want).filter((k) => want[k] !== undefined && !sameValue(want[k], have[k], kinds[k] ?? 'auto'));
}
