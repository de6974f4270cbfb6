/** Strict UTF-8 decoding for text the user wrote (templates): a bad byte is an error, never U+FFFD. */
import { isUtf8 } from 'node:buffer';

/** Where the first ill-formed UTF-8 sequence starts (as Python's decoder reports it), or -1. */
export function invalidUtf8Offset(b: Uint8Array): number {
  if (isUtf8(b)) return -1;
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    // Unicode 15, table 3-7 (well-formed byte sequences): the lead byte and the range of the second
    let n: number, lo = 0x80, hi = 0xbf;
    if (c < 0x80) n = 0;
    else if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) [n, lo, hi] = [2, c === 0xe0 ? 0xa0 : 0x80, c === 0xed ? 0x9f : 0xbf];
    else if (c >= 0xf0 && c <= 0xf4) [n, lo, hi] = [3, c === 0xf0 ? 0x90 : 0x80, c === 0xf4 ? 0x8f : 0xbf];
    else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

/** The text of a file's bytes; not UTF-8: an error naming the file and the byte offset. */
export function decodeUtf8(b: Buffer, file: string): string {
  const at = invalidUtf8Offset(b);
  if (at >= 0) throw new Error(`${file}: not valid UTF-8 at byte offset ${at} (0x${b[at]!.toString(16).padStart(2, '0')}); save the file as UTF-8`);
  return b.toString('utf8');
}
