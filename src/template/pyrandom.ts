/**
 * Python's `random.Random(seed)` (CPython's Mersenne Twister, Modules/_randommodule.c: seeding a
 * str with version 2 — the bytes and their SHA-512 as one big integer, init_by_array over its
 * 32-bit words — getrandbits and `_randbelow_with_getrandbits`), so a seeded password lookup gives
 * the same characters as Ansible's. Without a seed the choice is from the OS's CSPRNG.
 */
import { createHash, randomInt } from 'node:crypto';

class MersenneTwister {
  private readonly mt = new Uint32Array(624);
  private mti = 625;

  constructor(key: number[]) {
    this.initByArray(key);
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = 624;
  }

  private initByArray(key: number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(624, key.length); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= 624) {
        mt[0] = mt[623]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = 623; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= 624) {
        mt[0] = mt[623]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  uint32(): number {
    const mt = this.mt;
    if (this.mti >= 624) {
      for (let kk = 0; kk < 624; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[(kk + 1) % 624]! & 0x7fffffff);
        mt[kk] = mt[(kk + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.mti = 0;
    }
    let y = mt[this.mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}

/** The init_by_array key of a seed: the 32-bit words of abs(int), least significant first. */
function seedKey(seed: string | number): number[] {
  let n: bigint;
  if (typeof seed === 'number') n = BigInt(Math.abs(Math.trunc(seed)));
  else {
    const bytes = Buffer.from(seed, 'utf8');
    const all = Buffer.concat([bytes, createHash('sha512').update(bytes).digest()]);
    n = BigInt(`0x${all.toString('hex')}`);
  }
  const key: number[] = [];
  while (n > 0n) {
    key.push(Number(n & 0xffffffffn));
    n >>= 32n;
  }
  return key.length > 0 ? key : [0];
}

export class PyRandom {
  private readonly mt: MersenneTwister | undefined;

  /** A seeded generator as `random.Random(seed)`; no seed: `random.SystemRandom()`. */
  constructor(seed?: string | number) {
    this.mt = seed === undefined ? undefined : new MersenneTwister(seedKey(seed));
  }

  private getrandbits(k: number): number {
    return this.mt!.uint32() >>> (32 - k);
  }

  /** `_randbelow_with_getrandbits(n)`, n < 2**32. */
  randbelow(n: number): number {
    if (!this.mt) return randomInt(n);
    const k = Math.max(1, Math.ceil(Math.log2(n + 1)));
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  choice<T>(seq: readonly T[] | string): T | string {
    if (seq.length === 0) throw new Error('Cannot choose from an empty sequence');
    return seq[this.randbelow(seq.length)]!;
  }
}
