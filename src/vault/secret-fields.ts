/** Register the secret values found in a Vault response (tokens, private keys, unseal keys). */
import type { Secrets } from '../util/secrets.js';

const SECRET_KEYS = /^(client_token|token|id|private_key|root_token|keys_base64|secret_id|password|secret_key|secret|unseal_keys_b64|unseal_keys_hex|recovery_keys|recovery_keys_base64|recovery_keys_b64|recovery_keys_hex)$/;

/** Walk a response; values under secret-looking keys (or every string when `all`) become secrets. */
export function registerSecrets(secrets: Secrets, value: unknown, all = false, underSecret = false): void {
  if (typeof value === 'string') {
    if (all || underSecret) secrets.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) registerSecrets(secrets, v, all, underSecret);
    return;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) registerSecrets(secrets, v, all, underSecret || SECRET_KEYS.test(k));
  }
}
