/**
 * The Nomad side on a lab of 2 servers + 1 client with Nomad ACLs on: mtls.yml (first run,
 * second run 0 changed) with the token from nomad_token and never printed; the TLS-only step
 * proven by a refused plaintext RPC probe; the gossip gate (Serf members, Raft peers, leader);
 * playbooks/rotate-gossip.yml (install, use, remove) and mtls.yml idempotent after it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orchestrate, results, totals, type CliResult } from '../helpers/cli.js';
import { runMtls, sshRun, startFleet, type Fleet, type FleetHost } from './mtls-fleet.js';

const TOKEN = '5f0c1a2b-3d4e-4f60-8a7b-9c0d1e2f3a4b';
const CERTS = '/opt/nomad/agent-certs';
const CLI = '/opt/nomad/cli-certs';
const CURL = `curl -sS --max-time 5 --cacert ${CERTS}/ca.crt --cert ${CLI}/cli.crt --key ${CLI}/cli.key -H 'X-Nomad-Token: ${TOKEN}'`;

/** Nomad as User=nomad / Group=nomad (what the packaged unit suggests); the data dir becomes nomad's. */
const NON_ROOT = [
  'id -u nomad >/dev/null 2>&1 || useradd --system --user-group --no-create-home --shell /usr/sbin/nologin nomad',
  'chown -R nomad:nomad /opt/nomad/data',
  "grep -q '^User=nomad' /etc/systemd/system/nomad.service || sed -i 's/^\\[Service\\]$/[Service]\\nUser=nomad\\nGroup=nomad/' /etc/systemd/system/nomad.service",
  'systemctl daemon-reload',
].join('\n');

/** consul-template's role renders files for a Nomad group (nomad_group) once that lands. */
const CT_HAS_GROUP = readFileSync(path.resolve(__dirname, '../../roles/consul_template/defaults/main.yml'), 'utf8').includes('nomad_group');

/** ACLs on and bootstrapped with TOKEN on every agent (plain HTTP: before mtls.yml). */
const ENABLE_ACL = [
  `printf 'acl {\\n  enabled = true\\n}\\n' > /etc/nomad.d/acl.hcl`,
  'systemctl restart nomad >/dev/null',
  'for i in $(seq 50); do curl -s -o /dev/null http://localhost:4646/v1/agent/health && break; sleep 0.2; done',
  `curl -sS -X PUT -d '{"BootstrapSecret":"${TOKEN}"}' http://localhost:4646/v1/acl/bootstrap >/dev/null`,
  'curl -s -o /dev/null -w "%{http_code}" http://localhost:4646/v1/agent/self',
].join('\n');

describe('Nomad ACLs, TLS-only restart and gossip key rotation on 2+1 lab hosts', () => {
  let fleet: Fleet | undefined;
  let skip = '';
  const work = mkdtempSync(path.join(tmpdir(), 'orchestrate-nomad-acl-'));
  const servers = (): FleetHost[] => fleet!.hosts.filter((h) => h.group === 'servers');
  const run = (playbook: string, extra: string[] = []): Promise<CliResult> =>
    playbook === 'playbooks/mtls.yml'
      ? runMtls(fleet!, work, ['-e', 'vault_pki_role_key_type=ec', ...extra]) // ACLs and gossip do not depend on the key type
      : orchestrate(['run', '-i', fleet!.inventory, playbook, '--json', ...extra], { timeoutMs: 300_000 });
  const keyring = async (h: FleetHost): Promise<string[]> => JSON.parse((await sshRun(fleet!, h, 'cat /opt/nomad/data/server/serf.keyring')).out || '[]') as string[];

  beforeAll(async () => {
    const f = await startFleet('nomadacl', 2, 1);
    if (typeof f === 'string') {
      skip = f;
      return;
    }
    fleet = f;
    for (const h of fleet.hosts) expect((await sshRun(fleet, h, ENABLE_ACL)).out, h.name).toBe('403');
  }, 600_000);

  afterAll(async () => {
    await fleet?.down();
  }, 300_000);

  it('mtls.yml converges with ACLs on; the token is never printed; plaintext RPC refused after the TLS-only step', async (t) => {
    if (!fleet) return t.skip(skip);
    const r = await run('playbooks/mtls.yml', ['-e', `nomad_token=${TOKEN}`]);
    if (r.code !== 0) writeFileSync(path.join(work, 'first-run.log'), r.stdout + r.stderr);
    expect(r.code, `see ${work}/first-run.log`).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    const probes = results(r.events, 'Prove TLS only - a plaintext RPC connection is refused');
    expect(probes.map((p) => [p['host'], p['reason']])).toEqual(servers().map((h) => [h.name, 'plaintext RPC to localhost:4647: refused']));
    const restarted = results(r.events, 'Restart this server to turn gossip encryption on').filter((e) => e['status'] === 'changed');
    expect(restarted.length).toBe(2);
  }, 600_000);

  it('both servers encrypt, see each other alive, share one key and a leader', async (t) => {
    if (!fleet) return t.skip(skip);
    const [s1, s2] = servers();
    const m = JSON.parse((await sshRun(fleet, s1!, `${CURL} https://localhost:4646/v1/agent/members`)).out) as { Members: { Name: string; Status: string }[] };
    expect(m.Members.map((x) => `${x.Name}:${x.Status}`)).toEqual(['server1.global:alive', 'server2.global:alive']);
    expect((await sshRun(fleet, s2!, `${CURL} https://localhost:4646/v1/status/leader`)).out).toMatch(/^"[\d.]+:4647"$/);
    const [k1, k2] = [await keyring(s1!), await keyring(s2!)];
    expect(k1.length).toBe(1);
    expect(k2).toEqual(k1);
  });

  it('second run: 0 changed', async (t) => {
    if (!fleet) return t.skip(skip);
    const r = await run('playbooks/mtls.yml', ['-e', `nomad_token=${TOKEN}`]);
    expect(r.code).toBe(0);
    expect(totals(r.events)['changed'] ?? 0).toBe(0);
  }, 600_000);

  it('rotate-gossip.yml without the token stops at the first API call, naming nomad_token', async (t) => {
    if (!fleet) return t.skip(skip);
    const r = await run('playbooks/rotate-gossip.yml');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain('status 403 (Permission denied); ACLs are on: set nomad_token');
  }, 300_000);

  it('rotate-gossip.yml installs, uses and removes: one new key everywhere, members whole, mtls.yml still 0 changed', async (t) => {
    if (!fleet) return t.skip(skip);
    const [s1, s2] = servers();
    const before = await keyring(s1!);
    const r = await run('playbooks/rotate-gossip.yml', ['-e', `nomad_token=${TOKEN}`]);
    if (r.code !== 0) writeFileSync(path.join(work, 'rotate.log'), r.stdout + r.stderr);
    expect(r.code, `see ${work}/rotate.log`).toBe(0);
    const after = await keyring(s1!);
    expect(after.length).toBe(1);
    expect(after).not.toEqual(before);
    expect(await keyring(s2!)).toEqual(after);
    expect(r.stdout + r.stderr).not.toContain(after[0]!);
    expect(r.stdout + r.stderr).not.toContain(before[0]!);
    expect((await sshRun(fleet, s2!, 'cat /etc/nomad.d/gossip.hcl')).out).toContain(`encrypt = "${after[0]}"`);
    const again = await run('playbooks/mtls.yml', ['-e', `nomad_token=${TOKEN}`]);
    expect(again.code).toBe(0);
    expect(totals(again.events)['changed'] ?? 0).toBe(0);
  }, 600_000);

  it('the preflight reads every file Nomad loads: a JSON drop-in with rpc_upgrade_mode is refused, an editor temp file is not', async (t) => {
    if (!fleet) return t.skip(skip);
    const client = fleet.hosts.find((h) => h.group === 'clients')!;
    await sshRun(fleet, client, `printf 'tls { rpc_upgrade_mode = true }' > '/etc/nomad.d/.#tls.hcl'; printf '{"tls": {"rpc_upgrade_mode": true}}' > /etc/nomad.d/50-extra.json`);
    const r = await run('playbooks/mtls.yml', ['--tags', 'tls', '-e', `nomad_token=${TOKEN}`]);
    await sshRun(fleet, client, `rm -f '/etc/nomad.d/.#tls.hcl' /etc/nomad.d/50-extra.json`);
    expect(r.code).not.toBe(0);
    const refused = results(r.events, 'Refuse config files that set what this playbook owns').filter((e) => e['status'] === 'failed');
    expect(refused.map((e) => e['host'])).toEqual([client.name]);
    expect(String(refused[0]!['msg'])).toContain('/etc/nomad.d/50-extra.json (a tls block, rpc_upgrade_mode)');
    expect(String(refused[0]!['msg'])).not.toContain('.#tls.hcl');
  }, 300_000);

  it('the gossip gate stops the rollout with what it saw when a server cannot rejoin (keyring split)', async (t) => {
    if (!fleet) return t.skip(skip);
    const [s1, s2] = servers();
    const good = await keyring(s1!);
    const other = Buffer.alloc(16, 7).toString('base64');
    const restart = (keys: string[]): string =>
      `printf '%s' '${JSON.stringify(keys)}' > /opt/nomad/data/server/serf.keyring && systemctl restart nomad && for i in $(seq 50); do ${CURL} -s -o /dev/null https://localhost:4646/v1/agent/self && break; sleep 0.2; done`;
    await sshRun(fleet, s2!, restart([other]));
    // the split is seen once server1 marks server2 failed (until then a keyring query waits for it)
    await sshRun(fleet, s1!, `for i in $(seq 50); do ${CURL} https://localhost:4646/v1/agent/members | grep -q '"server2.global","Addr":"[^"]*","Port":[0-9]*,"Tags":{[^}]*},"Status":"failed"' && break; sleep 0.2; done`);
    const r = await run('playbooks/mtls.yml', ['--tags', 'gossip', '-e', `nomad_token=${TOKEN}`, '-e', 'nomad_gossip_gate_retries=3']);
    await sshRun(fleet, s2!, restart(good));
    expect(r.code).not.toBe(0);
    const stop = results(r.events, 'Stop the rollout before the next server').filter((e) => e['status'] === 'failed');
    const failed = results(r.events).filter((e) => e['status'] === 'failed').map((e) => `${String(e['host'])}: ${String(e['task'])}: ${String(e['msg'])}`);
    expect(stop.map((e) => e['host']), failed.join('\n')).toEqual([s2!.name]);
    expect(String(stop[0]!['msg'])).toMatch(/^gossip gate failed on server2 after 3 tries: health 200, Serf members alive server2\.global, Raft peers (?:unknown|[\d.:, ]+) \(this server server2\.global at [\d.]+:4647\)\. The remaining servers were not restarted\.$/);
    expect(r.stdout + r.stderr).not.toContain(other);
  }, 300_000);

  it.skipIf(!CT_HAS_GROUP)('Nomad as a non-root user: mtls.yml with nomad_group=nomad, restart, healthy as uid nomad, then 0 changed', async (t) => {
    if (!fleet) return t.skip(skip);
    for (const h of fleet.hosts) expect((await sshRun(fleet, h, NON_ROOT)).err, h.name).toBe('');
    const extra = ['-e', `nomad_token=${TOKEN}`, '-e', 'nomad_group=nomad'];
    const r = await run('playbooks/mtls.yml', extra);
    if (r.code !== 0) writeFileSync(path.join(work, 'nonroot.log'), r.stdout + r.stderr);
    expect(r.code, `see ${work}/nonroot.log`).toBe(0);
    for (const h of fleet.hosts) {
      const out = (await sshRun(fleet, h, `systemctl restart nomad && sleep 0.5 && ps -o user= -p $(sed -n 1p /run/lab-systemd/nomad.service.pid) && for i in $(seq 30); do ${CURL} -o /dev/null -w '%{http_code}\\n' https://localhost:4646/v1/agent/health | grep -q 200 && echo healthy && break; sleep 0.3; done`)).out;
      expect(out, h.name).toMatch(/^nomad\nhealthy/);
    }
    const again = await run('playbooks/mtls.yml', extra);
    expect(again.code).toBe(0);
    expect(totals(again.events)['changed'] ?? 0).toBe(0);
  }, 600_000);
});
