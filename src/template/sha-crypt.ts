/**
 * SHA-crypt ($5$ sha256_crypt, $6$ sha512_crypt), Ulrich Drepper's specification as glibc's
 * crypt(3) and passlib implement it: what Ansible's password lookup and password_hash produce.
 */
import { createHash, hash } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ORDER_512 = [[0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41]];
const ORDER_256 = [[0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29]];

export const SHA_CRYPT = {
  sha256_crypt: { id: '5', algo: 'sha256', saltSize: 16, rounds: 535000 },
  sha512_crypt: { id: '6', algo: 'sha512', saltSize: 16, rounds: 656000 },
} as const;

function b64(w: number, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    out += ITOA64[w & 0x3f];
    w >>>= 6;
  }
  return out;
}

function repeatTo(block: Buffer, len: number): Buffer {
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i++) out[i] = block[i % block.length]!;
  return out;
}

export function shaCrypt(kind: keyof typeof SHA_CRYPT, secret: string, saltIn: string, rounds: number): string {
  const { id, algo } = SHA_CRYPT[kind];
  const H = (...parts: Buffer[]): Buffer => {
    const h = createHash(algo);
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const P = Buffer.from(secret, 'utf8');
  const S = Buffer.from(saltIn.slice(0, 16), 'utf8');
  const L = algo === 'sha512' ? 64 : 32;
  const B = H(P, S, P);
  const a = createHash(algo).update(P).update(S);
  a.update(repeatTo(B, P.length));
  for (let n = P.length; n > 0; n >>= 1) a.update(n & 1 ? B : P);
  const A = a.digest();
  const dp = createHash(algo);
  for (let i = 0; i < P.length; i++) dp.update(P);
  const Pp = repeatTo(dp.digest(), P.length);
  const ds = createHash(algo);
  for (let i = 0; i < 16 + A[0]!; i++) ds.update(S);
  const Sp = repeatTo(ds.digest(), S.length);
  // one buffer per round, hashed in one call (a Hash object per round costs 10x more)
  const buf = Buffer.alloc(2 * L + Sp.length + 2 * Pp.length);
  let C: Buffer = A;
  for (let i = 0; i < rounds; i++) {
    let o = (i & 1 ? Pp : C).copy(buf, 0);
    if (i % 3) o += Sp.copy(buf, o);
    if (i % 7) o += Pp.copy(buf, o);
    o += (i & 1 ? C : Pp).copy(buf, o);
    C = hash(algo, buf.subarray(0, o), 'buffer') as unknown as Buffer;
  }
  let enc = '';
  for (const [x, y, z] of L === 64 ? ORDER_512 : ORDER_256) enc += b64((C[x!]! << 16) | (C[y!]! << 8) | C[z!]!, 4);
  enc += L === 64 ? b64(C[63]!, 2) : b64((C[31]! << 8) | C[30]!, 3);
  return `$${id}$rounds=${rounds}$${S.toString('utf8')}$${enc}`;
}
