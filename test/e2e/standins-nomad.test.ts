import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NOMAD = join(REPO, 'dist/lab/standins/nomad.js');
const GOSSIP = 'cg8StVXbQJ0gPvMd9o7yrg==';

function ensureBuilt(): void {
  const src = join(REPO, 'lab/standins');
  const newest = Math.max(...readdirSync(src).map((f) => statSync(join(src, f)).mtimeMs));
  if (!existsSync(NOMAD) || statSync(NOMAD).mtimeMs < newest) spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO, stdio: 'ignore' });
}

function openssl(dir: string, ...args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/** Root CA → intermediate (the ca_file, as Vault's issuing_ca) → leaves. */
function makePki(dir: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'root.key', '-out', 'root.crt', '-subj', '/CN=global.nomad', '-days', '2');
  openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=global.nomad Intermediate Authority');
  writeFileSync(join(dir, 'int.ext'), 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n');
  openssl(dir, 'x509', '-req', '-in', 'int.csr', '-CA', 'root.crt', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'ca.crt', '-days', '2', '-extfile', 'int.ext');
  const leaf = (name: string, cn: string, san: string): void => {
    openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'int.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
  };
  leaf('server1', 'server.global.nomad', 'DNS:server.global.nomad,DNS:localhost,IP:127.0.0.1');
  leaf('server2', 'server.global.nomad', 'DNS:server.global.nomad,DNS:localhost,IP:127.0.0.1');
  leaf('wrong', 'client.global.nomad', 'DNS:client.global.nomad,DNS:localhost,IP:127.0.0.1');
  leaf('cli', 'cli', 'DNS:cli.global.nomad');
}

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

let dir = '';
let conf = '';
let httpPort = 0;
let rpcPort = 0;
let agent: ChildProcess | undefined;
let output = '';
const file = (f: string): Buffer => readFileSync(join(dir, f));
const clientOpts = (): tls.ConnectionOptions => ({ ca: file('ca.crt'), cert: file('cli.crt'), key: file('cli.key'), allowPartialTrustChain: true, servername: 'localhost' });

function getJson(url: string, opts: tls.ConnectionOptions = {}): Promise<unknown> {
  return new Promise((res, rej) => {
    const u = new URL(url);
    const onRes = (r: http.IncomingMessage): void => {
      let body = '';
      r.on('data', (d: Buffer) => (body += String(d)));
      r.on('end', () => res(JSON.parse(body) as unknown));
    };
    const req = u.protocol === 'https:' ? https.get(u, opts, onRes) : http.get(u, onRes);
    req.on('error', rej);
  });
}

/** Reads a dotted path from parsed JSON. */
function at(v: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((cur, k) => (typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[k] : undefined), v);
}

const self = (): Promise<unknown> => getJson(`https://127.0.0.1:${httpPort}/v1/agent/self`, clientOpts());

/** Serial of the certificate a fresh TLS connection is served. */
function servedSerial(): Promise<string> {
  return new Promise((res, rej) => {
    const s = tls.connect({ port: httpPort, host: '127.0.0.1', ...clientOpts() }, () => {
      const serial = s.getPeerX509Certificate()?.serialNumber ?? '';
      s.end();
      res(serial);
    });
    s.on('error', rej);
  });
}

async function hup(expectReloads: number): Promise<void> {
  agent?.kill('SIGHUP');
  for (let i = 0; i < 100; i++) {
    if ((output.match(/caught signal: hangup/g) ?? []).length >= expectReloads && /\n.*(reloaded configuration|ERROR)[^\n]*\n$/.test(output)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`agent did not reload:\n${output}`);
}

/** One RPC connection as Nomad's pool opens it: RpcTLS (0x04) then TLS then RpcNomad (0x01), or RpcNomad in plaintext. */
function rpcPing(useTls: boolean, first = 0x01): Promise<string> {
  return new Promise((res) => {
    const raw = net.connect(rpcPort, '127.0.0.1');
    let got = '';
    const onData = (d: Buffer): void => {
      got += String(d);
      if (got.includes('\n')) s.end();
    };
    let s: net.Socket = raw;
    raw.on('connect', () => {
      if (!useTls) return void raw.write(Buffer.concat([Buffer.from([first]), Buffer.from('PING\n')]));
      raw.write(Buffer.from([0x04]));
      s = tls.connect({ socket: raw, ...clientOpts() }, () => s.write(Buffer.concat([Buffer.from([0x01]), Buffer.from('PING\n')])));
      s.on('data', onData);
      s.on('error', () => undefined);
    });
    raw.on('data', (d: Buffer) => !useTls && onData(d));
    raw.on('error', () => undefined);
    raw.on('close', () => res(got.trim()));
  });
}

function writeTls(upgrade: boolean): void {
  writeFileSync(join(conf, '10-tls.hcl'), `tls {
  http = true
  rpc  = true

  ca_file   = "${join(dir, 'agent-certs/ca.crt')}"
  cert_file = "${join(dir, 'agent-certs/agent.crt')}"
  key_file  = "${join(dir, 'agent-certs/agent.key')}"

  verify_server_hostname = true
  verify_https_client    = true
${upgrade ? '  rpc_upgrade_mode       = true\n' : ''}}
`);
}

function install(name: string): void {
  copyFileSync(join(dir, `${name}.crt`), join(dir, 'agent-certs/agent.crt'));
  copyFileSync(join(dir, `${name}.key`), join(dir, 'agent-certs/agent.key'));
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'lab-nomad-'));
  makePki(dir);
  conf = join(dir, 'nomad.d');
  mkdirSync(join(dir, 'agent-certs'));
  mkdirSync(conf);
  copyFileSync(join(dir, 'ca.crt'), join(dir, 'agent-certs/ca.crt'));
  [httpPort, rpcPort] = [await freePort(), await freePort()];
  writeFileSync(join(conf, '00-base.hcl'), `data_dir = "${join(dir, 'data')}"\nbind_addr = "127.0.0.1"\nports {\n  http = ${httpPort}\n  rpc = ${rpcPort}\n}\nserver {\n  enabled = true\n  bootstrap_expect = 1\n  encrypt = "${GOSSIP}"\n}\n`);
  agent = spawn(process.execPath, [NOMAD, 'agent', '-config', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  agent.stdout?.on('data', (d: Buffer) => (output += String(d)));
  agent.stderr?.on('data', (d: Buffer) => (output += String(d)));
  for (let i = 0; i < 100 && !output.includes('rpc: listening'); i++) await new Promise((r) => setTimeout(r, 50));
});

afterAll(() => {
  agent?.kill('SIGTERM');
});

describe('nomad stand-in', () => {
  it('serves plain HTTP before TLS is configured', async () => {
    const s = await getJson(`http://127.0.0.1:${httpPort}/v1/agent/self`);
    expect(at(s, 'config.TLSConfig.EnableHTTP')).toBe(false);
    expect(at(s, 'config.Server')).toMatchObject({ Enabled: true, BootstrapExpect: 1, EncryptKey: '<redacted>' });
    expect(at(s, 'stats.gossip.encrypted')).toBe(true);
    expect(JSON.stringify(s)).not.toContain(GOSSIP);
    expect(await getJson(`http://127.0.0.1:${httpPort}/v1/jobs`)).toEqual([]);
    expect(await rpcPing(false)).toMatch(/^PONG \S+ global plaintext server$/);
  });

  it('switches to mTLS on SIGHUP after the tls block is added', async () => {
    install('server1');
    writeTls(true);
    await hup(1);
    const s = await self();
    expect(at(s, 'stats.tls')).toMatchObject({ http: true, rpc: true, rpc_upgrade_mode: true, cert_serial: new X509Certificate(file('server1.crt')).serialNumber });
    expect(at(s, 'stats.lab.reloads')).toBe(1);
    expect(await getJson(`https://127.0.0.1:${httpPort}/v1/status/leader`, clientOpts())).toBe(`127.0.0.1:${rpcPort}`);
    // rpc_upgrade_mode: both TLS and plaintext RPC are accepted
    expect(await rpcPing(true)).toMatch(/ tls server$/);
    expect(await rpcPing(false)).toMatch(/ plaintext server$/);
  });

  it('rejects clients without a certificate and answers plaintext HTTP with a TLS alert', async () => {
    const { cert: _c, key: _k, ...noCert } = clientOpts();
    await expect(getJson(`https://127.0.0.1:${httpPort}/v1/jobs`, noCert)).rejects.toThrow();
    for (let i = 0; i < 40 && !output.includes("didn't provide"); i++) await new Promise((r) => setTimeout(r, 25));
    expect(output).toContain("tls: client didn't provide a certificate");
    const r = spawnSync(process.execPath, [NOMAD, 'status'], { env: { ...process.env, NOMAD_ADDR: `http://127.0.0.1:${httpPort}` }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('net/http: HTTP/1.x transport connection broken: malformed HTTP response "\\x15\\x03\\x01\\x00\\x02\\x02"');
    const ok = spawnSync(process.execPath, [NOMAD, 'status'], {
      env: { ...process.env, NOMAD_ADDR: `https://localhost:${httpPort}`, NOMAD_CACERT: join(dir, 'ca.crt'), NOMAD_CLIENT_CERT: join(dir, 'cli.crt'), NOMAD_CLIENT_KEY: join(dir, 'cli.key') },
      encoding: 'utf8',
    });
    expect(ok.stdout).toBe('No running jobs\n');
  });

  it('keeps accepting plaintext RPC after rpc_upgrade_mode is removed and SIGHUP (no certificate change)', async () => {
    writeTls(false);
    await hup(2);
    // nomad/server.go Reload: ShouldReloadRPCConnections sees the same checksums and EnableRPC
    expect(await rpcPing(false)).toMatch(/ plaintext server$/);
    expect(at(await self(), 'stats.tls.rpc_upgrade_mode')).toBe(true);
  });

  it('a new certificate on SIGHUP rebuilds the RPC side: plaintext RPC refused, TLS accepted', async () => {
    install('server2');
    await hup(3);
    expect(await servedSerial()).toBe(new X509Certificate(file('server2.crt')).serialNumber);
    expect(await rpcPing(false)).toBe('');
    for (let i = 0; i < 40 && !output.includes('non-TLS connection attempted'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(output).toContain('non-TLS connection attempted with RequireTLS set');
    expect(await rpcPing(true)).toMatch(/ tls server$/);
    // a TLS ClientHello without the RpcTLS byte is not an RPC connection
    const direct = await new Promise<string>((res) => {
      const t = tls.connect({ port: rpcPort, host: '127.0.0.1', ...clientOpts() });
      t.on('secureConnect', () => res('handshake'));
      t.on('error', () => res('refused'));
      t.on('close', () => res('refused'));
    });
    expect(direct).toBe('refused');
  });

  it('refuses a certificate without server.global.nomad and keeps the old one', async () => {
    install('wrong');
    await hup(4);
    const s = await self();
    expect(at(s, 'stats.lab.last_reload_error')).toContain('is not valid for server.global.nomad; refusing to use it');
    expect(await servedSerial()).toBe(new X509Certificate(file('server2.crt')).serialNumber);
  });

  it('keeps the old certificate when the .lab-broken marker is present', async () => {
    install('server1');
    writeFileSync(join(conf, '.lab-broken'), '');
    await hup(5);
    expect(await servedSerial()).toBe(new X509Certificate(file('server2.crt')).serialNumber);
    const s = await self();
    expect(at(s, 'stats.lab')).toMatchObject({ reloads: 5 });
    expect(at(s, 'stats.lab.last_reload_error')).toContain('.lab-broken present');
  });

  it('keeps the gossip key in <data_dir>/server/serf.keyring; a changed encrypt is not applied on SIGHUP', async () => {
    expect(JSON.parse(readFileSync(join(dir, 'data/server/serf.keyring'), 'utf8'))).toEqual([GOSSIP]);
    expect(statSync(join(dir, 'data/server/serf.keyring')).mode & 0o777).toBe(0o600);
    rmSync(join(conf, '.lab-broken'));
    writeFileSync(join(conf, '20-gossip.hcl'), 'server {\n  encrypt = "LsuYyj93KVfT3pAJPMMCgA=="\n}\n');
    await hup(6);
    const s = await self();
    expect(at(s, 'stats.gossip.key_sha256')).not.toBe(at(s, 'stats.gossip.config_key_sha256'));
    expect(output).toContain('server.encrypt changed');
  });

  it('loads *.hcl and *.json in lexical order, skipping editor temp files (LoadConfigDir)', async () => {
    writeFileSync(join(conf, '.#30-broken.hcl'), 'this is { not hcl');
    writeFileSync(join(conf, '40-broken.hcl~'), 'this is { not hcl');
    writeFileSync(join(conf, '50-extra.json'), JSON.stringify({ datacenter: 'dc9' }));
    await hup(7);
    const s = await self();
    expect(at(s, 'stats.lab.last_reload_error')).toBe('');
    expect(at(s, 'config.Datacenter')).toBe('dc9');
    expect((at(s, 'config.Files') as string[]).map((f) => f.slice(conf.length + 1))).toEqual(['00-base.hcl', '10-tls.hcl', '20-gossip.hcl', '50-extra.json']);
  });
});
