import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appendKnownHost, checkHostKey, hostKeyAlgorithms, hostsFieldMatches, KnownHosts, knownHostName, parseKnownHosts, readKnownHosts,
} from '../../src/connection/ssh/known-hosts.js';

/** An SSH wire-format ed25519 public key blob. */
function blob(): Buffer {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const s = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return Buffer.concat([s(Buffer.from('ssh-ed25519')), s(raw)]);
}

const k1 = blob();
const k2 = blob();
const line = (hosts: string, k: Buffer): string => `${hosts} ssh-ed25519 ${k.toString('base64')}`;
const hashedName = (name: string): string => {
  const salt = Buffer.from('0123456789abcdefghij');
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

describe('known_hosts', () => {
  it('names hosts as OpenSSH does', () => {
    expect(knownHostName('h', 22)).toBe('h');
    expect(knownHostName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
  });

  it('matches plain, pattern, negated and hashed host fields', () => {
    expect(hostsFieldMatches('a,b,[c]:2222', '[c]:2222')).toBe(true);
    expect(hostsFieldMatches('*.lab,!bad.lab', 'ok.lab')).toBe(true);
    expect(hostsFieldMatches('*.lab,!bad.lab', 'bad.lab')).toBe(false);
    expect(hostsFieldMatches(hashedName('[10.1.1.1]:22022'), '[10.1.1.1]:22022')).toBe(true);
    expect(hostsFieldMatches(hashedName('[10.1.1.1]:22022'), '10.1.1.1')).toBe(false);
  });

  it.each([
    ['ok for the recorded key', `${line('h1', k1)}`, 'h1', k1, { kind: 'ok', line: 1 }],
    ['ok for a hashed entry', `# c\n${line(hashedName('[h1]:2200'), k1)}`, '[h1]:2200', k1, { kind: 'ok', line: 2 }],
    ['unknown host', line('h1', k1), 'h2', k1, { kind: 'unknown' }],
    ['changed key, naming the line', `\n${line('h0', k2)}\n${line('h1', k2)}`, 'h1', k1, { kind: 'changed', line: 3, keyType: 'ssh-ed25519' }],
    ['revoked key', `${line('h1', k1)}\n@revoked ${line('*', k1)}`, 'h1', k1, { kind: 'revoked', line: 2 }],
    ['known with another type only', `h1 ssh-rsa ${k2.toString('base64').replace(/^AAAAC3NzaC1lZDI1NTE5/, 'AAAAB3NzaC1yc2E')}`, 'h1', k1, { kind: 'other-type' }],
  ])('%s', (_name, text, host, key, want) => {
    expect(checkHostKey(parseKnownHosts(text), host, key)).toMatchObject(want);
  });

  it('skips cert-authority lines and malformed lines', () => {
    const entries = parseKnownHosts(`@cert-authority *.lab ${k1.toString('base64')}\ngarbage\n@weird h ssh-ed25519 AAAA\n`);
    expect(checkHostKey(entries, 'x.lab', k1)).toEqual({ kind: 'unknown' });
  });

  it('prefers known key types in host key negotiation', () => {
    expect(hostKeyAlgorithms(['ssh-rsa']).slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(hostKeyAlgorithms([])[0]).toBe('ssh-ed25519');
  });

  it('finds a host through the index as a scan of every line would, in file order', () => {
    const text = [
      line('*.lab', k2), // 1: pattern
      line('Web1.LAB,other', k1), // 2: plain, other case
      line(hashedName('web1.lab'), k2), // 3: hashed
      line('web1.lab', k1), // 4: plain again
      line('*.lab,!web1.lab', k1), // 5: negated for this name
    ].join('\n');
    const known = new KnownHosts(parseKnownHosts(text));
    expect(known.forName('web1.lab').map((e) => e.line)).toEqual([1, 2, 3, 4]);
    expect(known.forName('web2.lab').map((e) => e.line)).toEqual([1, 5]);
    expect(checkHostKey(known, 'web1.lab', k2)).toEqual({ kind: 'ok', line: 1 });
    expect(checkHostKey(known, 'WEB1.lab', k1)).toEqual({ kind: 'ok', line: 2 });
  });

  it('re-reads the file when it changes (accept-new appends from other connections)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchestrate-kh-'));
    try {
      const file = join(dir, 'known_hosts');
      expect(readKnownHosts(file).entries).toEqual([]);
      writeFileSync(file, `${line('h1', k1)}\n`);
      const first = readKnownHosts(file);
      expect(readKnownHosts(file)).toBe(first); // unchanged: parsed once
      appendKnownHost(file, 'h2', k2);
      expect(checkHostKey(readKnownHosts(file), 'h2', k2)).toEqual({ kind: 'ok', line: 2 });
      appendFileSync(file, `${line('h3', k1)}\n`);
      expect(readKnownHosts(file).forName('h3')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
