/** Keys and X.509 certificates for the lab PKI engine (Node crypto + @peculiar/x509). */
import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
x509.cryptoProvider.set(webcrypto);
const subtle = webcrypto.subtle;
const genKeyPair = promisify(generateKeyPair);

export type KeyType = 'rsa' | 'ec';

export interface StoredKey {
  id: string;
  name: string;
  type: KeyType;
  bits: number;
  /** PKCS#8 PEM. */
  pem: string;
}

const CURVES: Record<number, string> = { 256: 'P-256', 384: 'P-384', 521: 'P-521' };

export function checkKeyParams(type: string, bits: number): { type: KeyType; bits: number } {
  if (type === 'rsa') {
    const b = bits || 2048;
    if (![2048, 3072, 4096, 8192].includes(b)) throw new Error(`unsupported bit length for RSA key: ${b}`);
    return { type, bits: b };
  }
  if (type === 'ec') {
    const b = bits || 256;
    if (!CURVES[b]) throw new Error(`unsupported bit length for EC key: ${b}`);
    return { type, bits: b };
  }
  throw new Error(`unknown key type ${JSON.stringify(type)}`);
}

export async function generateKey(type: KeyType, bits: number): Promise<string> {
  const { privateKey } =
    type === 'rsa'
      ? await genKeyPair('rsa', { modulusLength: bits, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
      : await genKeyPair('ec', { namedCurve: CURVES[bits]!, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  return privateKey;
}

function algorithm(type: KeyType, bits: number): webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams {
  return type === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'ECDSA', namedCurve: CURVES[bits]! };
}

export function signingAlgorithm(type: KeyType): webcrypto.Algorithm | webcrypto.EcdsaParams {
  return type === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5' } : { name: 'ECDSA', hash: 'SHA-256' };
}

export interface KeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  type: KeyType;
}

export async function importKeyPair(k: { pem: string; type: KeyType; bits: number }): Promise<KeyPair> {
  const node = createPrivateKey(k.pem);
  const alg = algorithm(k.type, k.bits);
  const privateKey = await subtle.importKey('pkcs8', node.export({ type: 'pkcs8', format: 'der' }), alg, true, ['sign']);
  const publicKey = await subtle.importKey('spki', createPublicKey(node).export({ type: 'spki', format: 'der' }), alg, true, ['verify']);
  return { privateKey, publicKey, type: k.type };
}

/** The private key as Vault returns it: PKCS#1 for RSA, SEC1 for EC. */
export function vaultPrivateKey(k: { pem: string; type: KeyType }): string {
  const node = createPrivateKey(k.pem);
  return String(node.export({ type: k.type === 'rsa' ? 'pkcs1' : 'sec1', format: 'pem' })).trim();
}

/** A random positive 159-bit serial: hex for the generator, colon-hex as Vault prints it. */
export function newSerial(): { hex: string; vault: string } {
  const b = randomBytes(20);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return { hex: b.toString('hex'), vault: colonHex(b.toString('hex')) };
}

export function colonHex(hex: string): string {
  const h = hex.length % 2 ? `0${hex}` : hex;
  return h.toLowerCase().match(/../g)!.join(':');
}

export interface Signer {
  keys: KeyPair;
  /** The issuing certificate; absent for a self-signed certificate. */
  cert?: x509.X509Certificate;
}

export interface CertSpec {
  commonName: string;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: CryptoKey | x509.PublicKey;
  ca?: { pathLen: number | undefined };
  leaf?: { dns: string[]; ips: string[]; serverAuth: boolean; clientAuth: boolean };
}

export async function buildCertificate(spec: CertSpec, signer: Signer): Promise<x509.X509Certificate> {
  const ext: x509.Extension[] = [];
  const issuerPublic = signer.cert ? await signer.cert.publicKey.export() : signer.keys.publicKey;
  if (spec.ca) {
    ext.push(new x509.BasicConstraintsExtension(true, spec.ca.pathLen, true));
    ext.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true));
  }
  if (spec.leaf) {
    const l = spec.leaf;
    ext.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyAgreement, true));
    const eku = [...(l.serverAuth ? [x509.ExtendedKeyUsage.serverAuth] : []), ...(l.clientAuth ? [x509.ExtendedKeyUsage.clientAuth] : [])];
    if (eku.length) ext.push(new x509.ExtendedKeyUsageExtension(eku, false));
    const names = [...l.dns.map((value) => ({ type: 'dns' as const, value })), ...l.ips.map((value) => ({ type: 'ip' as const, value }))];
    if (names.length) ext.push(new x509.SubjectAlternativeNameExtension(names, false));
  }
  ext.push(await x509.SubjectKeyIdentifierExtension.create(spec.publicKey));
  ext.push(await x509.AuthorityKeyIdentifierExtension.create(issuerPublic));
  const subject = spec.commonName ? [{ CN: [spec.commonName] }] : [];
  return x509.X509CertificateGenerator.create({
    serialNumber: spec.serialHex,
    subject,
    issuer: signer.cert ? signer.cert.subjectName : subject,
    notBefore: spec.notBefore,
    notAfter: spec.notAfter,
    publicKey: spec.publicKey,
    signingKey: signer.keys.privateKey,
    signingAlgorithm: signingAlgorithm(signer.keys.type),
    extensions: ext,
  });
}

export async function buildCsr(commonName: string, keys: KeyPair): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
    signingAlgorithm: signingAlgorithm(keys.type),
  });
  return csr.toString('pem');
}

export function pem(cert: x509.X509Certificate): string {
  return cert.toString('pem').trim();
}

export function parseCert(text: string): x509.X509Certificate {
  return new x509.X509Certificate(text);
}

/** Split a PEM bundle into its CERTIFICATE blocks. */
export function pemBlocks(bundle: string, label = 'CERTIFICATE'): string[] {
  const re = new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`, 'g');
  return bundle.match(re) ?? [];
}

export function commonNameOf(cert: { subjectName: x509.Name }): string {
  return cert.subjectName.getField('CN')[0] ?? '';
}

/** The SPKI fingerprint that ties a certificate to one of our stored keys. */
export async function spkiId(publicKey: x509.PublicKey | CryptoKey): Promise<string> {
  const pk = publicKey instanceof x509.PublicKey ? publicKey : await x509.PublicKey.create(publicKey);
  return Buffer.from(await pk.getThumbprint('SHA-256')).toString('hex');
}

export { x509 };
