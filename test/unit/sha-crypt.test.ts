import { describe, expect, it } from 'vitest';
import { shaCrypt } from '../../src/template/sha-crypt.js';

describe('SHA-crypt', () => {
  // ansible-core 2.14 printed, for lookup('password', '/dev/null seed=abc length=8 encrypt=sha512_crypt'),
  // $6$rounds=656000$yhGdRbaBAbjQbRB6$.2o72Xk0WzKZdZ9Mkn9rKufomZ4YNKlbmljRn6SdwSyVyKhN96jlbZ6gusnGQMGNQ.HsT41RKhcNnaOn5U2Kw.
  // (checked by hand: 656,000 rounds take seconds, too long for a unit test)
  it("Drepper's test vectors (rounds given)", () => {
    expect(shaCrypt('sha512_crypt', 'Hello world!', 'saltstringsaltstring', 10000)).toBe(
      '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
    );
    expect(shaCrypt('sha256_crypt', 'Hello world!', 'saltstringsaltstring', 10000)).toBe('$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA');
  });
});
