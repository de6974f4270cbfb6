/**
 * The Nomad stand-in's gossip keyring: <data_dir>/server/serf.keyring (command/agent/keyring.go
 * initKeyring / loadKeyringFile, command/agent/agent.go setupKeyrings) with memberlist's
 * Keyring rules (AddKey / UseKey / RemoveKey) and AES-GCM packets sealed with the primary key
 * and opened with any installed key (memberlist security.go encryptPayload / decryptPayload).
 */
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { logLine } from './common.js';

export const SERF_KEYRING = 'server/serf.keyring';
const VERSION = 1;

/** memberlist.ValidateKey: 16, 24 or 32 bytes (AES-128/192/256). */
export function keyProblem(key: string): string | undefined {
  const ok = /^[A-Za-z0-9+/]+={0,2}$/.test(key) && key.length % 4 === 0;
  if (!ok) return 'illegal base64 data';
  const n = Buffer.from(key, 'base64').length;
  return n === 16 || n === 24 || n === 32 ? undefined : 'key size must be 16, 24 or 32 bytes';
}

function gcm(k: Buffer): CipherGCMTypes {
  return k.length === 16 ? 'aes-128-gcm' : k.length === 24 ? 'aes-192-gcm' : 'aes-256-gcm';
}

export class Keyring {
  /** Primary first, as memberlist's GetKeys and the keyring file. */
  keys: string[] = [];
  readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, SERF_KEYRING);
  }

  /** setupKeyrings: an `encrypt` key initialises the file only when it does not exist yet. */
  setup(encrypt: string): void {
    if (encrypt && existsSync(this.file)) logLine('WARN', 'agent', 'WARNING: keyring exists but -encrypt given, using keyring');
    else if (encrypt) this.write([encrypt]);
    if (existsSync(this.file)) this.keys = this.load();
  }

  private load(): string[] {
    const raw: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
    if (!Array.isArray(raw) || raw.length === 0 || raw.some((k) => typeof k !== 'string' || keyProblem(k))) {
      throw new Error(`${this.file}: must be a JSON list of base64 gossip keys`);
    }
    return raw as string[];
  }

  private write(keys: string[]): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(keys), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  get encrypted(): boolean {
    return this.keys.length > 0;
  }

  /** Applies one keyring operation and rewrites the file (serf keymanager handleInstallKey etc.). */
  apply(op: string, key: string): string | undefined {
    // serf internal_query.go handleListKeys / handleModifyKeyring
    if (!this.encrypted) return op === 'list' ? 'Keyring is empty (encryption not enabled)' : 'No keyring to modify (encryption not enabled)';
    if (op === 'list') return undefined;
    const bad = keyProblem(key);
    if (bad) return `Invalid key: ${bad}`;
    if (op === 'install') {
      if (!this.keys.includes(key)) this.keys = [...this.keys, key];
    } else if (op === 'use') {
      if (!this.keys.includes(key)) return 'Requested key is not in the keyring';
      this.keys = [key, ...this.keys.filter((k) => k !== key)];
    } else if (op === 'remove') {
      if (key === this.keys[0]) return 'Removing the primary key is not allowed';
      this.keys = this.keys.filter((k) => k !== key);
    } else return `unknown keyring operation ${op}`;
    this.write(this.keys);
    return undefined;
  }

  seal(plain: Buffer): Buffer {
    const key = this.keys[0];
    if (!key) return plain;
    const k = Buffer.from(key, 'base64');
    const nonce = randomBytes(12);
    const c = createCipheriv(gcm(k), k, nonce);
    const body = Buffer.concat([c.update(plain), c.final()]);
    return Buffer.concat([Buffer.from([VERSION]), nonce, body, c.getAuthTag()]);
  }

  /** Opens a packet with any installed key; undefined when none fits (or it is not encrypted). */
  open(packet: Buffer): Buffer | undefined {
    if (!this.encrypted) return packet;
    if (packet.length < 1 + 12 + 16 || packet[0] !== VERSION) return undefined;
    for (const key of this.keys) {
      const k = Buffer.from(key, 'base64');
      try {
        const d = createDecipheriv(gcm(k), k, packet.subarray(1, 13));
        d.setAuthTag(packet.subarray(packet.length - 16));
        return Buffer.concat([d.update(packet.subarray(13, packet.length - 16)), d.final()]);
      } catch {
        /* try the next key */
      }
    }
    return undefined;
  }
}
