/**
 * Guide steps 1-9 through the vault_* modules against the lab Vault (in-process, 127.0.0.1,
 * random port, temp state), run twice; then the token, a certificate, denials, restart.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyModule } from '../../src/modules/types.js';
import { vault_init } from '../../src/modules/vault_init.js';
import { vault_pki_intermediate } from '../../src/modules/vault_pki_intermediate.js';
import { vault_pki_role } from '../../src/modules/vault_pki_role.js';
import { vault_pki_root } from '../../src/modules/vault_pki_root.js';
import { vault_policy } from '../../src/modules/vault_policy.js';
import { vault_secrets_enable } from '../../src/modules/vault_secrets_enable.js';
import { vault_secrets_tune } from '../../src/modules/vault_secrets_tune.js';
import { vault_token } from '../../src/modules/vault_token.js';
import { vault_unseal } from '../../src/modules/vault_unseal.js';
import { vault_write } from '../../src/modules/vault_write.js';
import type { LabVault } from '../../lab/vault/server.js';
import { Run, startVault, tempDir } from './vault-harness.js';

const TLS_POLICY = 'path "pki_int/issue/nomad-cluster" {\n  capabilities = ["update"]\n}\n';

const PLAY: [AnyModule, Record<string, unknown>][] = [
  [vault_init, { key_shares: 3, key_threshold: 2 }],
  [vault_unseal, {}],
  [vault_secrets_enable, { type: 'pki' }],
  [vault_secrets_tune, { path: 'pki', max_lease_ttl: '87600h' }],
  [vault_pki_root, { mount: 'pki', common_name: 'global.nomad', ttl: '87600h', ca_file: 'CA_cert.crt' }],
  [vault_secrets_enable, { type: 'pki', path: 'pki_int' }],
  [vault_secrets_tune, { path: 'pki_int', max_lease_ttl: '43800h' }],
  [vault_pki_intermediate, { mount: 'pki_int', root_mount: 'pki', common_name: 'global.nomad Intermediate Authority', ttl: '43800h' }],
  [vault_pki_role, { mount: 'pki_int', name: 'nomad-cluster', allowed_domains: 'global.nomad', allow_subdomains: true, max_ttl: '86400s', require_cn: false, generate_lease: true }],
  [vault_policy, { name: 'tls-policy', rules: TLS_POLICY }],
  [vault_token, { policies: ['tls-policy'], period: '24h', orphan: true }],
];

describe('vault modules against the lab Vault', () => {
  const dir = tempDir();
  const state = join(dir, 'state');
  let lab: LabVault;
  let vars: Record<string, unknown>;
  const runs: Run[] = [];
  let tlsToken = '';
  const newRun = (): Run => {
    const r = new Run(dir, vars);
    runs.push(r);
    return r;
  };
  /** A later run of a play: its vault_init task (a no-op) picks up the root token from the secrets file. */
  const laterRun = async (): Promise<Run> => {
    const r = newRun();
    const init = await r.run(vault_init, { key_shares: 3, key_threshold: 2 });
    expect(init.changed, init.msg).toBe(false);
    return r;
  };

  beforeAll(async () => {
    lab = await startVault(state);
    vars = { vault_addr: lab.addr, vault_secrets_file: '.vault-secrets.json' };
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('first run: every step changes; the secrets file is 0600 and holds the keys', async () => {
    const run = newRun();
    for (const [def, args] of PLAY) {
      const r = await run.run(def, args);
      expect(r.failed, `${def.name}: ${r.msg}`).toBe(false);
      expect(r.changed, `${def.name} should change`).toBe(true);
    }
    const file = join(dir, '.vault-secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secrets = JSON.parse(readFileSync(file, 'utf8')) as { unseal_keys_b64: string[]; root_token: string };
    expect(secrets.unseal_keys_b64).toHaveLength(3);
    const init = run.results[0]!.result;
    expect(JSON.stringify(init)).not.toContain(secrets.root_token);
    const tok = run.results.at(-1)!.result.data;
    tlsToken = String(tok['token']);
    expect(tok['policies']).toEqual(['default', 'tls-policy']);
    expect(run.secrets.mask(`token=${tlsToken}`)).toBe('token=********');
  });

  it('second run: all ok with a reason, except vault_token', async () => {
    const run = newRun();
    for (const [def, args] of PLAY) {
      const r = await run.run(def, args);
      expect(r.failed, `${def.name}: ${r.msg}`).toBe(false);
      if (def === vault_token) expect(r.changed).toBe(true);
      else {
        expect(r.changed, `${def.name}: ${r.reason}`).toBe(false);
        expect(r.reason).toBeTruthy();
      }
    }
    const reasons = run.results.map((x) => x.result.reason ?? '');
    expect(reasons[0]).toMatch(/already initialized/);
    expect(reasons[1]).toBe('Vault already unsealed');
    expect(reasons[3]).toMatch(/max_lease_ttl=87600h/);
    expect(reasons[4]).toMatch(/already has a root CA \(CN global\.nomad\).*CA_cert\.crt up to date/);
    const issuers = await runs[1]!.session.client(runs[1]!.session.settings(vars)).list('pki/issuers');
    expect(issuers).toHaveLength(1);
  });

  it('the token is periodic (24h), orphan, with default + tls-policy', async () => {
    const run = await laterRun();
    const r = await run.run(vault_write, { path: 'auth/token/lookup', data: { token: tlsToken } });
    const d = r.data['data'] as Record<string, unknown>;
    expect(d['policies']).toEqual(['default', 'tls-policy']);
    expect(d['period']).toBe(86400);
    expect(d['orphan']).toBe(true);
    expect(d['renewable']).toBe(true);
  });

  it('issues server.global.nomad with that token; openssl verifies the chain', async () => {
    const run = newRun();
    const r = await run.run(vault_write, { path: 'pki_int/issue/nomad-cluster', token: tlsToken, data: { common_name: 'server.global.nomad', ttl: '24h', alt_names: 'localhost', ip_sans: '127.0.0.1' } });
    expect(r.failed, r.msg).toBe(false);
    const d = r.data['data'] as Record<string, unknown>;
    expect(String(r.data['lease_id'])).toMatch(/^pki_int\/issue\/nomad-cluster\//);
    const leaf = new X509Certificate(String(d['certificate']));
    expect(leaf.subject).toBe('CN=server.global.nomad');
    expect(leaf.subjectAltName).toBe('DNS:server.global.nomad, DNS:localhost, IP Address:127.0.0.1');
    expect(String(d['serial_number'])).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2})+$/);
    expect(run.secrets.mask(String(d['private_key']))).not.toContain('PRIVATE KEY-----\nMII');
    const chain = d['ca_chain'] as string[];
    writeFileSync(join(dir, 'leaf.pem'), `${String(d['certificate'])}\n`);
    writeFileSync(join(dir, 'int.pem'), `${chain[0]}\n`);
    const out = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'CA_cert.crt'), '-untrusted', join(dir, 'int.pem'), join(dir, 'leaf.pem')], { encoding: 'utf8' });
    expect(out.trim()).toMatch(/leaf\.pem: OK$/);
  });

  it('that token is denied elsewhere, with a clear message and no secret in it', async () => {
    const run = newRun();
    const r = await run.run(vault_write, { path: 'pki/root/generate/internal', token: tlsToken, data: { common_name: 'evil' } });
    expect(r.failed).toBe(true);
    expect(r.msg).toBe('vault_write(pki/root/generate/internal): permission denied on pki/root/generate/internal (token from the token argument has policies: default, tls-policy)');
    const bad = await run.run(vault_pki_role, { name: 'nomad-cluster', token: 'hvs.NotARealTokenAtAll0000', allowed_domains: 'x' });
    expect(bad.msg).toBe('vault_pki_role(nomad-cluster): permission denied on pki_int/roles/nomad-cluster: the token from the token argument is invalid, expired or revoked');
    const cn = await run.run(vault_write, { path: 'pki_int/issue/nomad-cluster', token: tlsToken, data: { common_name: 'evil.example.com' } });
    expect(cn.msg).toBe('vault_write(pki_int/issue/nomad-cluster): Vault rejected the request to pki_int/issue/nomad-cluster: common name evil.example.com not allowed by this role');
    const down = await run.run(vault_pki_role, { name: 'nomad-cluster', vault_addr: 'http://127.0.0.1:1', allowed_domains: 'x' });
    expect(down.msg).toBe('vault_pki_role(nomad-cluster): cannot reach Vault at http://127.0.0.1:1: connection refused');
  });

  it('wraps a token on request; unwrapping gives the token once', async () => {
    const run = await laterRun();
    const r = await run.run(vault_token, { policies: ['tls-policy'], period: '24h', orphan: true, wrap_ttl: '5m' });
    expect(r.data['token']).toBeUndefined();
    const wrap = String(r.data['wrap_token']);
    const c = run.session.client({ addr: lab.addr, token: wrap, secretsFile: '' });
    const un = await c.write('sys/wrapping/unwrap', {});
    expect((un['auth'] as Record<string, unknown>)['policies']).toEqual(['default', 'tls-policy']);
    await expect(c.write('sys/wrapping/unwrap', {})).rejects.toThrow(/wrapping token is not valid/);
  });

  it('a restart comes back sealed; clear error; vault_unseal with the saved keys', async () => {
    await lab.close();
    lab = await startVault(state);
    vars = { ...vars, vault_addr: lab.addr };
    const run = await laterRun();
    const sealed = await run.run(vault_pki_role, { name: 'nomad-cluster', allowed_domains: 'global.nomad' });
    expect(sealed.msg).toBe('vault_pki_role(nomad-cluster): Vault is sealed: run vault_unseal first');
    const un = await run.run(vault_unseal, {});
    expect(un.changed, un.msg).toBe(true);
    const again = await run.run(vault_pki_role, { mount: 'pki_int', name: 'nomad-cluster', allowed_domains: 'global.nomad', allow_subdomains: true, max_ttl: '24h', require_cn: false, generate_lease: true });
    expect(again.failed, again.msg).toBe(false);
    expect(again.changed).toBe(false);
  });

  it('no secret value appears in any error text', () => {
    const file = JSON.parse(readFileSync(join(dir, '.vault-secrets.json'), 'utf8')) as { unseal_keys_b64: string[]; unseal_keys_hex: string[]; root_token: string };
    const secretValues = [file.root_token, ...file.unseal_keys_b64, ...file.unseal_keys_hex, tlsToken];
    const texts = runs.flatMap((r) => r.results.map((x) => `${x.result.msg ?? ''} ${x.result.reason ?? ''}`));
    expect(texts.some((t) => t.includes('Vault is sealed'))).toBe(true);
    for (const t of texts) for (const s of secretValues) expect(t).not.toContain(s);
  });
});
