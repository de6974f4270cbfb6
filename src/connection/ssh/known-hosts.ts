/**
 * known_hosts: parse (plain, hashed `|1|salt|hash`, `[host]:port`, patterns with `!`, markers),
 * check a presented host key, and append new keys (accept-new).
 */
import { createHmac } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { matchHostPatterns } from './ssh-config.js';

export interface KnownHostEntry {
  line: number;
  marker?: 'revoked' | 'cert-authority';
  hosts: string;
  keyType: string;
  key: Buffer;
}

export type HostKeyVerdict =
  | { kind: 'ok'; line: number }
  | { kind: 'unknown' }
  | { kind: 'changed'; line: number; keyType: string }
  | { kind: 'revoked'; line: number }
  | { kind: 'other-type'; knownTypes: string[]; line: number };

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const s = raw.trim();
    if (s === '' || s.startsWith('#')) return;
    const parts = s.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (parts[0]!.startsWith('@')) {
      const m = parts.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return; // unknown marker: ignored, as OpenSSH does
    }
    if (parts.length < 3) return;
    const key = Buffer.from(parts[2]!, 'base64');
    if (key.length === 0) return;
    const entry: KnownHostEntry = { line: i + 1, hosts: parts[0]!, keyType: parts[1]!, key };
    if (marker) entry.marker = marker;
    out.push(entry);
  });
  return out;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Does the hosts field (comma-separated patterns, or one hashed name) match this name? */
export function hostsFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  return matchHostPatterns(hosts.split(','), name);
}

/** The key type named inside an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, ...). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

export function checkHostKey(entries: readonly KnownHostEntry[], name: string, key: Buffer): HostKeyVerdict {
  const type = keyTypeOf(key);
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && hostsFieldMatches(e.hosts, name));
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { kind: 'revoked', line: revoked.line };
  const plain = forHost.filter((e) => e.marker === undefined);
  const same = plain.find((e) => e.key.equals(key));
  if (same) return { kind: 'ok', line: same.line };
  const sameType = plain.find((e) => keyTypeOf(e.key) === type);
  if (sameType) return { kind: 'changed', line: sameType.line, keyType: type };
  if (plain.length > 0) return { kind: 'other-type', knownTypes: [...new Set(plain.map((e) => e.keyType))], line: plain[0]!.line };
  return { kind: 'unknown' };
}

/** Key types already known for this name, to prefer them in host key negotiation. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  const types = new Set<string>();
  for (const e of entries) {
    if (e.marker === undefined && hostsFieldMatches(e.hosts, name)) types.add(keyTypeOf(e.key));
  }
  return [...types];
}

const DEFAULT_HOST_KEY_ALGOS = [
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa',
];

/** Host key algorithms in preference order, known key types first (as OpenSSH orders them). */
export function hostKeyAlgorithms(knownTypes: readonly string[]): string[] {
  const first: string[] = [];
  for (const t of knownTypes) {
    if (t === 'ssh-rsa') first.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else if (DEFAULT_HOST_KEY_ALGOS.includes(t)) first.push(t);
  }
  return [...new Set([...first, ...DEFAULT_HOST_KEY_ALGOS])];
}

export function readKnownHosts(file: string): KnownHostEntry[] {
  if (!existsSync(file)) return [];
  return parseKnownHosts(readFileSync(file, 'utf8'));
}

/** Append `name type base64` to the file (created 0600, its directory 0700, when missing). */
export function appendKnownHost(file: string, name: string, key: Buffer): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const needsNewline = existsSync(file) && !endsWithNewline(file);
  const line = `${needsNewline ? '\n' : ''}${name} ${keyTypeOf(key)} ${key.toString('base64')}\n`;
  appendFileSync(file, line, { mode: 0o600 });
}

function endsWithNewline(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return true;
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}
