/**
 * The vault_* modules against the lab Vault in its other modes, in-process (no root needed):
 * an auto-unseal (transit) seal with recovery keys, HTTPS with a private CA (VAULT_CACERT,
 * VAULT_SKIP_VERIFY read as the vault CLI reads it), wrong unseal keys, `max_lease_ttl: system`,
 * and a PKI mount left with a key but no issuer by a failed run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vault_init } from '../../src/modules/vault_init.js';
import { vault_pki_intermediate } from '../../src/modules/vault_pki_intermediate.js';
import { vault_pki_root } from '../../src/modules/vault_pki_root.js';
import { vault_secrets_enable } from '../../src/modules/vault_secrets_enable.js';
import { vault_secrets_tune } from '../../src/modules/vault_secrets_tune.js';
import { vault_unseal } from '../../src/modules/vault_unseal.js';
import { VaultSession } from '../../src/vault/session.js';
import { startLabVault, type LabVault } from '../../lab/vault/server.js';
import { Run, tempDir } from './vault-harness.js';

type Json = Record<string, unknown>;

async function api(addr: string, method: string, path: string, body?: Json, token?: string): Promise<{ status: number; json: Json }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(token ? { 'X-Vault-Token': token } : {}) };
  const res = await fetch(`${addr}/v1/${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Json) : {} };
}

describe('auto-unseal (transit seal): recovery keys, unseals itself', () => {
  const dir = tempDir('vault-auto-');
  const state = join(dir, 'state');
  let lab: LabVault;
  const vars = (): Json => ({ vault_addr: lab.addr, vault_secrets_file: 'secrets.json' });

  beforeAll(async () => {
    lab = await startLabVault({ port: 0, stateDir: state, seal: 'transit' });
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('refuses secret_shares as Vault does (http/sys_init.go validateInitParameters)', async () => {
    const st = await api(lab.addr, 'GET', 'sys/seal-status');
    expect(st.json).toMatchObject({ type: 'transit', initialized: false, sealed: true, recovery_seal: true });
    const r = await api(lab.addr, 'PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
    expect(r).toEqual({ status: 400, json: { errors: ['parameters secret_shares,secret_threshold not applicable to seal type transit'] } });
    const none = await api(lab.addr, 'PUT', 'sys/init', {});
    expect(none).toEqual({ status: 400, json: { errors: ['recovery configuration must specify a positive number of shares'] } });
  });

  it('vault_init sends recovery_shares, saves recovery keys; vault_unseal has nothing to do', async () => {
    const run = new Run(dir, vars());
    const init = await run.run(vault_init, { key_shares: 5, key_threshold: 3, recovery_shares: 3, recovery_threshold: 2 });
    expect(init.failed, init.msg).toBe(false);
    expect(init.changed).toBe(true);
    const file = JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')) as Json;
    expect(file['unseal_keys_b64']).toEqual([]);
    expect(file['recovery_keys_b64']).toHaveLength(3);
    expect(file['recovery_keys_threshold']).toBe(2);
    expect(JSON.stringify(init)).not.toContain(String(file['root_token']));
    const un = await run.run(vault_unseal, {});
    expect(un.failed, un.msg).toBe(false);
    expect(un.changed).toBe(false);
    expect(un.reason).toBe('Vault unsealed by its transit seal');
    const st = await api(lab.addr, 'GET', 'sys/seal-status');
    expect(st.json).toMatchObject({ sealed: false, t: 2, n: 3 });
  });

  it('a restart comes back unsealed; a second run changes nothing', async () => {
    await lab.close();
    lab = await startLabVault({ port: 0, stateDir: state, seal: 'transit' });
    expect((await api(lab.addr, 'GET', 'sys/health')).status).toBe(200);
    const run = new Run(dir, vars());
    const init = await run.run(vault_init, { recovery_shares: 3, recovery_threshold: 2 });
    expect(init.changed).toBe(false);
    const un = await run.run(vault_unseal, {});
    expect(un.changed).toBe(false);
    const en = await run.run(vault_secrets_enable, { type: 'pki' });
    expect(en.failed, en.msg).toBe(false);
  });

  it('a shamir Vault refuses recovery parameters', async () => {
    const other = await startLabVault({ port: 0, stateDir: join(dir, 'shamir') });
    try {
      const r = await api(other.addr, 'PUT', 'sys/init', { recovery_shares: 1, recovery_threshold: 1 });
      expect(r).toEqual({ status: 400, json: { errors: ['parameters recovery_shares,recovery_threshold not applicable to seal type shamir'] } });
    } finally {
      await other.close();
    }
  });
});

describe('HTTPS with a private CA: VAULT_CACERT, VAULT_SKIP_VERIFY', () => {
  const dir = tempDir('vault-tls-');
  let lab: LabVault;

  beforeAll(async () => {
    lab = await startLabVault({ port: 0, stateDir: join(dir, 'state'), tls: true });
  });
  afterAll(async () => {
    await lab?.close();
  });

  const runWith = (env: Record<string, string>, vars: Json = {}): Run => {
    const run = new Run(dir, { vault_addr: lab.addr, vault_secrets_file: 'secrets.json', ...vars });
    run.session = new VaultSession({ HOME: dir, ...env }, dir);
    return run;
  };

  it('serves https://; the CA file verifies it', () => {
    expect(lab.addr).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(readFileSync(lab.caFile!, 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('without the CA: refused, with the fix named', async () => {
    const r = await runWith({}).run(vault_init, { key_shares: 1, key_threshold: 1 });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/^vault_init: cannot reach Vault at https:\/\/127\.0\.0\.1:\d+: certificate not trusted \(set VAULT_CACERT or vault_cacert\)$/);
  });

  it('VAULT_SKIP_VERIFY=false still verifies (node-vault alone would not)', async () => {
    const r = await runWith({ VAULT_SKIP_VERIFY: 'false' }).run(vault_init, { key_shares: 1, key_threshold: 1 });
    expect(r.msg).toMatch(/certificate not trusted/);
  });

  it('VAULT_SKIP_VERIFY must be a Go boolean', async () => {
    const r = await runWith({ VAULT_SKIP_VERIFY: 'yes' }).run(vault_init, { key_shares: 1, key_threshold: 1 });
    expect(r.msg).toBe('vault_init: could not parse VAULT_SKIP_VERIFY="yes": expected true or false (1, t, TRUE, 0, f, FALSE, ...), as the vault CLI reads it');
  });

  it('VAULT_SKIP_VERIFY=1 reads the status without verifying', async () => {
    const c = new VaultSession({ HOME: dir, VAULT_SKIP_VERIFY: '1', VAULT_ADDR: lab.addr }, dir);
    const st = await c.client(c.settings({})).sealStatus();
    expect(st['initialized']).toBe(false);
  });

  it('VAULT_CACERT: init, unseal and a root CA over verified TLS', async () => {
    const run = runWith({ VAULT_CACERT: lab.caFile! });
    for (const [def, args] of [
      [vault_init, { key_shares: 1, key_threshold: 1 }],
      [vault_unseal, {}],
      [vault_secrets_enable, { type: 'pki' }],
      [vault_pki_root, { mount: 'pki', common_name: 'global.nomad', ttl: '87600h', key_type: 'ec' }],
    ] as const) {
      const r = await run.run(def, args);
      expect(r.failed, `${def.name}: ${r.msg}`).toBe(false);
      expect(r.changed).toBe(true);
    }
  });

  it('vault_cacert (the inventory variable) does the same', async () => {
    const run = runWith({}, { vault_cacert: lab.caFile! });
    expect((await run.run(vault_init, { key_shares: 1, key_threshold: 1 })).changed).toBe(false);
    const r = await run.run(vault_pki_root, { mount: 'pki', common_name: 'global.nomad', key_type: 'ec' });
    expect(r.failed, r.msg).toBe(false);
    expect(r.changed).toBe(false);
  });
});

describe('shamir: wrong keys, tune to system, a mount with a key but no issuer', () => {
  const dir = tempDir('vault-shamir-');
  let lab: LabVault;
  let run: Run;

  beforeAll(async () => {
    lab = await startLabVault({ port: 0, stateDir: join(dir, 'state') });
    run = new Run(dir, { vault_addr: lab.addr, vault_secrets_file: 'secrets.json' });
    const init = await run.run(vault_init, { key_shares: 3, key_threshold: 2 });
    expect(init.failed, init.msg).toBe(false);
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('wrong unseal keys: the module says so, also when Vault answers 400 on the threshold key', async () => {
    const other = await startLabVault({ port: 0, stateDir: join(dir, 'other') });
    try {
      const init = await api(other.addr, 'PUT', 'sys/init', { secret_shares: 3, secret_threshold: 2 });
      const keys = init.json['keys_base64'] as string[];
      const r = await run.run(vault_unseal, { keys });
      expect(r.failed).toBe(true);
      expect(r.msg).toMatch(/^vault_unseal: Vault refused the unseal keys: the keys do not belong to this Vault \(from the keys argument\): /);
      for (const k of keys) expect(r.msg).not.toContain(k);
    } finally {
      await other.close();
    }
    const ok = await run.run(vault_unseal, {});
    expect(ok.changed, ok.msg).toBe(true);
  });

  it('max_lease_ttl: system is idempotent', async () => {
    await run.run(vault_secrets_enable, { type: 'pki' });
    const set = await run.run(vault_secrets_tune, { path: 'pki', max_lease_ttl: '87600h' });
    expect(set.changed).toBe(true);
    const back = await run.run(vault_secrets_tune, { path: 'pki', max_lease_ttl: 'system' });
    expect(back.changed, back.msg).toBe(true);
    const again = await run.run(vault_secrets_tune, { path: 'pki', max_lease_ttl: 'system' });
    expect(again.failed, again.msg).toBe(false);
    expect(again.changed).toBe(false);
    expect(again.reason).toBe('pki/ already tuned: max_lease_ttl=system');
  });

  it('a fresh mount answers 400 on cert/ca; a key without an issuer is resumed', async () => {
    const token = JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')).root_token as string;
    await run.run(vault_secrets_enable, { type: 'pki', path: 'pki_int' });
    const ca = await api(lab.addr, 'GET', 'pki_int/cert/ca');
    expect(ca).toEqual({ status: 400, json: { errors: ['no default issuer currently configured'] } });
    // What a run that stopped after intermediate/generate leaves: a key, no issuer.
    const csr = await api(lab.addr, 'PUT', 'pki_int/intermediate/generate/internal', { common_name: 'x', key_type: 'ec' }, token);
    expect(csr.status).toBe(200);
    const root = await run.run(vault_pki_root, { mount: 'pki', common_name: 'global.nomad', ttl: '87600h', key_type: 'ec' });
    expect(root.changed, root.msg).toBe(true);
    const int = await run.run(vault_pki_intermediate, { mount: 'pki_int', root_mount: 'pki', common_name: 'global.nomad Intermediate Authority', ttl: '43800h', key_type: 'ec' });
    expect(int.failed, int.msg).toBe(false);
    expect(int.changed).toBe(true);
    const again = await run.run(vault_pki_intermediate, { mount: 'pki_int', root_mount: 'pki', common_name: 'global.nomad Intermediate Authority', ttl: '43800h', key_type: 'ec' });
    expect(again.changed).toBe(false);
  });

  it('durations Vault refuses are refused before any request', async () => {
    const r = await run.run(vault_secrets_tune, { path: 'pki', max_lease_ttl: '1d12h' });
    expect(r.failed).toBe(true);
    expect(r.msg).toContain('max_lease_ttl: invalid duration "1d12h"');
    const lab400 = await api(lab.addr, 'POST', 'sys/mounts/pki/tune', { max_lease_ttl: '1d12h' }, JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')).root_token as string);
    expect(lab400).toEqual({ status: 400, json: { errors: ['time: unknown unit "d" in duration "1d12h"'] } });
  });
});
