import { describe, expect, it } from 'vitest';
import { PyRandom } from '../../src/template/pyrandom.js';

// expected values printed by CPython 3.11: ''.join(random.Random(seed).choice(chars) for _ in range(20))
const CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:-_';

describe('PyRandom (CPython random.Random)', () => {
  it.each([
    ['abc', '6TTuIhBjbajOIpXYV3o6'],
    ['myseed', '0MuyBT:n9PJ04hAgLZXx'],
    ['5', 'TI_h-C7ncBDtp,-s3ECZ'],
    ['', '6AXCRaPUg6XNyv-IYdFO'],
  ])('seed %j', (seed, want) => {
    const r = new PyRandom(seed);
    expect(Array.from({ length: 20 }, () => r.choice(CHARS)).join('')).toBe(want);
  });
  it('an integer seed', () => {
    const r = new PyRandom(12345);
    expect(Array.from({ length: 20 }, () => r.choice('0123456789')).join('')).toBe('60453496251648298251');
  });
  it('no seed: characters from the set', () => {
    const r = new PyRandom();
    expect(Array.from({ length: 50 }, () => r.choice('ab')).join('')).toMatch(/^[ab]{50}$/);
  });
});
