import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CT = join(REPO, 'dist/lab/standins/consul-template.js');
const TOKEN = 's.labtoken0123456789';

function ensureBuilt(): void {
  const src = join(REPO, 'lab/standins');
  const newest = Math.max(...readdirSync(src).map((f) => statSync(join(src, f)).mtimeMs));
  if (!existsSync(CT) || statSync(CT).mtimeMs < newest) spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO, stdio: 'ignore' });
}

function openssl(cwd: string, ...args: string[]): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

let dir = '';
let n = 0;
/** Issues a real leaf certificate signed by the test CA, like pki_int/issue/nomad-cluster. */
function issue(cn: string): { certificate: string; private_key: string; issuing_ca: string; serial_number: string } {
  const name = `leaf${++n}`;
  openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn || 'cli'}`);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1');
  const certificate = readFileSync(join(dir, `${name}.crt`), 'utf8').trim();
  return { certificate, private_key: readFileSync(join(dir, `${name}.key`), 'utf8').trim(), issuing_ca: readFileSync(join(dir, 'ca.crt'), 'utf8').trim(), serial_number: new X509Certificate(certificate).serialNumber };
}

/** A fake Vault: issue (cached per request body unless rotating), token lookup/renew; counts calls. */
const vault = { issues: [] as string[], renews: 0, rotate: false, lifetimeS: 3600, cache: new Map<string, unknown>() };
let server: http.Server;
let addr = '';

function vaultHandler(req: http.IncomingMessage, res: http.ServerResponse): void {
  let body = '';
  req.on('data', (d: Buffer) => (body += String(d)));
  req.on('end', () => {
    const send = (code: number, v: unknown): void => void res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(v));
    if (req.headers['x-vault-token'] !== TOKEN) return send(403, { errors: ['permission denied'] });
    if (req.url === '/v1/auth/token/lookup-self') return send(200, { data: { ttl: 2, renewable: true, policies: ['tls-policy'] } });
    if (req.url === '/v1/auth/token/renew-self') {
      vault.renews++;
      return send(200, { auth: { lease_duration: 2, renewable: true } });
    }
    if (req.url !== '/v1/pki_int/issue/nomad-cluster' || req.method !== 'PUT') return send(404, { errors: [] });
    vault.issues.push(body);
    const args = JSON.parse(body) as Record<string, string>;
    let data = vault.rotate ? undefined : vault.cache.get(body);
    if (!data) {
      data = { ...issue(args['common_name'] ?? ''), expiration: Math.floor(Date.now() / 1000) + vault.lifetimeS };
      vault.cache.set(body, data);
    }
    send(200, { lease_id: `pki_int/issue/nomad-cluster/${vault.issues.length}`, lease_duration: vault.lifetimeS, renewable: false, data });
  });
}

function startVault(): Promise<void> {
  server = http.createServer(vaultHandler);
  return new Promise((r) => server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    addr = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    r();
  }));
}

const SERVER_ARGS = '"common_name=server.global.nomad" "ttl=24h" "alt_names=localhost" "ip_sans=127.0.0.1"';
function writeConfig(token = TOKEN, vaultExtra = '', address = addr): string {
  const t = join(dir, 'templates');
  mkdirSync(t, { recursive: true });
  writeFileSync(join(t, 'agent.crt.tpl'), `{{ with secret "pki_int/issue/nomad-cluster" ${SERVER_ARGS}}}\n{{ .Data.certificate }}\n{{ end }}\n`);
  writeFileSync(join(t, 'agent.key.tpl'), `{{ with secret "pki_int/issue/nomad-cluster" ${SERVER_ARGS}}}\n{{ .Data.private_key }}\n{{ end }}\n`);
  writeFileSync(join(t, 'ca.crt.tpl'), '{{ with secret "pki_int/issue/nomad-cluster" "common_name=server.global.nomad" "ttl=24h"}}\n{{ .Data.issuing_ca }}\n{{ end }}\n');
  writeFileSync(join(t, 'cli.crt.tpl'), '{{ with secret "pki_int/issue/nomad-cluster" "ttl=24h" }}\n{{ .Data.certificate }}\n{{ end }}\n');
  const out = join(dir, 'out');
  const cmd = `echo ran >> ${join(dir, 'commands.log')}`;
  const file = join(dir, 'consul-template.hcl');
  writeFileSync(file, `vault {
  address      = "${address}"
  token        = "${token}"${vaultExtra}
  unwrap_token = false
  lease_renewal_threshold = 0.9
  renew_token  = true
}

syslog {
  enabled  = true
  facility = "LOCAL5"
}

template {
  source      = "${t}/agent.crt.tpl"
  destination = "${out}/agent-certs/agent.crt"
  perms       = 0700
  command     = "${cmd}"
}

template {
  source      = "${t}/agent.key.tpl"
  destination = "${out}/agent-certs/agent.key"
  perms       = 0700
  command     = "${cmd}"
}

template {
  source      = "${t}/ca.crt.tpl"
  destination = "${out}/agent-certs/ca.crt"
  command     = "${cmd}"
}

template {
  source      = "${t}/cli.crt.tpl"
  destination = "${out}/cli-certs/cli.crt"
}
`);
  return file;
}

const commands = (): number => (existsSync(join(dir, 'commands.log')) ? readFileSync(join(dir, 'commands.log'), 'utf8').trim().split('\n').length : 0);
const out = (f: string): string => readFileSync(join(dir, 'out', f), 'utf8');
const mode = (f: string): number => statSync(join(dir, 'out', f)).mode & 0o777;
/** Runs `consul-template -once` without blocking this process (the fake Vault lives here). */
function once(config: string): Promise<{ code: number; stdout: string }> {
  return new Promise((res) => {
    const c = spawn(process.execPath, [CT, '-config', config, '-once'], { env: { ...process.env, LAB_CT_ATTEMPTS: '2' } });
    let text = '';
    c.stdout.on('data', (d: Buffer) => (text += String(d)));
    c.stderr.on('data', (d: Buffer) => (text += String(d)));
    c.on('close', (code) => res({ code: code ?? -1, stdout: text }));
  });
}

let daemon: ChildProcess | undefined;
beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'lab-ct-'));
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=global.nomad Intermediate Authority', '-days', '2');
  await startVault();
});
afterAll(() => {
  daemon?.kill('SIGTERM');
  server.close();
});

describe('consul-template stand-in', () => {
  it('renders the guide templates with one Vault call per distinct secret', async () => {
    const r = await once(writeConfig());
    expect(r.code).toBe(0);
    expect(vault.issues).toHaveLength(3); // agent crt+key share one call; ca and cli differ
    const crt = new X509Certificate(out('agent-certs/agent.crt'));
    const keyPub = createPublicKey(out('agent-certs/agent.key')).export({ type: 'spki', format: 'der' });
    expect(crt.publicKey.export({ type: 'spki', format: 'der' }).equals(keyPub)).toBe(true);
    expect(crt.subject).toBe('CN=server.global.nomad');
    expect(out('agent-certs/ca.crt').trim()).toBe(readFileSync(join(dir, 'ca.crt'), 'utf8').trim());
    expect(out('agent-certs/agent.crt').startsWith('\n-----BEGIN CERTIFICATE-----')).toBe(true);
  });

  it('applies perms (0700 as written, else 0644) and runs a shared command once per change', () => {
    expect(mode('agent-certs/agent.crt')).toBe(0o700);
    expect(mode('agent-certs/agent.key')).toBe(0o700);
    expect(mode('agent-certs/ca.crt')).toBe(0o644);
    expect(mode('cli-certs/cli.crt')).toBe(0o644);
    expect(commands()).toBe(1);
  });

  it('does not run commands when the output is unchanged', async () => {
    const r = await once(join(dir, 'consul-template.hcl'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('unchanged');
    expect(vault.issues).toHaveLength(6);
    expect(commands()).toBe(1);
  });

  it('fails -once with a Vault error and never prints the token', async () => {
    const r = await once(writeConfig('s.wrong-token-value'));
    writeConfig();
    expect(r.code).toBe(13); // ExitCodeRunnerError
    expect(r.stdout).toContain('permission denied');
    expect(r.stdout).not.toContain('s.wrong-token-value');
  });

  it('re-issues before expiry, renews its token and re-renders on SIGHUP', async () => {
    vault.rotate = true;
    vault.lifetimeS = 3;
    const before = vault.issues.length;
    let log = '';
    daemon = spawn(process.execPath, [CT, '-config', join(dir, 'consul-template.hcl')], { stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stdout?.on('data', (d: Buffer) => (log += String(d)));
    const waitFor = async (ok: () => boolean, what: string): Promise<void> => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
      if (!ok()) throw new Error(`timed out waiting for ${what}:\n${log}`);
    };
    await waitFor(() => commands() >= 2, 'first render');
    const serial1 = new X509Certificate(out('agent-certs/agent.crt')).serialNumber;
    await waitFor(() => commands() >= 3 && vault.issues.length >= before + 6, 're-issue at lease_renewal_threshold (0.90 ± 0.05) of the lease');
    expect(new X509Certificate(out('agent-certs/agent.crt')).serialNumber).not.toBe(serial1);
    await waitFor(() => vault.renews >= 1, 'token renewal');
    vault.lifetimeS = 3600;
    const n = vault.issues.length;
    daemon.kill('SIGHUP');
    await waitFor(() => vault.issues.length >= n + 3, 'SIGHUP re-fetch');
    expect(log).not.toContain(TOKEN);
    // cli.go: a configuration refused on reload ends the process with ExitCodeConfigError.
    const exited = new Promise<number | null>((r) => daemon?.on('exit', (code) => r(code)));
    writeConfig(TOKEN, '\n  grace        = "1s"');
    daemon.kill('SIGHUP');
    expect(await exited).toBe(14);
    writeConfig();
  });

  it("refuses the guide's vault.grace (removed in 0.24) like 0.39.1: exit 14, mapstructure's text", async () => {
    const file = writeConfig(TOKEN, '\n  grace        = "1s"');
    const r = await once(file);
    writeConfig();
    expect(r.code).toBe(14);
    expect(r.stdout).toContain(`[ERR] (cli) from file: ${file}: mapstructure decode failed: 1 error(s) decoding:\n\n* 'vault' has invalid keys: grace`);
    const flag = spawnSync(process.execPath, [CT, '-config', file, '-bogus'], { encoding: 'utf8' });
    expect(flag.status).toBe(12);
    expect(flag.stderr).toContain('flag provided but not defined: -bogus');
  });

  it('renders owner group and perms from user/group/perms', async () => {
    const dest = join(dir, 'owned', 'cli.key');
    const file = join(dir, 'owned.hcl');
    writeFileSync(file, `template {\n  contents = "k"\n  destination = "${dest}"\n  perms = 0640\n  user = "root"\n  group = "daemon"\n}\n`);
    const r = await once(file);
    expect(r.code, r.stdout).toBe(0);
    const gid = Number(/^daemon:[^:]*:(\d+):/m.exec(readFileSync('/etc/group', 'utf8'))?.[1]);
    expect(statSync(dest)).toMatchObject({ uid: 0, gid });
    expect(statSync(dest).mode & 0o777).toBe(0o640);
    // manager/runner.go Run: a render error ends consul-template (ExitCodeRunnerError)
    writeFileSync(file, `template {\n  contents = "k2"\n  destination = "${dest}"\n  group = "no-such-group-x"\n}\n`);
    const bad = await once(file);
    expect(bad.code).toBe(13);
    expect(bad.stdout).toContain(`[ERR] (cli) error rendering "(dynamic)" => "${dest}": failed looking up group: group: unknown group no-such-group-x`);
  });

  it('talks to an HTTPS Vault with a private CA through vault.ssl.ca_cert, and refuses it without', async () => {
    openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'vca.key', '-out', 'vca.crt', '-subj', '/CN=private vault CA', '-days', '1');
    openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'vault.key', '-out', 'vault.csr', '-subj', '/CN=vault');
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl(dir, 'x509', '-req', '-in', 'vault.csr', '-CA', 'vca.crt', '-CAkey', 'vca.key', '-CAcreateserial', '-out', 'vault.crt', '-days', '1', '-extfile', 'san.ext');
    const tls = https.createServer({ key: readFileSync(join(dir, 'vault.key')), cert: readFileSync(join(dir, 'vault.crt')) }, vaultHandler);
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    const a = tls.address();
    const url = `https://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    try {
      const good = await once(writeConfig(TOKEN, `\n  ssl {\n    enabled = true\n    verify  = true\n    ca_cert = "${join(dir, 'vca.crt')}"\n  }`, url));
      expect(good.code, good.stdout).toBe(0);
      const bad = await once(writeConfig(TOKEN, '', url));
      expect(bad.code).toBe(13);
      expect(bad.stdout).toMatch(/certificate/i);
    } finally {
      writeConfig();
      tls.close();
    }
  });
});
