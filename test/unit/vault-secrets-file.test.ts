/** The vault_init secrets file format: written as `vault operator init -format=json`, read back strictly. */
import { describe, expect, it } from 'vitest';
import { parseSecretsFile, secretsFileText, secretValues, type SecretsFile } from '../../src/vault/secrets-file.js';

const FILE: SecretsFile = { unseal_keys_b64: ['a2V5MQ=='], unseal_keys_hex: ['6b657931'], unseal_shares: 1, unseal_threshold: 1, root_token: 'hvs.root' };

describe('secrets file', () => {
  it('round-trips, and lists every key and the root token as secrets', () => {
    const text = secretsFileText(FILE);
    expect(text.endsWith('}\n')).toBe(true);
    expect(parseSecretsFile(text)).toEqual(FILE);
    expect(secretValues(FILE)).toEqual(['a2V5MQ==', '6b657931', 'hvs.root']);
  });

  it('says what is wrong without echoing the content', () => {
    expect(() => parseSecretsFile('hvs.secret-not-json')).toThrow(/^expected the JSON written by vault_init$/);
    expect(() => parseSecretsFile('{"root_token": "hvs.x"}')).toThrow(/^expected unseal_keys_b64 and root_token$/);
  });
});
