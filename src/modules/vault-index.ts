/** The Vault modules (run on the control machine, through node-vault). */
import { registerModule } from './registry.js';
import type { AnyModule } from './types.js';
import { vault_init } from './vault_init.js';
import { vault_pki_intermediate } from './vault_pki_intermediate.js';
import { vault_pki_role } from './vault_pki_role.js';
import { vault_pki_root } from './vault_pki_root.js';
import { vault_policy } from './vault_policy.js';
import { vault_read } from './vault_read.js';
import { vault_secrets_enable } from './vault_secrets_enable.js';
import { vault_secrets_tune } from './vault_secrets_tune.js';
import { vault_token } from './vault_token.js';
import { vault_unseal } from './vault_unseal.js';
import { vault_write } from './vault_write.js';

export const VAULT_MODULES: readonly AnyModule[] = [vault_init, vault_unseal, vault_secrets_enable, vault_secrets_tune, vault_pki_root, vault_pki_intermediate, vault_pki_role, vault_policy, vault_token, vault_read, vault_write];

let registered = false;

export function registerVaultModules(): void {
  if (registered) return;
  registered = true;
  for (const m of VAULT_MODULES) registerModule(m);
}
