/** The Nomad agent stand-in: config (re)loading, HTTP API and RPC listeners with TLS, Serf, Raft and ACLs. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { dirname, join } from 'node:path';
import tls from 'node:tls';
import { errorText, logLine, statSafe } from './common.js';
import { Acl } from './nomad-acl.js';
import { nomadApi } from './nomad-api.js';
import { readNomadConfig, nomadConfig, type NomadConfig } from './nomad-config.js';
import { Keyring } from './nomad-keyring.js';
import { Raft } from './nomad-raft.js';
import { handleRpc } from './nomad-rpc.js';
import { Serf } from './nomad-serf.js';
import { loadTls, verifyClientCert, type TlsMaterial } from './nomad-tls.js';

/** What Go's TLS server answers to a plaintext HTTP request: a fatal alert record. */
export const TLS_ALERT = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x16]);
const BROKEN_MARKER = '.lab-broken';

/** TLSConfig.SetChecksum: a checksum of the CA, cert and key files' contents. */
export function tlsChecksum(t: NomadConfig['tls']): string {
  const h = createHash('sha256');
  for (const f of [t.caFile, t.certFile, t.keyFile]) {
    try {
      h.update(f ? readFileSync(f) : Buffer.alloc(0));
    } catch {
      h.update(`unreadable:${f}`);
    }
    h.update('\0');
  }
  return h.digest('hex');
}

/** The address Serf and Raft advertise: bind_addr, or the first private IPv4 when it is 0.0.0.0. */
function advertise(bind: string): string {
  if (bind !== '0.0.0.0') return bind;
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

export class NomadAgent {
  cfg: NomadConfig;
  /** The HTTP side's TLS settings (command/agent Reload: replaced on a certificate or EnableHTTP change). */
  tlsCfg: NomadConfig['tls'];
  /** The RPC side's TLS settings (nomad/server.go Reload: only when ShouldReloadRPCConnections). */
  rpcTls: NomadConfig['tls'];
  material: TlsMaterial | undefined;
  readonly keyring: Keyring;
  readonly acl: Acl;
  serf: Serf | undefined;
  raft: Raft | undefined;
  readonly addr: string;
  readonly startedAt = new Date().toISOString();
  reloads = 0;
  lastReloadAt = '';
  lastReloadError = '';
  private checksum: string;
  private readonly api = http.createServer((req, res) => void nomadApi(this, req, res));
  readonly verified = new WeakSet<net.Socket>();
  private httpListener: net.Server | undefined;
  private rpcListener: net.Server | undefined;

  constructor(private readonly configPaths: string[]) {
    this.cfg = nomadConfig(readNomadConfig(configPaths));
    this.tlsCfg = this.cfg.tls;
    this.rpcTls = this.cfg.tls;
    this.checksum = tlsChecksum(this.cfg.tls);
    this.material = this.cfg.tls.http || this.cfg.tls.rpc ? loadTls(this.cfg) : undefined;
    if (this.cfg.dataDir) mkdirSync(this.cfg.dataDir, { recursive: true });
    this.keyring = new Keyring(this.cfg.dataDir);
    this.acl = new Acl(this.cfg.acl.enabled, this.cfg.dataDir);
    this.addr = advertise(this.cfg.bindAddr);
  }

  get rpcAddr(): string {
    return `${this.addr}:${this.cfg.ports.rpc}`;
  }

  async listen(): Promise<void> {
    const c = this.cfg;
    if (c.server.enabled) {
      if (!c.dataDir) throw new Error('server: data_dir is required');
      this.keyring.setup(c.server.encrypt);
      const tags = { role: 'nomad', region: c.region, dc: c.datacenter, port: String(c.ports.rpc), expect: String(c.server.bootstrapExpect) };
      this.serf = new Serf({ Name: `${c.name}.${c.region}`, Addr: this.addr, Port: c.ports.serf, Tags: tags }, this.keyring, c.server.retryJoin, c.bindAddr);
      this.raft = new Raft(c.dataDir, this.rpcAddr, c.server.bootstrapExpect);
    }
    this.httpListener = net.createServer((s) => this.onHttp(s));
    this.rpcListener = net.createServer((s) => void handleRpc(s, this.rpcSettings()));
    await listenOn(this.httpListener, c.ports.http, c.bindAddr);
    await listenOn(this.rpcListener, c.ports.rpc, c.bindAddr);
    await this.serf?.start();
    this.raft?.start();
    if (this.serf && this.raft) setInterval(() => this.raft?.add(this.serverPeers()), 500).unref();
    logLine('INFO', 'agent', `Nomad agent started (${c.server.enabled ? 'server' : 'client'}); config files: ${c.files.join(', ')}`);
    logLine('INFO', 'http', `listening on ${c.bindAddr}:${c.ports.http} (${this.tlsCfg.http ? 'https' : 'http'})`);
    logLine('INFO', 'rpc', `listening on ${c.bindAddr}:${c.ports.rpc} (${this.rpcMode()})`);
    if (this.serf) logLine('INFO', 'serf', `listening on ${c.bindAddr}:${c.ports.serf} (gossip ${this.keyring.encrypted ? 'encrypted' : 'plaintext'})`);
    if (this.material) logLine('INFO', 'agent', `using certificate serial ${this.material.cert.serialNumber}`);
  }

  /** RPC addresses of the alive server members of this region. */
  private serverPeers(): string[] {
    return (this.serf?.alive() ?? []).filter((m) => m.Tags['role'] === 'nomad' && m.Tags['region'] === this.cfg.region).map((m) => `${m.Addr}:${m.Tags['port']}`);
  }

  close(): void {
    this.httpListener?.close();
    this.rpcListener?.close();
    this.serf?.close();
    this.raft?.close();
  }

  /** SIGHUP: re-read the config and TLS files; failures keep the old state and are logged. */
  reload(): void {
    this.reloads++;
    this.lastReloadAt = new Date().toISOString();
    this.lastReloadError = '';
    let next: NomadConfig;
    try {
      next = nomadConfig(readNomadConfig(this.configPaths));
    } catch (e) {
      return this.reloadFailed(`reading configuration: ${errorText(e)}`);
    }
    if (next.ports.http !== this.cfg.ports.http || next.ports.rpc !== this.cfg.ports.rpc) logLine('WARN', 'agent', 'ports changed: a restart is needed to apply them');
    if (next.server.encrypt !== this.cfg.server.encrypt) logLine('WARN', 'agent', 'server.encrypt changed: it is read only at start, and only when the keyring file does not exist');
    this.cfg = { ...next, ports: this.cfg.ports, bindAddr: this.cfg.bindAddr, acl: this.cfg.acl, server: { ...next.server, retryJoin: this.cfg.server.retryJoin } };
    if (this.brokenMarker()) {
      return this.reloadFailed(`${BROKEN_MARKER} present: TLS configuration not reloaded, still serving certificate serial ${this.material?.cert.serialNumber ?? '(none)'}`);
    }
    let material: TlsMaterial | undefined;
    try {
      material = next.tls.http || next.tls.rpc ? loadTls(next) : undefined;
    } catch (e) {
      return this.reloadFailed(`reloading TLS configuration: ${errorText(e)}; still serving certificate serial ${this.material?.cert.serialNumber ?? '(none)'}`);
    }
    const sum = tlsChecksum(next.tls);
    const certChanged = sum !== this.checksum;
    this.material = material;
    this.checksum = sum;
    if (certChanged || next.tls.http !== this.tlsCfg.http) this.tlsCfg = next.tls;
    // nomad/server.go Reload → tlsutil.ShouldReloadRPCConnections: certificate checksums or EnableRPC
    if (certChanged || next.tls.rpc !== this.rpcTls.rpc) {
      logLine('INFO', 'nomad', 'reloading server connections due to configuration changes');
      this.rpcTls = next.tls;
    } else if (next.tls.rpcUpgradeMode !== this.rpcTls.rpcUpgradeMode) {
      logLine('DEBUG', 'nomad', 'rpc_upgrade_mode changed without a certificate or tls.rpc change: the RPC listener keeps its settings until restart');
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

  rpcMode(): string {
    if (!this.rpcTls.rpc) return 'plaintext';
    return this.rpcTls.rpcUpgradeMode ? 'tls+plaintext (rpc_upgrade_mode)' : 'tls';
  }

  private rpcSettings(): Parameters<typeof handleRpc>[1] {
    return {
      tls: this.rpcTls.rpc,
      upgradeMode: this.rpcTls.rpcUpgradeMode,
      pong: (mode) => `PONG ${this.cfg.name} ${this.cfg.region} ${mode} ${this.cfg.server.enabled ? 'server' : 'client'}`,
      wrapTls: (socket) =>
        new Promise((resolve) => {
          const s = this.wrapTls(socket, true, 'rpc');
          if (!s) return resolve(undefined);
          s.once('secure', () => resolve(this.verified.has(s) ? s : undefined));
          s.once('close', () => resolve(undefined));
        }),
    };
  }

  private onHttp(socket: net.Socket): void {
    socket.on('error', () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      if (!this.tlsCfg.http) {
        this.api.emit('connection', socket);
        return void socket.resume();
      }
      if (chunk[0] !== 0x16) return void socket.end(TLS_ALERT);
      const s = this.wrapTls(socket, this.tlsCfg.verifyHttpsClient, 'http');
      if (s) this.api.emit('connection', s);
    });
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
