/**
 * The Nomad stand-in's HTTP API: command/agent/http.go routes with the ACL checks of their
 * handlers (agent_endpoint.go, status_endpoint.go, acl_endpoint.go, job_endpoint.go).
 */
import type http from 'node:http';
import net from 'node:net';
import type { NomadAgent } from './nomad-agent.js';
import { keyProblem } from './nomad-keyring.js';
import { certSummary, keyFingerprint, requiredName } from './nomad-tls.js';

type Send = (code: number, body: unknown) => void;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => resolve(body));
    req.on('error', () => resolve(body));
  });
}

/** An error as Nomad's HTTP layer writes a CodedError: the status and the message as text. */
function textError(res: http.ServerResponse, code: number, msg: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain' });
  res.end(msg);
}

/** TCP reachability of one RPC address (the client's Status.Ping, reduced to a connect). */
function reachable(addr: string): Promise<boolean> {
  return new Promise((resolve) => {
    const i = addr.lastIndexOf(':');
    const s = net.connect(i > 0 ? Number(addr.slice(i + 1)) : 4647, i > 0 ? addr.slice(0, i) : addr);
    s.setTimeout(1000);
    s.on('connect', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
    s.on('timeout', () => (s.destroy(), resolve(false)));
  });
}

export async function nomadApi(a: NomadAgent, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (a.tlsCfg.http && a.tlsCfg.verifyHttpsClient && !a.verified.has(req.socket)) return void req.socket.destroy();
  const url = new URL(req.url ?? '/', 'http://x');
  const send: Send = (code, body) => {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const method = req.method ?? 'GET';
  const write = method === 'PUT' || method === 'POST';
  if (method !== 'GET' && !write) return textError(res, 405, 'Invalid method');
  const token = req.headers['x-nomad-token'];
  const guarded = (fn: () => unknown | Promise<unknown>): Promise<void> | void => {
    const v = a.acl.check(Array.isArray(token) ? token[0] : token);
    if (!v.ok) return textError(res, v.code, v.message);
    return Promise.resolve(fn()).then((body) => (body === undefined ? undefined : send(200, body)));
  };
  const path = url.pathname;
  if (path.startsWith('/v1/agent/keyring/')) return keyring(a, req, res, path.slice('/v1/agent/keyring/'.length), guarded);
  switch (path) {
    case '/v1/agent/self':
      return guarded(() => self(a));
    case '/v1/jobs':
      return guarded(() => []);
    case '/v1/agent/members':
      if (!a.serf) return textError(res, 500, 'No path to region');
      return guarded(() => ({ ServerName: a.cfg.name, ServerRegion: a.cfg.region, ServerDC: a.cfg.datacenter, Members: a.serf?.members() }));
    case '/v1/agent/health':
      return health(a, send);
    case '/v1/status/leader':
      return send(200, leader(a));
    case '/v1/status/peers':
      return send(200, a.raft ? a.raft.peers : []);
    case '/v1/acl/bootstrap': {
      if (!write) return textError(res, 405, 'Invalid method');
      const r = a.acl.bootstrap(await readBody(req));
      return typeof r.body === 'string' ? textError(res, r.code, r.body) : send(r.code, r.body);
    }
    default:
      return textError(res, 404, 'Invalid URL path\n');
  }
}

function leader(a: NomadAgent): string {
  if (a.raft) return a.raft.leader();
  return a.cfg.client.servers[0] ?? '';
}

async function health(a: NomadAgent, send: Send): Promise<void> {
  const out: Record<string, { ok: boolean; message: string }> = {};
  if (a.cfg.client.enabled) {
    const ok = (await Promise.all(a.cfg.client.servers.map(reachable))).some(Boolean);
    out['client'] = ok ? { ok: true, message: 'ok' } : { ok: false, message: 'no known servers' };
  }
  if (a.raft) out['server'] = a.raft.leader() ? { ok: true, message: 'ok' } : { ok: false, message: 'no leader' };
  const ok = Object.values(out).every((x) => x.ok);
  if (ok) return send(200, out);
  send(500, out);
}

async function keyring(a: NomadAgent, req: http.IncomingMessage, res: http.ServerResponse, op: string, guarded: (fn: () => unknown) => Promise<void> | void): Promise<void> {
  if (!a.serf) return textError(res, 501, 'Invalid method');
  if (!['list', 'install', 'use', 'remove'].includes(op)) return textError(res, 404, 'resource not found');
  const body = op === 'list' ? '' : await readBody(req);
  return guarded(async () => {
    let key = '';
    if (op !== 'list') {
      try {
        key = String((JSON.parse(body) as { Key?: unknown }).Key ?? '');
      } catch (e) {
        return textError(res, 400, e instanceof Error ? e.message : String(e));
      }
      const bad = keyProblem(key);
      if (bad) return textError(res, 500, `Invalid key: ${bad}`);
    }
    const r = await a.serf!.keyQuery(op, key);
    // serf keymanager.go handleKeyRequest
    if (r.NumErr !== 0) return textError(res, 500, `${r.NumErr}/${r.NumNodes} nodes reported failure`);
    if (r.NumResp !== r.NumNodes) return textError(res, 500, `${r.NumResp}/${r.NumNodes} nodes reported success`);
    return { Messages: r.Messages, Keys: r.Keys, NumNodes: r.NumNodes };
  });
}

export function self(a: NomadAgent): Record<string, unknown> {
  const c = a.cfg;
  const t = a.tlsCfg;
  return {
    config: {
      Region: c.region, Datacenter: c.datacenter, NodeName: c.name, DataDir: c.dataDir, BindAddr: c.bindAddr,
      Ports: { HTTP: c.ports.http, RPC: c.ports.rpc, Serf: c.ports.serf },
      Server: { Enabled: c.server.enabled, BootstrapExpect: c.server.bootstrapExpect, EncryptKey: c.server.encrypt ? '<redacted>' : '' },
      Client: { Enabled: c.client.enabled, Servers: c.client.servers },
      ACL: { Enabled: c.acl.enabled },
      TLSConfig: {
        EnableHTTP: t.http, EnableRPC: a.rpcTls.rpc, VerifyServerHostname: t.verifyServerHostname, VerifyHTTPSClient: t.verifyHttpsClient,
        RPCUpgradeMode: a.rpcTls.rpcUpgradeMode, CAFile: t.caFile, CertFile: t.certFile, KeyFile: t.keyFile,
      },
      Files: c.files,
    },
    member: { Name: `${c.name}.${c.region}`, Addr: a.addr, Port: c.ports.serf, Status: 'alive', Tags: { role: 'nomad', region: c.region, dc: c.datacenter, port: String(c.ports.rpc), rpc_addr: a.addr } },
    stats: {
      nomad: { server: String(c.server.enabled), leader: String(!!a.raft && a.raft.leader() === a.rpcAddr), client: String(c.client.enabled) },
      tls: { http: t.http, rpc: a.rpcTls.rpc, rpc_upgrade_mode: a.rpcTls.rpcUpgradeMode, verify_https_client: t.verifyHttpsClient, verify_server_hostname: t.verifyServerHostname, required_name: requiredName(c), ...certSummary(a.material) },
      // nomad/server.go Stats: "serf": serf.Stats() (strings, like Go's map[string]string)
      ...(a.serf ? { serf: { encrypted: String(a.keyring.encrypted), members: String(a.serf.members().length) } } : {}),
      gossip: { encrypted: a.keyring.encrypted, key_sha256: keyFingerprint(a.keyring.keys[0] ?? ''), keys: a.keyring.keys.length, config_key_sha256: keyFingerprint(c.server.encrypt) },
      lab: { pid: process.pid, started_at: a.startedAt, reloads: a.reloads, last_reload_at: a.lastReloadAt, last_reload_error: a.lastReloadError },
    },
  };
}
