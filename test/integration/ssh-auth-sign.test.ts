/** Key files sign with a KeyObject parsed once: the same signatures ssh2 makes from the PEM. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type ParsedKey } from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { signWithKeyObject } from '../../src/connection/ssh/auth.js';

const dir = mkdtempSync(join(tmpdir(), 'orchestrate-sign-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keyOf(type: string, bits: string): { fast: ParsedKey; plain: ParsedKey } {
  const file = join(dir, `id_${type}_${bits}_${n++}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-b', bits, '-N', '', '-f', file]);
  const parse = (): ParsedKey => ssh2.utils.parseKey(readFileSync(file)) as ParsedKey;
  return { fast: signWithKeyObject(parse()), plain: parse() };
}

describe('signWithKeyObject', () => {
  const data = Buffer.from('session id and userauth request');
  it('gives ed25519 signatures identical to ssh2 (deterministic)', () => {
    const { fast, plain } = keyOf('ed25519', '256');
    expect(fast.sign(data)).toEqual(plain.sign(data));
  });
  it.each([
    ['ecdsa', '256', undefined],
    ['ecdsa', '384', undefined],
    ['ecdsa', '521', undefined],
    ['rsa', '2048', 'sha512'],
    ['rsa', '2048', 'sha256'],
    ['rsa', '2048', undefined],
  ])('gives %s-%s signatures (digest %s) that verify as ssh2 checks them', (type, bits, algo) => {
    const { fast, plain } = keyOf(type, bits);
    const sig = fast.sign(data, algo);
    expect(sig).toBeInstanceOf(Buffer);
    expect(plain.verify(data, sig, algo)).toBe(true);
    if (type === 'rsa') expect(sig).toEqual(plain.sign(data, algo)); // PKCS#1 v1.5 is deterministic
  });
});
