/**
 * Rows of lab/vault/CONFORMANCE.md not covered elsewhere: the lab Vault answers as the upstream
 * code named there does (status, error body, field names and types).
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLabVault, type LabVault } from '../../lab/vault/server.js';
import { tempDir } from './vault-harness.js';

type Json = Record<string, unknown>;

describe('lab Vault conformance', () => {
  let lab: LabVault;
  let root = '';

  async function api(method: string, path: string, body?: Json, token = root): Promise<{ status: number; json: Json; text: string }> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(token ? { 'X-Vault-Token': token } : {}) };
    const res = await fetch(`${lab.addr}/v1/${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    let json: Json = {};
    try {
      json = text ? (JSON.parse(text) as Json) : {};
    } catch {
      /* raw body */
    }
    return { status: res.status, json, text };
  }
  const data = (r: { json: Json }): Json => r.json['data'] as Json;

  beforeAll(async () => {
    lab = await startLabVault({ port: 0, stateDir: tempDir('vault-conf-') });
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('sys/init: SealConfig.Validate wording; JSON ints only; seal-status fields', async () => {
    expect((await api('PUT', 'sys/init', { secret_shares: 3, secret_threshold: 1 })).json).toEqual({ errors: ['invalid seal configuration: threshold must be greater than one for multiple shares'] });
    expect((await api('PUT', 'sys/init', { secret_shares: 1, secret_threshold: 0 })).json).toEqual({ errors: ['invalid seal configuration: threshold must be at least one'] });
    expect((await api('PUT', 'sys/init', { secret_shares: '1', secret_threshold: 1 })).status).toBe(400);
    const st = (await api('GET', 'sys/seal-status')).json;
    expect(st).toMatchObject({ type: 'shamir', initialized: false, sealed: true, t: 0, n: 0, progress: 0, recovery_seal: false });
    const init = await api('PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
    root = String(init.json['root_token']);
    expect(init.json['keys']).toHaveLength(1);
    expect(init.json['recovery_keys']).toBeUndefined();
    expect((await api('PUT', 'sys/unseal', { key: (init.json['keys_base64'] as string[])[0] })).json).toMatchObject({ sealed: false, t: 1, n: 1 });
  });

  it('a fresh PKI mount: cert/ca 400 "no default issuer", ca/pem 204, LIST 404', async () => {
    expect((await api('POST', 'sys/mounts/pki', { type: 'pki' })).status).toBe(204);
    expect(await api('GET', 'pki/cert/ca', undefined, '')).toMatchObject({ status: 400, json: { errors: ['no default issuer currently configured'] } });
    expect((await api('GET', 'pki/cert/ca_chain', undefined, '')).status).toBe(400);
    expect(await api('GET', 'pki/ca/pem', undefined, '')).toMatchObject({ status: 204, text: '' });
    expect(await api('GET', 'pki/issuers?list=true')).toMatchObject({ status: 404, json: { errors: [] } });
    expect((await api('GET', 'pki/roles?list=true')).status).toBe(404);
  });

  it('tune: read gives effective TTLs as integer seconds; the mount keeps its own (0 = system)', async () => {
    const before = data(await api('GET', 'sys/mounts/pki/tune'));
    expect(before['max_lease_ttl']).toBe(2764800);
    expect((await api('POST', 'sys/mounts/pki/tune', { max_lease_ttl: '87600h' })).status).toBe(204);
    expect(data(await api('GET', 'sys/mounts/pki/tune'))['max_lease_ttl']).toBe(315360000);
    expect((data(await api('GET', 'sys/mounts/pki'))['config'] as Json)['max_lease_ttl']).toBe(315360000);
    expect((await api('POST', 'sys/mounts/pki/tune', { max_lease_ttl: 'system' })).status).toBe(204);
    expect(data(await api('GET', 'sys/mounts/pki/tune'))['max_lease_ttl']).toBe(2764800);
    expect((data(await api('GET', 'sys/mounts/pki'))['config'] as Json)['max_lease_ttl']).toBe(0);
    expect((await api('POST', 'sys/mounts/pki/tune', { max_lease_ttl: '1.5d' })).json).toEqual({ errors: ['strconv.ParseInt: parsing "1.5": invalid syntax'] });
    expect((await api('POST', 'sys/mounts/pki/tune', { max_lease_ttl: '87600h' })).status).toBe(204);
  });

  it('root/generate: a new issuer each call, expiration as an integer; cert/ca then 200', async () => {
    const r = data(await api('POST', 'pki/root/generate/internal', { common_name: 'global.nomad', ttl: '24h', key_type: 'ec' }));
    expect(typeof r['expiration']).toBe('number');
    expect(typeof r['issuer_id']).toBe('string');
    const ca = await api('GET', 'pki/cert/ca', undefined, '');
    expect(ca.status).toBe(200);
    expect(String(data(ca)['certificate'])).toBe(String(r['certificate']));
    expect((await api('POST', 'pki/root/generate/internal', { common_name: '', key_type: 'ec' })).json['errors']).toEqual([
      'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false',
    ]);
  });

  it('sign-intermediate (Vault ≥ 1.17): notAfter capped at the signing issuer', async () => {
    expect((await api('POST', 'sys/mounts/pki_int', { type: 'pki' })).status).toBe(204);
    const csr = String(data(await api('POST', 'pki_int/intermediate/generate/internal', { common_name: 'int', key_type: 'ec' }))['csr']);
    const signed = await api('POST', 'pki/root/sign-intermediate', { csr, ttl: '43800h', format: 'pem_bundle' });
    expect(signed.status).toBe(200);
    const rootCert = new X509Certificate(String(data(await api('GET', 'pki/cert/ca', undefined, ''))['certificate']));
    const intCert = new X509Certificate(String(data(signed)['certificate']).split(/(?<=-----END CERTIFICATE-----)\n/)[0]!);
    expect(Date.parse(intCert.validTo)).toBe(Date.parse(rootCert.validTo));
    const set = await api('POST', 'pki_int/intermediate/set-signed', { certificate: String(data(signed)['certificate']) });
    expect((data(set)['imported_issuers'] as string[]).length).toBeGreaterThanOrEqual(1);
  });

  it('role fields: TTLs read back as integer seconds; a duration Vault refuses is a 400', async () => {
    expect((await api('POST', 'pki_int/roles/r', { allowed_domains: 'global.nomad', allow_subdomains: true, max_ttl: '1h', generate_lease: true, key_type: 'ec' })).status).toBe(200);
    const role = data(await api('GET', 'pki_int/roles/r'));
    expect(role['max_ttl']).toBe(3600);
    expect(role['ttl']).toBe(0);
    expect((await api('POST', 'pki_int/roles/bad', { max_ttl: '1d12h' })).json).toEqual({ errors: ['error converting input 1d12h for field "max_ttl": time: unknown unit "d" in duration "1d12h"'] });
    expect((await api('POST', 'pki_int/roles/bad', { max_ttl: '-1h' })).status).toBe(400);
  });

  it('issue with generate_lease: a lease per certificate, lease_duration in seconds', async () => {
    const r = await api('POST', 'pki_int/issue/r', { common_name: 'server.global.nomad', ttl: '30m' });
    expect(r.status).toBe(200);
    expect(r.json['lease_duration']).toBe(1800);
    expect(String(r.json['lease_id'])).toMatch(/^pki_int\/issue\/r\//);
    expect(data(r)['private_key_type']).toBe('ec');
    expect(Array.isArray(data(r)['ca_chain'])).toBe(true);
  });
});
