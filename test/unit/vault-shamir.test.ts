import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { combine, gfDiv, gfMul, split } from '../../lab/vault/shamir.js';

function subsets<T>(items: T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, k - 1).map((s) => [first!, ...s]), ...subsets(rest, k)];
}

describe('shamir over GF(256)', () => {
  it('field arithmetic: a*b/b = a for all non-zero b', () => {
    for (let a = 0; a < 256; a += 7) for (let b = 1; b < 256; b++) expect(gfDiv(gfMul(a, b), b)).toBe(a);
    expect(gfMul(0x53, 0xca)).toBe(0x01); // AES field: 0x53 and 0xca are inverses
  });

  it('any threshold subset recovers the secret, fewer do not', () => {
    const secret = randomBytes(32);
    const shares = split(secret, 5, 3);
    expect(shares).toHaveLength(5);
    expect(new Set(shares.map((s) => s[32])).size).toBe(5);
    for (const subset of subsets(shares, 3)) expect(combine(subset).equals(secret)).toBe(true);
    for (const subset of subsets(shares, 4)) expect(combine(subset).equals(secret)).toBe(true);
    for (const subset of subsets(shares, 2)) expect(combine(subset).equals(secret)).toBe(false);
  });

  it('works at threshold 2 of 2 and with a one-byte secret', () => {
    const secret = Buffer.from([0x42]);
    const shares = split(secret, 2, 2);
    expect(combine(shares).equals(secret)).toBe(true);
    expect(combine([shares[1]!, shares[0]!]).equals(secret)).toBe(true);
  });

  it('rejects bad parameters and malformed shares', () => {
    expect(() => split(randomBytes(32), 2, 3)).toThrow(/less than threshold/);
    expect(() => split(randomBytes(32), 3, 1)).toThrow(/at least 2/);
    expect(() => split(Buffer.alloc(0), 3, 2)).toThrow(/empty/);
    const shares = split(randomBytes(16), 3, 2);
    expect(() => combine([shares[0]!, shares[0]!])).toThrow(/duplicate/);
    expect(() => combine([shares[0]!, shares[1]!.subarray(1)])).toThrow(/same length/);
    expect(() => combine([shares[0]!])).toThrow(/less than two/);
  });
});
