/** TLS material for the Nomad stand-in: loading, the server-name check, and Go-style client verification. */
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { NomadConfig } from './nomad-config.js';

export interface TlsMaterial {
  context: tls.SecureContext;
  cert: X509Certificate;
  cas: X509Certificate[];
  loadedAt: string;
}

/** Splits a PEM bundle into certificates. */
export function pemCerts(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/** The name a Nomad agent's certificate must carry when verify_server_hostname is on. */
export function requiredName(cfg: NomadConfig): string {
  return `${cfg.server.enabled ? 'server' : 'client'}.${cfg.region}.nomad`;
}

/** Reads cert/key/CA files; throws (with the file named) on a bad file or a certificate with the wrong name. */
export function loadTls(cfg: NomadConfig): TlsMaterial {
  const read = (what: string, file: string): string => {
    if (!file) throw new Error(`tls: ${what} is not set`);
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`tls: reading ${what} ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const certPem = read('cert_file', cfg.tls.certFile);
  const keyPem = read('key_file', cfg.tls.keyFile);
  const caPem = cfg.tls.caFile ? read('ca_file', cfg.tls.caFile) : '';
  const certs = pemCerts(certPem);
  const cert = certs[0];
  if (!cert) throw new Error(`tls: ${cfg.tls.certFile}: no PEM certificate found`);
  const cas = caPem ? pemCerts(caPem) : [];
  if (caPem && cas.length === 0) throw new Error(`tls: ${cfg.tls.caFile}: no PEM certificate found`);
  if (cfg.tls.verifyServerHostname) {
    const want = requiredName(cfg);
    if (!cert.checkHost(want)) {
      throw new Error(`tls: certificate ${cfg.tls.certFile} (serial ${cert.serialNumber}, ${cert.subjectAltName ?? cert.subject}) is not valid for ${want}; refusing to use it`);
    }
  }
  let context: tls.SecureContext;
  try {
    context = tls.createSecureContext({ cert: certPem, key: keyPem, ...(caPem ? { ca: caPem } : {}) });
  } catch (e) {
    throw new Error(`tls: loading ${cfg.tls.certFile} with ${cfg.tls.keyFile}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { context, cert, cas, loadedAt: new Date().toISOString() };
}

/**
 * Verifies a client certificate the way Go does: any certificate in ca_file is a trust anchor
 * (an intermediate CA is enough), the leaf must be within its validity period.
 * Returns undefined when valid, else the reason.
 */
export function verifyClientCert(socket: tls.TLSSocket, cas: X509Certificate[]): string | undefined {
  const peer = socket.getPeerX509Certificate();
  if (!peer) return "client didn't provide a certificate";
  const now = Date.now();
  if (now < Date.parse(peer.validFrom) || now > Date.parse(peer.validTo)) return `client certificate expired or not yet valid (${peer.validFrom} - ${peer.validTo})`;
  const chain = [peer, ...presentedIntermediates(socket)];
  for (const c of chain) {
    for (const ca of cas) {
      if (c.checkIssued(ca) && c.verify(ca.publicKey)) return undefined;
      if (c.fingerprint256 === ca.fingerprint256) return undefined;
    }
  }
  return 'client certificate signed by unknown authority';
}

function presentedIntermediates(socket: tls.TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  let cur: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cur && cur.raw && !seen.has(cur.fingerprint256)) {
    seen.add(cur.fingerprint256);
    if (out.length > 0 || seen.size > 1) out.push(new X509Certificate(cur.raw));
    cur = cur.issuerCertificate;
  }
  return out;
}

export function certSummary(m: TlsMaterial | undefined): Record<string, unknown> {
  if (!m) return {};
  return {
    cert_serial: m.cert.serialNumber,
    cert_subject: m.cert.subject,
    cert_dns_names: m.cert.subjectAltName ?? '',
    cert_not_after: new Date(m.cert.validTo).toISOString(),
    cert_sha256: m.cert.fingerprint256,
    ca_sha256: m.cas.map((c) => c.fingerprint256),
    loaded_at: m.loadedAt,
  };
}

export function keyFingerprint(key: string): string {
  return key ? createHash('sha256').update(Buffer.from(key, 'base64')).digest('hex') : '';
}
