/**
 * Rotation benchmark: playbooks/rotate-certs.yml on a 200-host lab (3 servers one at a time,
 * clients 25% per batch), after playbooks/mtls.yml has set the fleet up. Prints the wall time
 * and appends it to bench/results-rotate.md. Needs root (the lab). Usage:
 *   npm run bench:rotate [-- --servers 3 --clients 197]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { benchLab, requireLab } from './lib/lab.js';
import { appendResults, fmtMs } from './lib/report.js';
import { checkArgs } from './lib/args.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

/** Runs the CLI; resolves with its exit code and wall time (output kept quiet). */
function run(args: string[]): Promise<{ code: number; ms: number; tail: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repo, 'bin/orchestrate.js'), ...args], { cwd: repo, env: { ...process.env, CI: 'true', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (d: Buffer): void => void (out = (out + d.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, ms: performance.now() - t0, tail: out }));
  });
}

async function main(): Promise<void> {
  checkArgs(`Usage: npm run bench:rotate [-- --servers 3 --clients 197]`, ['servers', 'clients']);
  requireLab();
  const servers = arg('servers', 3);
  const clients = arg('clients', 197);
  const work = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-bench-rotate-'));
  const lab = await benchLab({ name: 'bench-rotate', servers, clients, provision: true });
  try {
    const common = ['-i', lab.inventory, '--vault-secrets-file', path.join(work, 'vault-secrets.json'), '-e', `vault_pki_ca_cert_file=${path.join(work, 'CA_cert.crt')}`, '-e', 'consul_template_wait_timeout=900'];
    const setup = await run(['run', ...common, 'playbooks/mtls.yml']);
    if (setup.code !== 0) throw new Error(`mtls.yml failed (exit ${setup.code}):\n${setup.tail}`);
    // 50 clients per batch reload and are probed at once on 2 cores: give the gate a longer deadline
    const rot = await run(['run', ...common, 'playbooks/rotate-certs.yml', '-e', 'cert_rotate_gate_retries=120']);
    if (rot.code !== 0) throw new Error(`rotate-certs.yml failed (exit ${rot.code}):\n${rot.tail}`);
    const row = { hosts: lab.hosts, servers, clients, batches: `${servers} × 1, then 25% of ${clients}`, 'mtls.yml (setup)': fmtMs(setup.ms), 'rotate-certs.yml': fmtMs(rot.ms) };
    console.log(`rotation of ${lab.hosts} lab hosts: ${fmtMs(rot.ms)} (setup with mtls.yml ${fmtMs(setup.ms)})`);
    appendResults(path.join(repo, 'bench', 'results-rotate.md'), `rotate-certs.yml: ${lab.hosts} lab hosts`, [row], [
      'Per host: probe, backup, two Vault issues on the control machine, four atomic writes, reload, two gate checks.',
    ]);
  } finally {
    await lab.down();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
