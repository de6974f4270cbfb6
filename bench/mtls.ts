/**
 * The whole of playbooks/mtls.yml on lab fleets of 4, 16, 64 and 200 hosts: first run (fresh
 * Vault, fresh nodes) and second run (nothing changes). Prints a table and appends it to
 * bench/results-mtls.md. Usage: npm run bench:mtls [-- --sizes 4,16]
 */
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchLab, requireLab } from './lib/lab.js';
import { measureCli, repoRoot } from './lib/measure.js';
import { appendResults, fmtMb, fmtMs, type Row } from './lib/report.js';
import { checkArgs } from './lib/args.js';

function sizes(): number[] {
  const i = process.argv.indexOf('--sizes');
  const raw = i > 0 ? process.argv[i + 1] : undefined;
  return raw ? raw.split(',').map(Number) : [4, 16, 64, 200];
}

/** The fatal lines of a plain-output run (what failed, where). */
function failures(stdout: string): string {
  return stdout.split('\n').filter((l) => /^fatal: |UNREACHABLE/.test(l)).slice(0, 20).join('\n');
}

function changedTotal(stdout: string): number {
  let n = 0;
  for (const m of stdout.matchAll(/changed=(\d+)/g)) n += Number(m[1]);
  return n;
}

async function main(): Promise<void> {
  checkArgs(`Usage: npm run bench:mtls [-- --sizes 4,16,64,200]`, ['sizes']);
  requireLab();
  const root = repoRoot();
  const rows: Row[] = [];
  for (const n of sizes()) {
    const servers = n >= 16 ? 3 : 1;
    const lab = await benchLab({ name: `bench-mtls-${n}`, servers, clients: n - servers, provision: true });
    const work = path.join(root, '.lab', lab.name);
    // consul-template stand-ins on every host ask the lab Vault for 3 RSA certificates each at once:
    // at 200 hosts on 2 cores that takes minutes, so the render check may wait that long
    const vars = ['-e', `vault_secrets_file=${path.join(work, 'vault-secrets.json')}`, '-e', `vault_pki_ca_cert_file=${path.join(work, 'CA_cert.crt')}`, '-e', 'consul_template_wait_timeout=900'];
    try {
      const args = ['run', '-i', lab.inventory, 'playbooks/mtls.yml', ...vars];
      const first = await measureCli(args);
      if (first.code !== 0) {
        const log = path.join(os.tmpdir(), `bench-mtls-${n}-first.log`);
        writeFileSync(log, first.stdout + first.stderr);
        throw new Error(`first run on ${n} hosts failed (exit ${first.code}); full output in ${log}:\n${failures(first.stdout)}`);
      }
      const second = await measureCli(args);
      if (second.code !== 0) throw new Error(`second run on ${n} hosts failed (exit ${second.code})`);
      const row: Row = {
        hosts: n,
        'lab up': fmtMs(lab.upMs),
        'first run': fmtMs(first.wallMs),
        'first changed': changedTotal(first.stdout),
        'second run': fmtMs(second.wallMs),
        'second changed': changedTotal(second.stdout),
        'control CPU (1st)': `${(first.userS + first.sysS).toFixed(1)} s`,
        'peak RSS (1st)': fmtMb(first.maxRssKb),
        handshakes: first.stats?.total.handshakes ?? '-',
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    } finally {
      await lab.down();
      rmSync(path.join(work), { recursive: true, force: true });
    }
  }
  appendResults(path.join(root, 'bench/results-mtls.md'), 'mtls: playbooks/mtls.yml end to end', rows, [
    'Servers: 1 at 4 hosts, 3 from 16 hosts; the rest clients. The lab fleet shares the 2 cores with the control side;',
    'the lab stand-ins (consul-template, Nomad, systemctl) run on the same cores, so node-side waits are part of the time.',
  ]);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
