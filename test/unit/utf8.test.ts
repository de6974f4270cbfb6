import { describe, expect, it } from 'vitest';
import { decodeUtf8, invalidUtf8Offset } from '../../src/util/utf8.js';

const b = (...xs: (string | number[])[]): Buffer => Buffer.concat(xs.map((x) => (typeof x === 'string' ? Buffer.from(x) : Buffer.from(x))));

describe('strict UTF-8 (the offsets Python\'s decoder reports)', () => {
  it.each([
    ['ascii', b('abc'), -1],
    ['two, three and four byte sequences', b('é€😀'), -1],
    ['latin-1 é', b('Jos', [0xe9]), 3],
    ['a lone continuation byte', b('a', [0x80], 'b'), 1],
    ['an overlong encoding of "/"', b([0xc0, 0xaf]), 0],
    ['an overlong three-byte form', b('x', [0xe0, 0x80, 0xaf]), 1],
    ['a UTF-16 surrogate (U+D800)', b('ok ', [0xed, 0xa0, 0x80]), 3],
    ['past U+10FFFF', b([0xf4, 0x90, 0x80, 0x80]), 0],
    ['a sequence cut off at the end', b('abc', [0xe2, 0x82]), 3],
    ['a bad second byte', b('€', [0xc3, 0x28]), 3],
    ['0xff', b([0xff]), 0],
  ])('%s', (_name, bytes, at) => {
    expect(invalidUtf8Offset(bytes)).toBe(at);
  });

  it('decodes good text and names file and offset for bad', () => {
    expect(decodeUtf8(b('région'), 'x.j2')).toBe('région');
    expect(() => decodeUtf8(b('ab', [0xfe]), 'templates/x.j2')).toThrow('templates/x.j2: not valid UTF-8 at byte offset 2 (0xfe); save the file as UTF-8');
  });
});
