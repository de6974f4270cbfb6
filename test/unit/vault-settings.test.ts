import { describe, expect, it } from 'vitest';
import { parseVaultMode } from '../../lab/fleet/services.js';
import { parseGoBool, VaultSession } from '../../src/vault/session.js';

describe('VAULT_SKIP_VERIFY as the vault CLI reads it (Go strconv.ParseBool)', () => {
  it.each([
    ['1', true],
    ['t', true],
    ['T', true],
    ['TRUE', true],
    ['true', true],
    ['True', true],
    ['0', false],
    ['f', false],
    ['F', false],
    ['FALSE', false],
    ['false', false],
    ['False', false],
  ])('%s → %s', (v, b) => expect(parseGoBool(v)).toBe(b));

  it.each(['yes', 'no', 'on', 'tRUE', ' true', '2', 'y'])('%j is not a Go boolean', (v) => expect(parseGoBool(v)).toBeUndefined());

  it('settings: the variable wins over the environment; a bad value is an error, not a silent skip', () => {
    const s = new VaultSession({ HOME: '/nonexistent', VAULT_SKIP_VERIFY: 'false' }, '/tmp');
    expect(s.settings({}).skipVerify).toBe(false);
    expect(s.settings({ vault_skip_verify: true }).skipVerify).toBe(true);
    const bad = new VaultSession({ HOME: '/nonexistent', VAULT_SKIP_VERIFY: 'on' }, '/tmp');
    const st = bad.settings({ vault_addr: 'https://127.0.0.1:8200' });
    expect(() => bad.client(st)).toThrow('could not parse VAULT_SKIP_VERIFY="on"');
    expect(new VaultSession({ HOME: '/nonexistent' }, '/tmp').settings({}).skipVerify).toBeUndefined();
  });
});

describe('lab up --vault-mode', () => {
  it('reads the modes and their combination', () => {
    expect(parseVaultMode(undefined)).toEqual({ seal: 'shamir', tls: false });
    expect(parseVaultMode('auto-unseal')).toEqual({ seal: 'transit', tls: false });
    expect(parseVaultMode('tls')).toEqual({ seal: 'shamir', tls: true });
    expect(parseVaultMode('auto-unseal+tls')).toEqual({ seal: 'transit', tls: true });
    expect(() => parseVaultMode('kms')).toThrow('--vault-mode "kms": expected shamir, auto-unseal or tls, joined with + (e.g. auto-unseal+tls)');
    expect(() => parseVaultMode('shamir+auto-unseal')).toThrow(/expected shamir/);
  });
});
