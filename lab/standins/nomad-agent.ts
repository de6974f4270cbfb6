/** The Nomad agent stand-in: config (re)loading, HTTP API and RPC listeners with TLS that reloads on SIGHUP. */
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { dirname, join } from 'node:path';
import tls from 'node:tls';
import { errorText, logLine, readConfigPaths, statSafe } from './common.js';
import { nomadConfig, type NomadConfig } from './nomad-config.js';
import { certSummary, keyFingerprint, loadTls, requiredName, verifyClientCert, type TlsMaterial } from './nomad-tls.js';

/** What Go's TLS server answers to a plaintext HTTP request: a fatal alert record. */
export const TLS_ALERT = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x16]);
const BROKEN_MARKER = '.lab-broken';

export class NomadAgent {
  cfg: NomadConfig;
  tlsCfg: NomadConfig['tls'];
  material: TlsMaterial | undefined;
  readonly activeEncrypt: string;
  readonly startedAt = new Date().toISOString();
  reloads = 0;
  lastReloadAt = '';
  lastReloadError = '';
  private readonly api = http.createServer((req, res) => this.handle(req, res));
  private readonly verified = new WeakSet<net.Socket>();
  private httpListener: net.Server | undefined;
  private rpcListener: net.Server | undefined;

  constructor(private readonly configPaths: string[]) {
    this.cfg = nomadConfig(readConfigPaths(configPaths));
    this.tlsCfg = this.cfg.tls;
    this.material = this.cfg.tls.http || this.cfg.tls.rpc ? loadTls(this.cfg) : undefined;
    this.activeEncrypt = this.cfg.server.encrypt;
    if (this.cfg.dataDir) mkdirSync(this.cfg.dataDir, { recursive: true });
  }

  async listen(): Promise<void> {
    this.httpListener = net.createServer((s) => this.sniff(s, (first) => this.onHttp(s, first)));
    this.rpcListener = net.createServer((s) => this.sniff(s, (first) => this.onRpc(s, first)));
    await listenOn(this.httpListener, this.cfg.ports.http, this.cfg.bindAddr);
    await listenOn(this.rpcListener, this.cfg.ports.rpc, this.cfg.bindAddr);
    logLine('INFO', 'agent', `Nomad agent started (${this.cfg.server.enabled ? 'server' : 'client'}); config files: ${this.cfg.files.join(', ')}`);
    logLine('INFO', 'http', `listening on ${this.cfg.bindAddr}:${this.cfg.ports.http} (${this.tlsCfg.http ? 'https' : 'http'})`);
    logLine('INFO', 'rpc', `listening on ${this.cfg.bindAddr}:${this.cfg.ports.rpc} (${this.rpcMode()})`);
    if (this.material) logLine('INFO', 'agent', `using certificate serial ${this.material.cert.serialNumber}`);
  }

  close(): void {
    this.httpListener?.close();
    this.rpcListener?.close();
  }

  /** SIGHUP: re-read the config and TLS files; failures keep the old state and are logged. */
  reload(): void {
    this.reloads++;
    this.lastReloadAt = new Date().toISOString();
    this.lastReloadError = '';
    let next: NomadConfig;
    try {
      next = nomadConfig(readConfigPaths(this.configPaths));
    } catch (e) {
      return this.reloadFailed(`reading configuration: ${errorText(e)}`);
    }
    if (next.ports.http !== this.cfg.ports.http || next.ports.rpc !== this.cfg.ports.rpc) {
      logLine('WARN', 'agent', 'ports changed: a restart is needed to apply them');
    }
    if (next.server.encrypt !== this.activeEncrypt) logLine('WARN', 'agent', 'server.encrypt changed: gossip encryption is applied only on restart');
    this.cfg = { ...next, ports: this.cfg.ports, bindAddr: this.cfg.bindAddr };
    if (this.brokenMarker()) {
      return this.reloadFailed(`${BROKEN_MARKER} present: TLS configuration not reloaded, still serving certificate serial ${this.material?.cert.serialNumber ?? '(none)'}`);
    }
    try {
      const material = next.tls.http || next.tls.rpc ? loadTls(next) : undefined;
      this.material = material;
      this.tlsCfg = next.tls;
    } catch (e) {
      return this.reloadFailed(`reloading TLS configuration: ${errorText(e)}; still serving certificate serial ${this.material?.cert.serialNumber ?? '(none)'}`);
    }
    logLine('INFO', 'agent', `reloaded configuration (http ${this.tlsCfg.http ? 'https' : 'http'}, rpc ${this.rpcMode()}${this.material ? `, certificate serial ${this.material.cert.serialNumber}` : ''})`);
  }

  private reloadFailed(reason: string): void {
    this.lastReloadError = reason;
    logLine('ERROR', 'agent', reason);
  }

  private brokenMarker(): boolean {
    return this.configPaths.some((p) => {
      const dir = statSafe(p)?.isDirectory() ? p : dirname(p);
      return existsSync(join(dir, BROKEN_MARKER));
    });
  }

  private rpcMode(): string {
    if (!this.tlsCfg.rpc) return 'plaintext';
    return this.tlsCfg.rpcUpgradeMode ? 'tls+plaintext (rpc_upgrade_mode)' : 'tls';
  }

  private sniff(socket: net.Socket, then: (first: number) => void): void {
    socket.on('error', () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      then(chunk[0] ?? 0);
    });
  }

  private onHttp(socket: net.Socket, first: number): void {
    if (!this.tlsCfg.http) {
      this.api.emit('connection', socket);
      socket.resume();
      return;
    }
    if (first !== 0x16) {
      socket.end(TLS_ALERT);
      return;
    }
    const wantClient = this.tlsCfg.verifyHttpsClient;
    const s = this.wrapTls(socket, wantClient, 'http');
    if (s) this.api.emit('connection', s);
  }

  /** Starts a server-side TLS session with the current certificate; checks the client cert when required. */
  private wrapTls(socket: net.Socket, requireClient: boolean, what: string): tls.TLSSocket | undefined {
    const material = this.material;
    if (!material) {
      socket.destroy();
      return undefined;
    }
    const s = new tls.TLSSocket(socket, { isServer: true, secureContext: material.context, requestCert: requireClient, rejectUnauthorized: false });
    s.on('error', (e) => logLine('WARN', what, `TLS handshake error from ${socket.remoteAddress ?? '?'}: ${e.message}`));
    s.once('secure', () => {
      if (!requireClient) return void this.verified.add(s);
      const why = verifyClientCert(s, material.cas);
      if (why === undefined) return void this.verified.add(s);
      logLine('WARN', what, `TLS handshake error from ${socket.remoteAddress ?? '?'}: tls: ${why}`);
      s.destroy();
    });
    return s;
  }

  private onRpc(socket: net.Socket, first: number): void {
    const peer = socket.remoteAddress ?? '?';
    if (first === 0x16) {
      if (!this.tlsCfg.rpc) {
        logLine('WARN', 'rpc', `TLS connection attempted from ${peer} but TLS is not enabled for RPC`);
        return void socket.destroy();
      }
      const s = this.wrapTls(socket, true, 'rpc');
      if (s) s.once('secure', () => this.verified.has(s) && this.rpcSession(s, 'tls'));
      return;
    }
    if (this.tlsCfg.rpc && !this.tlsCfg.rpcUpgradeMode) {
      logLine('WARN', 'rpc', `non-TLS connection attempted from ${peer} with RequireTLS set`);
      return void socket.destroy();
    }
    this.rpcSession(socket, 'plaintext');
    socket.resume();
  }

  /** A line protocol for prober tests: `PING` → `PONG <name> <region> <tls|plaintext> <role>`. */
  private rpcSession(s: net.Socket, mode: string): void {
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line === 'PING') s.write(`PONG ${this.cfg.name} ${this.cfg.region} ${mode} ${this.cfg.server.enabled ? 'server' : 'client'}\n`);
        else if (line === 'QUIT') s.end();
        else s.write(`ERR unknown command ${JSON.stringify(line.slice(0, 40))}\n`);
      }
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.tlsCfg.http && this.tlsCfg.verifyHttpsClient && !this.verified.has(req.socket)) return void req.socket.destroy();
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (code: number, body: unknown): void => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'PUT' && req.method !== 'POST') return send(405, 'Invalid method');
    switch (url.pathname) {
      case '/v1/agent/self':
        return send(200, this.self());
      case '/v1/agent/health':
        return send(200, this.cfg.server.enabled ? { server: { ok: true, message: 'ok' } } : { client: { ok: true, message: 'ok' } });
      case '/v1/jobs':
        return send(200, []);
      case '/v1/status/leader':
        return send(200, this.leader());
      case '/v1/status/peers':
        return send(200, this.cfg.server.enabled ? [this.leader()] : []);
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('Invalid URL path\n');
    }
  }

  private leader(): string {
    if (!this.cfg.server.enabled) return this.cfg.client.servers[0] ?? '';
    const addr = this.cfg.bindAddr === '0.0.0.0' ? '127.0.0.1' : this.cfg.bindAddr;
    return `${addr}:${this.cfg.ports.rpc}`;
  }

  self(): Record<string, unknown> {
    const c = this.cfg;
    const t = this.tlsCfg;
    return {
      config: {
        Region: c.region, Datacenter: c.datacenter, NodeName: c.name, DataDir: c.dataDir, BindAddr: c.bindAddr,
        Ports: { HTTP: c.ports.http, RPC: c.ports.rpc, Serf: c.ports.serf },
        Server: { Enabled: c.server.enabled, BootstrapExpect: c.server.bootstrapExpect, EncryptKey: this.activeEncrypt ? '<redacted>' : '' },
        Client: { Enabled: c.client.enabled, Servers: c.client.servers },
        TLSConfig: {
          EnableHTTP: t.http, EnableRPC: t.rpc, VerifyServerHostname: t.verifyServerHostname, VerifyHTTPSClient: t.verifyHttpsClient,
          RPCUpgradeMode: t.rpcUpgradeMode, CAFile: t.caFile, CertFile: t.certFile, KeyFile: t.keyFile,
        },
        Files: c.files,
      },
      member: { Name: `${c.name}.${c.region}`, Addr: c.bindAddr, Port: c.ports.serf, Status: 'alive', Tags: { role: 'nomad', region: c.region, dc: c.datacenter } },
      stats: {
        nomad: { server: String(c.server.enabled), leader: String(c.server.enabled), client: String(c.client.enabled) },
        tls: { http: t.http, rpc: t.rpc, rpc_upgrade_mode: t.rpcUpgradeMode, verify_https_client: t.verifyHttpsClient, verify_server_hostname: t.verifyServerHostname, required_name: requiredName(c), ...certSummary(this.material) },
        gossip: { encrypted: this.activeEncrypt !== '', key_sha256: keyFingerprint(this.activeEncrypt), pending_key_sha256: keyFingerprint(c.server.encrypt) },
        lab: { pid: process.pid, started_at: this.startedAt, reloads: this.reloads, last_reload_at: this.lastReloadAt, last_reload_error: this.lastReloadError },
      },
    };
  }
}

function listenOn(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
