/**
 * playbooks/mtls.yml end to end on a lab of a given size: certificates, mTLS API, gossip key,
 * reload/restart order, and a second run with 0 changed. Each size is its own test file
 * (mtls.test.ts: 1+3, mtls-1x15.test.ts: 1+15), so the two labs run in parallel.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { results, totals } from '../helpers/cli.js';
import { openssl, runMtls, sshRun, useFleet, type Fleet, type FleetHost } from './mtls-fleet.js';

const CERTS = '/opt/nomad/agent-certs';
const CLI = '/opt/nomad/cli-certs';

/** Everything the checks need from one host, in one ssh round trip (no private key leaves it). */
const PROBE = [
  `echo "perms=$(stat -c %a ${CERTS}/agent.crt ${CERTS}/agent.key ${CLI}/cli.key ${CERTS} ${CLI} | tr '\\n' ,)"`,
  `echo "subject=$(openssl x509 -in ${CERTS}/agent.crt -noout -subject -nameopt RFC2253)"`,
  `echo "san=$(openssl x509 -in ${CERTS}/agent.crt -noout -ext subjectAltName | tail -n +2 | tr -d ' ')"`,
  `a=$(openssl x509 -in ${CERTS}/agent.crt -noout -pubkey | sha256sum); b=$(openssl pkey -in ${CERTS}/agent.key -pubout | sha256sum); [ "$a" = "$b" ] && echo keymatch=yes || echo keymatch=no`,
  `echo "mtls=$(curl -sS --max-time 5 --cacert ${CERTS}/ca.crt --cert ${CLI}/cli.crt --key ${CLI}/cli.key https://localhost:4646/v1/jobs 2>&1)"`,
  `curl -sS --max-time 5 http://localhost:4646/v1/jobs >/dev/null 2>&1 && echo plain=accepted || echo plain=refused`,
  `curl -sS --max-time 5 --cacert ${CERTS}/ca.crt https://localhost:4646/v1/jobs >/dev/null 2>&1 && echo nocert=accepted || echo nocert=refused`,
  `echo "gossip=$(sed -n 's/.*encrypt *= *"\\([^"]*\\)".*/\\1/p' /etc/nomad.d/gossip.hcl 2>/dev/null)"`,
  `echo "systemctl=$(grep -oE '(reload|restart) nomad' /var/log/lab-systemctl.log 2>/dev/null | tr ' ' _ | tr '\\n' ,)"`,
  `echo "ctconf=$(stat -c %a:%U /etc/consul-template.d/consul-template.hcl)"`,
  `echo '==== agent.crt'; cat ${CERTS}/agent.crt; echo '==== ca.crt'; cat ${CERTS}/ca.crt`,
].join('\n');

interface Probe {
  fields: Record<string, string>;
  cert: string;
  ca: string;
}

async function probe(fleet: Fleet, host: FleetHost): Promise<Probe> {
  const r = await sshRun(fleet, host, PROBE);
  const [head = '', cert = '', ca = ''] = r.out.split(/^==== (?:agent|ca)\.crt\n/m);
  const fields: Record<string, string> = {};
  for (const line of head.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1);
  }
  return { fields, cert, ca };
}

export function defineFleetSuite(servers: number, clients: number): void {
  const name = `mtls${servers}x${clients}`;
  describe(`playbooks/mtls.yml on ${servers}+${clients} lab hosts`, () => {
    const f = useFleet(name, servers, clients);
    const work = f.work;
    const probes = new Map<string, Probe>();

    it('--check --diff on the fresh fleet says what it would do, fails nothing, writes nothing', async (t) => {
      const fleet = f.fleet();
      if (!fleet) return t.skip(f.skip());
      const r = await runMtls(fleet, work, ['--check', '--diff']);
      if (r.code !== 0) writeFileSync(path.join(work, 'check-run.log'), r.stdout + r.stderr);
      expect(r.code, `check run failed: see ${work}/check-run.log`).toBe(0);
      expect(totals(r.events)['failed'] ?? 0).toBe(0);
      const vault = results(r.events).filter((e) => e['host'] === 'localhost' && String(e['reason'] ?? '').includes('check mode:'));
      expect(vault.length).toBeGreaterThan(0);
      expect(vault.every((e) => e['status'] === 'changed')).toBe(true);
      expect(existsSync(path.join(work, 'vault-secrets.json'))).toBe(false);
      expect(existsSync(path.join(work, 'CA_cert.crt'))).toBe(false);
    }, 600_000);

    it('first run converges every node', async (t) => {
      const fleet = f.fleet();
      if (!fleet) return t.skip(f.skip());
      const r = await runMtls(fleet, work);
      if (r.code !== 0) writeFileSync(path.join(work, 'first-run.log'), r.stdout + r.stderr);
      expect(r.stderr + r.stdout.split('\n').filter((l) => !l.startsWith('{')).join('\n')).not.toMatch(/Maximum call stack/);
      expect(r.code, `first run failed: see ${work}/first-run.log`).toBe(0);
      expect(totals(r.events)['failed'] ?? 0).toBe(0);
      for (const h of fleet.hosts) probes.set(h.name, await probe(fleet, h));
    }, 900_000);

    it('agent cert and key: 0700, CLI key 0640 root:root, directories 0700 and 0750, CN by role, SAN localhost and 127.0.0.1, key matches', (t) => {
      const fleet = f.fleet();
      if (!fleet) return t.skip(f.skip());
      for (const h of fleet.hosts) {
        const p = probes.get(h.name)!.fields;
        expect(p['perms'], h.name).toBe('700,700,640,700,750,');
        expect(p['subject'], h.name).toContain(`CN=${h.group === 'servers' ? 'server' : 'client'}.global.nomad`);
        expect(p['san'], h.name).toContain('DNS:localhost');
        expect(p['san'], h.name).toContain('IPAddress:127.0.0.1');
        expect(p['keymatch'], h.name).toBe('yes');
        expect(p['ctconf'], h.name).toBe('600:root');
      }
    });

    it('every agent cert chains to CA_cert.crt through the intermediate', async (t) => {
      const fleet = f.fleet();
      if (!fleet) return t.skip(f.skip());
      const caFile = path.join(work, 'CA_cert.crt');
      expect(readFileSync(caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
      for (const h of fleet.hosts) {
        const p = probes.get(h.name)!;
        const leaf = path.join(work, `${h.name}.crt`);
        const inter = path.join(work, `${h.name}-ca.crt`);
        writeFileSync(leaf, p.cert);
        writeFileSync(inter, p.ca);
        const v = await openssl(['verify', '-CAfile', caFile, '-untrusted', inter, leaf]);
        expect(v.out, h.name).toContain(': OK');
      }
    });

    it('the Nomad API answers over mTLS with the CLI cert only', (t) => {
      const fleet = f.fleet();
      if (!fleet) return t.skip(f.skip());
      for (const h of fleet.hosts) {
        const p = probes.get(h.name)!.fields;
        expect(p['mtls'], h.name).toBe('[]');
        expect(p['plain'], h.name).toBe('refused');
        expect(p['nocert'], h.name).toBe('refused');
      }
    });

    it('servers share one 16-byte gossip key, clients have none', (t) => {
      const fleet = f.fleet();
      if (!fleet) return t.skip(f.skip());
      const keys = new Set<string>();
      for (const h of fleet.hosts) {
        const key = probes.get(h.name)!.fields['gossip'] ?? '';
        if (h.group === 'clients') {
          expect(key, h.name).toBe('');
          continue;
        }
        expect(Buffer.from(key, 'base64').length, h.name).toBe(16);
        keys.add(key);
      }
      expect(keys.size).toBe(1);
    });

    it('systemctl shows the order: servers reload (tls upgrade), restart (TLS only), restart (gossip); clients reload only', (t) => {
      const fleet = f.fleet();
      if (!fleet) return t.skip(f.skip());
      // consul-template's own `systemctl reload nomad` after its first render comes before these
      for (const h of fleet.hosts) {
        const calls = (probes.get(h.name)!.fields['systemctl'] ?? '').split(',').filter(Boolean);
        if (h.group === 'servers') {
          expect(calls.slice(-3), h.name).toEqual(['reload_nomad', 'restart_nomad', 'restart_nomad']);
          expect(calls.length, h.name).toBeLessThanOrEqual(4);
        } else {
          expect(calls.length, h.name).toBeGreaterThanOrEqual(1);
          expect(calls.length, h.name).toBeLessThanOrEqual(2);
          expect(new Set(calls), h.name).toEqual(new Set(['reload_nomad']));
        }
      }
    });

    it('second run: 0 changed, same gossip key', async (t) => {
      const fleet = f.fleet();
      if (!fleet) return t.skip(f.skip());
      const r = await runMtls(fleet, work);
      expect(r.code).toBe(0);
      const sum = totals(r.events);
      expect(sum['changed'] ?? 0).toBe(0);
      expect(sum['failed'] ?? 0).toBe(0);
      const server = fleet.hosts.find((h) => h.group === 'servers')!;
      const again = await probe(fleet, server);
      expect(again.fields['gossip']).toBe(probes.get(server.name)!.fields['gossip']);
    }, 900_000);
  });
}
