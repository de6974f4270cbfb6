/**
 * One 3+13 lab for a rotation test file: started, and converged with playbooks/mtls.yml, before
 * its tests; taken down after them. rotate.test.ts and rotate-ca.test.ts each have their own, so
 * they run in parallel. Leaf certificates are EC (P-256): what is rotated does not depend on the
 * key type, and RSA keys and handshakes would cost most of the run (mtls.test.ts keeps the
 * guide's RSA).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { orchestrate, type CliResult } from '../helpers/cli.js';
import { startLab, type LabHandle } from '../helpers/lab.js';
import { hostFile, serialOf, servedCert, type ProbeNode } from '../helpers/prober.js';

export const CERT = '/opt/nomad/agent-certs/agent.crt';

export interface RotationLab {
  lab: () => LabHandle;
  nodes: () => ProbeNode[];
  work: string;
  run(playbook: string, extra?: string[]): Promise<CliResult>;
  /** The serial of every node's agent.crt on disk. */
  fileSerials(): Map<string, string>;
  /** The serial every node serves on its port 4646. */
  servedSerials(): Promise<Map<string, string>>;
}

/** The nodes whose serial differs between a and b. */
export const changed = (a: Map<string, string>, b: Map<string, string>): string[] => [...a.keys()].filter((k) => a.get(k) !== b.get(k));

export function useRotationLab(name: string): RotationLab {
  let lab: LabHandle;
  let nodes: ProbeNode[];
  const work = mkdtempSync(path.join(tmpdir(), `orchestrate-${name}-`));
  const run = (playbook: string, extra: string[] = []): Promise<CliResult> =>
    orchestrate(['run', '-i', lab.inventory, playbook, '--json', '--vault-secrets-file', path.join(work, 'vault-secrets.json'), '-e', `vault_pki_ca_cert_file=${path.join(work, 'CA_cert.crt')}`, '-e', 'consul_template_wait_timeout=240', '-e', 'vault_pki_role_key_type=ec', ...extra], { timeoutMs: 900_000 });

  beforeAll(async () => {
    lab = await startLab({ name, servers: 3, clients: 13 });
    nodes = lab.hosts.map((h) => ({ name: h.name, address: h.address, role: h.name.startsWith('server') ? 'server' : 'client' }));
    const r = await run('playbooks/mtls.yml');
    if (r.code !== 0) writeFileSync(path.join(work, 'mtls.log'), r.stdout + r.stderr);
    expect(r.code, `mtls.yml failed, see ${work}/mtls.log`).toBe(0);
  }, 900_000);

  afterAll(async () => {
    await lab?.down();
  }, 300_000);

  return {
    lab: () => lab,
    nodes: () => nodes,
    work,
    run,
    fileSerials: () => new Map(nodes.map((n) => [n.name, serialOf(hostFile(lab.dir, n.name, CERT))])),
    servedSerials: async () => {
      const out = new Map<string, string>();
      for (const n of nodes) out.set(n.name, serialOf((await servedCert(n.address)).toString()));
      return out;
    },
  };
}
