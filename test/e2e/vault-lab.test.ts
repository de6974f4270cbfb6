/** The lab Vault's HTTP API directly: seal lifecycle, health codes, tokens, ACLs, issuers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabVault } from '../../lab/vault/server.js';
import { startVault, tempDir } from './vault-harness.js';

type Json = Record<string, unknown>;

describe('lab Vault HTTP API', () => {
  let lab: LabVault;
  let root = '';
  let keys: string[] = [];

  async function api(method: string, path: string, body?: Json, token?: string): Promise<{ status: number; json: Json }> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (token) headers['X-Vault-Token'] = token;
    const res = await fetch(`${lab.addr}/v1/${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Json) : {} };
  }

  beforeAll(async () => {
    lab = await startVault(tempDir('vault-lab-'));
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('reports uninitialized and sealed like Vault', async () => {
    expect((await api('GET', 'sys/health')).status).toBe(501);
    expect((await api('GET', 'sys/health?uninitcode=200')).status).toBe(200);
    expect(await api('GET', 'sys/mounts')).toEqual({ status: 503, json: { errors: ['Vault is sealed'] } });
    expect((await api('GET', 'sys/init')).json).toEqual({ initialized: false });
    expect((await api('PUT', 'sys/init', { secret_shares: 3, secret_threshold: 4 })).status).toBe(400);
  });

  it('init splits the key; unseal needs threshold distinct valid shares', async () => {
    const init = await api('PUT', 'sys/init', { secret_shares: 5, secret_threshold: 3 });
    keys = init.json['keys'] as string[];
    root = String(init.json['root_token']);
    expect(keys).toHaveLength(5);
    expect((await api('PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 })).json['errors']).toEqual(['Vault is already initialized']);
    expect((await api('GET', 'sys/health')).status).toBe(503);
    let st = await api('PUT', 'sys/unseal', { key: keys[4] });
    expect(st.json).toMatchObject({ sealed: true, t: 3, n: 5, progress: 1 });
    expect((await api('PUT', 'sys/unseal', { key: keys[4] })).status).toBe(400); // same share twice
    st = await api('PUT', 'sys/unseal', { reset: true });
    expect(st.json['progress']).toBe(0);
    // A forged share (right length, wrong bytes) makes the combination fail to open the barrier.
    const forged = `${keys[0]!.slice(0, 10)}${keys[0]![10] === 'a' ? 'b' : 'a'}${keys[0]!.slice(11)}`;
    await api('PUT', 'sys/unseal', { key: forged });
    await api('PUT', 'sys/unseal', { key: keys[1] });
    const bad = await api('PUT', 'sys/unseal', { key: keys[2] });
    expect(bad.status).toBe(400);
    expect((await api('GET', 'sys/seal-status')).json).toMatchObject({ sealed: true, progress: 0 });
    for (const k of [keys[3], keys[0], keys[2]]) st = await api('PUT', 'sys/unseal', { key: k });
    expect(st.json).toMatchObject({ sealed: false, progress: 0 });
    expect((await api('GET', 'sys/health')).status).toBe(200);
  });

  it('tokens: default policy basics, children revoked with the parent, orphans kept, expiry', async () => {
    expect((await api('PUT', 'sys/policy/creator', { policy: 'path "auth/token/create" { capabilities = ["update"] }' }, root)).status).toBe(204);
    const parent = await api('POST', 'auth/token/create', { policies: ['creator'], ttl: '1h' }, root);
    const p = String((parent.json['auth'] as Json)['client_token']);
    const child = String(((await api('POST', 'auth/token/create', {}, p)).json['auth'] as Json)['client_token']);
    expect((await api('POST', 'auth/token/create', { policies: ['tls-policy'] }, p)).json['errors']).toEqual(['child policies must be subset of parent']);
    const orphan = String(((await api('POST', 'auth/token/create', { no_parent: true }, root)).json['auth'] as Json)['client_token']);
    expect((await api('GET', 'auth/token/lookup-self', undefined, child)).status).toBe(200);
    expect((await api('GET', 'sys/mounts', undefined, child)).json).toEqual({ errors: ['permission denied'] });
    expect((await api('POST', 'auth/token/revoke-self', {}, p)).status).toBe(204);
    expect((await api('GET', 'auth/token/lookup-self', undefined, child)).status).toBe(403);
    expect((await api('GET', 'auth/token/lookup-self', undefined, orphan)).status).toBe(200);
    const once = String(((await api('POST', 'auth/token/create', { num_uses: 1 }, root)).json['auth'] as Json)['client_token']);
    expect((await api('GET', 'auth/token/lookup-self', undefined, once)).status).toBe(200);
    expect((await api('GET', 'auth/token/lookup-self', undefined, once)).status).toBe(403);
    const short = String(((await api('POST', 'auth/token/create', { ttl: '1s' }, root)).json['auth'] as Json)['client_token']);
    // expires within its ttl (a second, by Vault's clock): poll for it, up to ten seconds
    let status = 200;
    for (let i = 0; i < 100 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await api('GET', 'auth/token/lookup-self', undefined, short)).status;
    }
    expect(status).toBe(403);
  });

  it('periodic token: renew-self resets the ttl to the period', async () => {
    const t = String(((await api('POST', 'auth/token/create-orphan', { period: '24h' }, root)).json['auth'] as Json)['client_token']);
    const r = await api('POST', 'auth/token/renew-self', { increment: '1h' }, t);
    expect((r.json['auth'] as Json)['lease_duration']).toBe(86400);
  });

  it('every root/generate adds an issuer (Vault >= 1.11); LIST via ?list=true', async () => {
    expect((await api('POST', 'sys/mounts/pki', { type: 'pki' }, root)).status).toBe(204);
    expect((await api('POST', 'sys/mounts/pki', { type: 'pki' }, root)).json['errors']).toEqual(['path is already in use at pki/']);
    expect((await api('GET', 'pki/issuers?list=true', undefined, root)).status).toBe(404);
    await api('POST', 'pki/root/generate/internal', { common_name: 'a.example', key_type: 'ec' }, root);
    await api('POST', 'pki/root/generate/internal', { common_name: 'b.example', key_type: 'ec' }, root);
    const list = await api('GET', 'pki/issuers?list=true', undefined, root);
    expect((list.json['data'] as Json)['keys']).toHaveLength(2);
    const ca = await fetch(`${lab.addr}/v1/pki/ca/pem`);
    expect(await ca.text()).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it('response wrapping via X-Vault-Wrap-TTL on any request', async () => {
    const res = await fetch(`${lab.addr}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': root, 'X-Vault-Wrap-TTL': '60s' } });
    const body = (await res.json()) as Json;
    const wrap = body['wrap_info'] as Json;
    expect(body['data']).toBeNull();
    expect(wrap['ttl']).toBe(60);
    const un = await api('POST', 'sys/wrapping/unwrap', { token: String(wrap['token']) }, root);
    expect((un.json['data'] as Json)['policies']).toEqual(['root']);
  });
});
