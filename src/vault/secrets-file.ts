/**
 * The local secrets file vault_init writes and vault_unseal reads: unseal (or recovery) keys and
 * the root token, in the shape of `vault operator init -format=json`. Only the format lives here;
 * where it is comes from the session (settings().secretsFile), reading and writing go through the
 * task's connection.
 */

export interface SecretsFile {
  unseal_keys_b64: string[];
  unseal_keys_hex: string[];
  unseal_shares: number;
  unseal_threshold: number;
  /** Auto-unseal seals: recovery keys instead of unseal keys (as `vault operator init -format=json`). */
  recovery_keys_b64?: string[];
  recovery_keys_hex?: string[];
  recovery_keys_shares?: number;
  recovery_keys_threshold?: number;
  root_token: string;
}

/** The file's content as written (JSON, 2-space indent, final newline). */
export function secretsFileText(f: SecretsFile): string {
  return `${JSON.stringify(f, null, 2)}\n`;
}

/** Parse the file's text; throws with what is wrong (never with the content). */
export function parseSecretsFile(text: string): SecretsFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('expected the JSON written by vault_init');
  }
  const f = parsed as Partial<SecretsFile>;
  if (!f || typeof f !== 'object' || !Array.isArray(f.unseal_keys_b64) || typeof f.root_token !== 'string') {
    throw new Error('expected unseal_keys_b64 and root_token');
  }
  return f as SecretsFile;
}

/** Every key and the root token: each is registered as a secret before anything can print it. */
export function secretValues(f: SecretsFile): string[] {
  return [...f.unseal_keys_b64, ...(f.unseal_keys_hex ?? []), ...(f.recovery_keys_b64 ?? []), ...(f.recovery_keys_hex ?? []), f.root_token].map(String);
}
