/**
 * Per-run Vault state shared by the local Vault modules (owned by src/vault).
 * Connection settings resolve as the vault CLI does: task/play vars (vault_addr, vault_token,
 * vault_cacert, vault_namespace) > VAULT_* env > ~/.vault-token; after vault_init the root token
 * from the secrets file is used until a task sets another.
 */
export interface VaultSettings {
  addr: string;
  token?: string;
  cacert?: string;
  namespace?: string;
  secretsFile: string;
}

export class VaultSession {
  /** Token learned during this run (root token after vault_init/unseal). */
  sessionToken: string | undefined;
  constructor(readonly env: NodeJS.ProcessEnv = process.env) {}
}
