/**
 * A background mTLS prober for lab fleets: in rounds, every node A calls every node B
 * (GET /v1/agent/self on B's port 4646) with A's own agent certificate and key, and checks B's
 * certificate against A's own ca.crt (as Go does: any certificate in the file is a trust
 * anchor, plus B's role name server|client.<region>.nomad). Each round re-reads every node's
 * files, so it follows a rotation as it happens. Files are read through the host's mount
 * namespace (/proc/<sshd pid>/root): no private key crosses the network.
 */
import { X509Certificate, createPublicKey, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';

export interface ProbeNode {
  name: string;
  address: string;
  /** 'server' or 'client': the name B must carry is `<role>.<region>.nomad`. */
  role: 'server' | 'client';
}

export interface ProbeFailure {
  round: number;
  from: string;
  to: string;
  error: string;
}

export interface ProberReport {
  rounds: number;
  requests: number;
  failures: ProbeFailure[];
  /** Identities that could not be read consistently (cert and key from different writes). */
  skipped: number;
}

export interface ProberOptions {
  labDir: string;
  nodes: ProbeNode[];
  port?: number;
  certsDir?: string;
  region?: string;
  concurrency?: number;
}

interface Identity {
  cert: string;
  key: string;
  cas: X509Certificate[];
}

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The host's root as its own processes see it. */
export function hostRoot(labDir: string, host: string): string {
  const pid = readFileSync(path.join(labDir, 'hosts', host, 'sshd.pid'), 'utf8').trim();
  return `/proc/${pid}/root`;
}

/** A host's file through its mount namespace. */
export function hostFile(labDir: string, host: string, file: string): string {
  return readFileSync(path.join(hostRoot(labDir, host), file), 'utf8');
}

function keyMatches(cert: string, key: string): boolean {
  try {
    const a = new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' });
    const b = createPublicKey(createPrivateKey(key)).export({ type: 'spki', format: 'der' });
    return a.equals(b);
  } catch {
    return false;
  }
}

async function identity(o: ProberOptions, host: string): Promise<Identity | undefined> {
  const dir = o.certsDir ?? '/opt/nomad/agent-certs';
  for (let i = 0; i < 5; i++) {
    const cert = hostFile(o.labDir, host, `${dir}/agent.crt`);
    const key = hostFile(o.labDir, host, `${dir}/agent.key`);
    const ca = hostFile(o.labDir, host, `${dir}/ca.crt`);
    if (keyMatches(cert, key)) return { cert, key, cas: (ca.match(PEM) ?? []).map((p) => new X509Certificate(p)) };
    await new Promise((r) => setTimeout(r, 30));
  }
  return undefined;
}

function trusted(peer: X509Certificate, cas: X509Certificate[], name: string): string | undefined {
  const now = Date.now();
  if (now < Date.parse(peer.validFrom) || now > Date.parse(peer.validTo)) return `certificate of ${name} expired or not yet valid`;
  if (!peer.checkHost(name)) return `certificate (serial ${peer.serialNumber}) is not valid for ${name}`;
  if (cas.some((ca) => peer.checkIssued(ca) && peer.verify(ca.publicKey))) return undefined;
  return `certificate (serial ${peer.serialNumber}, issuer ${peer.issuer.replace(/\n/g, ', ')}) signed by unknown authority`;
}

/** One mTLS request from `id` to `to`; undefined on success, else the error. */
export function mtlsRequest(id: Identity, to: ProbeNode, port: number, region: string): Promise<string | undefined> {
  const name = `${to.role}.${region}.nomad`;
  return new Promise((resolve) => {
    let settled = false;
    const done = (err: string | undefined): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(err);
    };
    const socket = tls.connect({ host: to.address, port, cert: id.cert, key: id.key, rejectUnauthorized: false, servername: name, timeout: 5000 }, () => {
      const peer = socket.getPeerX509Certificate();
      const bad = peer ? trusted(peer, id.cas, name) : 'no certificate served';
      if (bad) return done(bad);
      socket.write(`GET /v1/agent/self HTTP/1.1\r\nHost: ${name}\r\nConnection: close\r\n\r\n`);
    });
    let head = '';
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (m) done(m[1] === '200' ? undefined : `HTTP ${m[1]}: ${head.split('\r\n\r\n')[1]?.slice(0, 200) ?? ''}`);
    });
    socket.on('timeout', () => done('timeout'));
    socket.on('error', (e) => done(e.message));
    socket.on('close', () => done(head ? `connection closed after ${JSON.stringify(head.slice(0, 80))}` : 'connection closed before a response'));
  });
}

export class Prober {
  private stopped = false;
  private readonly report: ProberReport = { rounds: 0, requests: 0, failures: [], skipped: 0 };
  private readonly loop: Promise<void>;

  constructor(private readonly o: ProberOptions) {
    this.loop = this.run();
  }

  /** One full round (every pair once). Each node's identity is read just before its own
   * requests, so a node that was just rotated is probed with what it now holds. */
  async round(): Promise<void> {
    const n = this.report.rounds + 1;
    const limit = this.o.concurrency ?? 16;
    for (const a of this.o.nodes) {
      const id = await identity(this.o, a.name);
      if (!id) {
        this.report.skipped++;
        continue;
      }
      for (let i = 0; i < this.o.nodes.length; i += limit) {
        await Promise.all(
          this.o.nodes.slice(i, i + limit).map(async (b) => {
            const err = await mtlsRequest(id, b, this.o.port ?? 4646, this.o.region ?? 'global');
            this.report.requests++;
            if (err) this.report.failures.push({ round: n, from: a.name, to: b.name, error: err });
          }),
        );
      }
    }
    this.report.rounds = n;
  }

  private async run(): Promise<void> {
    while (!this.stopped) await this.round();
  }

  /** Finishes the current round and returns what was seen. */
  async stop(): Promise<ProberReport> {
    this.stopped = true;
    await this.loop;
    return this.report;
  }
}

export function startProber(o: ProberOptions): Prober {
  return new Prober(o);
}

/** The serial (Vault's colon format) of a PEM certificate. */
export function serialOf(pem: string): string {
  const hex = new X509Certificate(pem).serialNumber.toLowerCase();
  return (hex.length % 2 ? `0${hex}` : hex).match(/../g)!.join(':');
}

/** The certificate a node serves on a port (no client certificate needed to see it). */
export function servedCert(address: string, port = 4646): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: address, port, rejectUnauthorized: false, timeout: 5000 }, () => {
      const c = s.getPeerX509Certificate();
      s.destroy();
      if (c) resolve(c);
      else reject(new Error(`${address}:${port}: no certificate`));
    });
    s.on('error', reject);
    s.on('timeout', () => {
      s.destroy();
      reject(new Error(`${address}:${port}: timeout`));
    });
  });
}
