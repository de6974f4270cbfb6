/**
 * Shamir's secret sharing over GF(2^8) (AES polynomial x^8+x^4+x^3+x+1), as Vault does it:
 * every byte of the secret is the constant term of its own random polynomial of degree
 * threshold-1; each share is the polynomial values at one random non-zero x, with x appended
 * as the share's last byte. Combining interpolates at x=0 (Lagrange).
 */
import { randomBytes } from 'node:crypto';

const EXP = new Uint8Array(510);
const LOG = new Uint8Array(256);
(() => {
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x ^= (x << 1) ^ (x & 0x80 ? 0x11b : 0); // multiply by generator 3
    x &= 0xff;
  }
  for (let i = 255; i < 510; i++) EXP[i] = EXP[i - 255]!;
})();

export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[LOG[a]! + LOG[b]!]!;
}

export function gfDiv(a: number, b: number): number {
  if (b === 0) throw new Error('division by zero');
  if (a === 0) return 0;
  return EXP[(LOG[a]! + 255 - LOG[b]!) % 255]!;
}

function evaluate(coeffs: Uint8Array, x: number): number {
  let y = 0;
  for (let i = coeffs.length - 1; i >= 0; i--) y = gfMul(y, x) ^ coeffs[i]!;
  return y;
}

/** Split a secret into `parts` shares, any `threshold` of which recover it. */
export function split(secret: Buffer, parts: number, threshold: number): Buffer[] {
  if (!Number.isInteger(parts) || !Number.isInteger(threshold)) throw new Error('parts and threshold must be integers');
  if (parts < threshold) throw new Error('parts cannot be less than threshold');
  if (parts > 255) throw new Error('parts cannot exceed 255');
  if (threshold < 2) throw new Error('threshold must be at least 2');
  if (threshold > 255) throw new Error('threshold cannot exceed 255');
  if (secret.length === 0) throw new Error('cannot split an empty secret');
  const xs = distinctXs(parts);
  const shares = xs.map((x) => {
    const b = Buffer.alloc(secret.length + 1);
    b[secret.length] = x;
    return b;
  });
  const coeffs = new Uint8Array(threshold);
  for (let i = 0; i < secret.length; i++) {
    coeffs[0] = secret[i]!;
    coeffs.set(randomBytes(threshold - 1), 1);
    for (let p = 0; p < parts; p++) shares[p]![i] = evaluate(coeffs, xs[p]!);
  }
  coeffs.fill(0);
  return shares;
}

function distinctXs(n: number): number[] {
  const pool = Array.from({ length: 255 }, (_, i) => i + 1);
  const rnd = randomBytes(255);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = rnd[i]! % (i + 1);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n);
}

/** Recover the secret from shares (at least the threshold; fewer give a wrong value). */
export function combine(shares: readonly Buffer[]): Buffer {
  if (shares.length < 2) throw new Error('less than two parts cannot be used to reconstruct the secret');
  const len = shares[0]!.length;
  if (len < 2) throw new Error('parts must be at least two bytes');
  const xs: number[] = [];
  for (const s of shares) {
    if (s.length !== len) throw new Error('all parts must be the same length');
    const x = s[len - 1]!;
    if (xs.includes(x)) throw new Error('duplicate part detected');
    xs.push(x);
  }
  const out = Buffer.alloc(len - 1);
  for (let i = 0; i < len - 1; i++) {
    let acc = 0;
    for (let j = 0; j < shares.length; j++) {
      let basis = 1;
      for (let m = 0; m < shares.length; m++) {
        if (m === j) continue;
        basis = gfMul(basis, gfDiv(xs[m]!, xs[m]! ^ xs[j]!));
      }
      acc ^= gfMul(shares[j]![i]!, basis);
    }
    out[i] = acc;
  }
  return out;
}
