/**
 * On-disk state of the lab Vault. `core.json` holds what a sealed Vault may know (initialized,
 * seal config); `barrier.bin` holds everything else, encrypted with the master key
 * (AES-256-GCM, random 96-bit nonce). Writes are atomic (temp file 0600 + fsync + rename).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface SealConfig {
  shares: number;
  threshold: number;
}

export interface CoreFile {
  initialized: boolean;
  seal?: SealConfig;
  /** The seal type Vault was initialized with ('shamir' when absent) and its recovery config. */
  sealType?: string;
  recovery?: SealConfig;
  clusterId: string;
  clusterName: string;
}

const AAD = Buffer.from('orchestrate-lab-vault-barrier-v1');

export class BarrierError extends Error {}

export function encrypt(key: Buffer, plaintext: Buffer): Buffer {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(AAD);
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([nonce, c.getAuthTag(), body]);
}

/** Throws BarrierError when the key is wrong or the data was tampered with. */
export function decrypt(key: Buffer, blob: Buffer): Buffer {
  if (key.length !== 32 || blob.length < 28) throw new BarrierError('invalid key or corrupt barrier');
  try {
    const d = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
    d.setAAD(AAD);
    d.setAuthTag(blob.subarray(12, 28));
    return Buffer.concat([d.update(blob.subarray(28)), d.final()]);
  } catch {
    throw new BarrierError('invalid key or corrupt barrier');
  }
}

export function atomicWrite(path: string, content: Buffer | string): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export class StateDir {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private get corePath(): string {
    return join(this.dir, 'core.json');
  }
  private get barrierPath(): string {
    return join(this.dir, 'barrier.bin');
  }

  readCore(): CoreFile {
    if (!existsSync(this.corePath)) {
      return { initialized: false, clusterId: crypto.randomUUID(), clusterName: `vault-cluster-${randomBytes(4).toString('hex')}` };
    }
    return JSON.parse(readFileSync(this.corePath, 'utf8')) as CoreFile;
  }

  writeCore(core: CoreFile): void {
    atomicWrite(this.corePath, JSON.stringify(core, null, 2));
  }

  /** Decrypt the barrier with a candidate master key. */
  open<T>(key: Buffer): T {
    return JSON.parse(decrypt(key, readFileSync(this.barrierPath)).toString('utf8')) as T;
  }

  seal<T>(key: Buffer, data: T): void {
    atomicWrite(this.barrierPath, encrypt(key, Buffer.from(JSON.stringify(data))));
  }
}
