/**
 * Guide steps 1-9 through `orchestrate run` (the CLI, as users run it) against the lab Vault:
 * twice (second run: 0 changed), then every captured output — plain at -vvv, --json, --diff —
 * is scanned for the actual secret values (root token, unseal keys, the periodic token).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLabVault, type LabVault } from '../../lab/vault/server.js';
import { orchestrate, project, results, totals, type CliResult } from '../helpers/cli.js';

const PLAYBOOK = `
- hosts: localhost
  gather_facts: false
  vars:
    vault_secrets_file: "{{ playbook_dir }}/secrets.json"
  tasks:
    - vault_init: { key_shares: 3, key_threshold: 2 }
    - vault_unseal: {}
    - vault_secrets_enable: { path: pki, type: pki }
    - vault_secrets_tune: { path: pki, max_lease_ttl: 87600h }
    - vault_pki_root: { mount: pki, common_name: global.nomad, ttl: 87600h, ca_file: "{{ playbook_dir }}/CA_cert.crt" }
    - vault_secrets_enable: { path: pki_int, type: pki }
    - vault_secrets_tune: { path: pki_int, max_lease_ttl: 43800h }
    - vault_pki_intermediate: { mount: pki_int, root_mount: pki, common_name: "global.nomad Intermediate Authority", ttl: 43800h }
    - vault_pki_role: { mount: pki_int, name: nomad-cluster, allowed_domains: global.nomad, allow_subdomains: true, max_ttl: 86400s, require_cn: false, generate_lease: true }
    - vault_policy:
        name: tls-policy
        rules: |
          path "pki_int/issue/nomad-cluster" {
            capabilities = ["update"]
          }
    - name: periodic orphan token
      vault_token: { policies: [tls-policy], period: 24h, orphan: true, token_file: "{{ playbook_dir }}/token" }
      register: tok
    - name: use the token in a later task (masked in output)
      debug: { msg: "token is {{ tok.token }}" }
    - name: write it to a file with --diff
      copy: { dest: "{{ playbook_dir }}/consul-template.hcl", content: "vault { token = \\"{{ tok.token }}\\" }\\n", mode: "0600" }
`;

describe('vault via the CLI: idempotent and no secret in any output', () => {
  let vault: LabVault;
  let dir: string;
  const outputs: CliResult[] = [];

  beforeAll(async () => {
    dir = project({ 'site.yml': PLAYBOOK });
    vault = await startLabVault({ host: '127.0.0.1', port: 0, stateDir: path.join(dir, 'vault-state') });
  });
  afterAll(async () => {
    await vault?.close();
  });

  const run = async (...extra: string[]) => {
    const r = await orchestrate(['run', path.join(dir, 'site.yml'), ...extra], { cwd: dir, env: { VAULT_ADDR: vault.addr, HOME: dir } });
    outputs.push(r);
    return r;
  };

  it('first run changes, second run is all ok', async () => {
    const first = await run('--json', '--diff');
    expect(first.code, first.stderr + first.stdout.slice(-2000)).toBe(0);
    expect(totals(first.events)['changed']).toBeGreaterThanOrEqual(11);
    const second = await run('--json', '--diff');
    expect(second.code, second.stderr).toBe(0);
    const changed = results(second.events).filter((e) => e['changed']);
    expect(changed.map((e) => e['task'])).toEqual([]);
    const plain = await run('-vvv', '--diff');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('token is ********');
  });

  it('no secret value appears in any stdout or stderr', () => {
    const secrets = JSON.parse(readFileSync(path.join(dir, 'secrets.json'), 'utf8')) as Record<string, unknown>;
    const values = new Set<string>();
    const collect = (v: unknown): void => {
      if (typeof v === 'string' && v.length >= 8) values.add(v);
      else if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    collect(secrets);
    const token = readFileSync(path.join(dir, 'token'), 'utf8').trim();
    const hcl = readFileSync(path.join(dir, 'consul-template.hcl'), 'utf8');
    expect(hcl).toContain(token.length > 0 ? 'token = "' : 'missing');
    const fromHcl = /token = "([^"]+)"/.exec(hcl)?.[1];
    if (fromHcl) values.add(fromHcl);
    expect(values.size).toBeGreaterThanOrEqual(4); // root token, 3 unseal keys (+ base64 forms), the token
    const all = outputs.map((o) => o.stdout + o.stderr).join('\n');
    for (const v of values) expect(all.includes(v), `secret leaked: ${v.slice(0, 4)}…`).toBe(false);
  });
});
