/**
 * HTTPS for the lab Vault (Vault's `listener "tcp"` with tls_cert_file/tls_key_file): a private
 * CA of its own, made once per state directory (`tls/ca.crt`, kept across restarts like an
 * operator's CA), and a server certificate for the listen address, localhost and 127.0.0.1,
 * issued at every start. Clients trust it only through VAULT_CACERT / vault_cacert (or skip
 * verification with VAULT_SKIP_VERIFY), as with a real Vault behind a private CA.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as c from './pki-crypto.js';
import { atomicWrite } from './storage.js';

export interface TlsFiles {
  /** PEM of the CA that signed the server certificate (what VAULT_CACERT points at). */
  caFile: string;
  cert: string;
  key: string;
}

const DAY = 86_400_000;

async function loadOrCreateCa(dir: string): Promise<{ cert: c.x509.X509Certificate; keys: c.KeyPair }> {
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { cert: c.parseCert(readFileSync(certFile, 'utf8')), keys: await c.importKeyPair({ pem: readFileSync(keyFile, 'utf8'), type: 'ec', bits: 256 }) };
  }
  const pem = await c.generateKey('ec', 256);
  const keys = await c.importKeyPair({ pem, type: 'ec', bits: 256 });
  const now = Date.now();
  const cert = await c.buildCertificate({ commonName: 'orchestrate lab Vault CA', serialHex: c.newSerial().hex, notBefore: new Date(now - 60_000), notAfter: new Date(now + 3650 * DAY), publicKey: keys.publicKey, ca: { pathLen: 0 } }, { keys });
  atomicWrite(keyFile, pem);
  atomicWrite(certFile, `${c.pem(cert)}\n`);
  return { cert, keys };
}

/** The CA (made on first use) and a fresh server certificate for `host`. */
export async function serverTls(stateDir: string, host: string): Promise<TlsFiles> {
  const dir = join(stateDir, 'tls');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = await loadOrCreateCa(dir);
  const pem = await c.generateKey('ec', 256);
  const keys = await c.importKeyPair({ pem, type: 'ec', bits: 256 });
  const ips = [...new Set(['127.0.0.1', ...(isIP(host) ? [host] : [])])];
  const dns = ['localhost', ...(isIP(host) ? [] : [host])];
  const now = Date.now();
  const cert = await c.buildCertificate(
    { commonName: 'vault', serialHex: c.newSerial().hex, notBefore: new Date(now - 60_000), notAfter: new Date(now + 365 * DAY), publicKey: keys.publicKey, leaf: { dns, ips, serverAuth: true, clientAuth: false } },
    { keys: ca.keys, cert: ca.cert },
  );
  return { caFile: join(dir, 'ca.crt'), cert: `${c.pem(cert)}\n${c.pem(ca.cert)}\n`, key: pem };
}
