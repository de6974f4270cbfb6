/**
 * known_hosts: parse (plain, hashed `|1|salt|hash`, `[host]:port`, patterns with `!`, markers),
 * check a presented host key, and append new keys (accept-new).
 */
import { createHmac } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
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

/**
 * A parsed known_hosts file with an index: entries whose hosts field lists only literal names are
 * found by name; hashed entries and patterns are scanned. A fleet's known_hosts has one line per
 * host, so a run over N hosts costs N lookups instead of N × N pattern matches.
 */
export class KnownHosts {
  private readonly byName = new Map<string, KnownHostEntry[]>();
  private readonly scanned: KnownHostEntry[] = [];
  readonly revoked: KnownHostEntry[];

  constructor(readonly entries: readonly KnownHostEntry[]) {
    for (const e of entries) {
      const names = e.hosts.split(',');
      if (e.hosts.startsWith('|') || names.some((n) => /[*?!]/.test(n))) {
        this.scanned.push(e);
        continue;
      }
      for (const n of new Set(names.map((x) => x.toLowerCase()))) {
        const list = this.byName.get(n);
        if (list) list.push(e);
        else this.byName.set(n, [e]);
      }
    }
    this.revoked = entries.filter((e) => e.marker === 'revoked');
  }

  /** Entries whose hosts field matches the name, in file order. */
  forName(name: string): KnownHostEntry[] {
    const direct = this.byName.get(name.toLowerCase()) ?? [];
    const matched = this.scanned.filter((e) => hostsFieldMatches(e.hosts, name));
    if (matched.length === 0) return direct;
    return [...direct, ...matched].sort((a, b) => a.line - b.line);
  }
}

export function checkHostKey(entries: readonly KnownHostEntry[] | KnownHosts, name: string, key: Buffer): HostKeyVerdict {
  const known = entries instanceof KnownHosts ? entries : new KnownHosts(entries);
  const type = keyTypeOf(key);
  const forHost = known.forName(name).filter((e) => e.marker !== 'cert-authority');
  const revoked = known.revoked.find((e) => e.key.equals(key));
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
export function knownKeyTypes(known: KnownHosts, name: string): string[] {
  const types = new Set<string>();
  for (const e of known.forName(name)) {
    if (e.marker === undefined) types.add(keyTypeOf(e.key));
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

const EMPTY = new KnownHosts([]);
const parsedFiles = new Map<string, { mtimeMs: number; size: number; known: KnownHosts }>();

/** The file parsed and indexed, re-read only when its size or mtime changed (accept-new appends). */
export function readKnownHosts(file: string): KnownHosts {
  let st;
  try {
    st = statSync(file);
  } catch {
    parsedFiles.delete(file);
    return EMPTY;
  }
  const hit = parsedFiles.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.known;
  const known = new KnownHosts(parseKnownHosts(readFileSync(file, 'utf8')));
  parsedFiles.set(file, { mtimeMs: st.mtimeMs, size: st.size, known });
  return known;
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
