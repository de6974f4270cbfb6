/** Python's shlex.split(s, comments=True, posix=True), keeping each token's start offset. */
export interface Token {
  value: string;
  start: number;
}

const WS = ' \t\r\n';
const QUOTES = `'"`;

export class ShlexError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export function shlexSplit(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (WS.includes(c)) {
      i++;
      continue;
    }
    if (c === '#') break;
    const r = readWord(s, i);
    out.push({ value: r.value, start: i });
    i = r.end;
    if (r.comment) break;
  }
  return out;
}

function readWord(s: string, start: number): { value: string; end: number; comment: boolean } {
  let value = '';
  let i = start;
  while (i < s.length) {
    const c = s[i]!;
    if (WS.includes(c)) return { value, end: i, comment: false };
    if (c === '#') return { value, end: i, comment: true };
    if (QUOTES.includes(c)) {
      const close = readQuoted(s, i);
      value += close.value;
      i = close.end;
      continue;
    }
    if (c === '\\') {
      if (i + 1 >= s.length) throw new ShlexError('No escaped character', i);
      value += s[i + 1];
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  return { value, end: i, comment: false };
}

function readQuoted(s: string, open: number): { value: string; end: number } {
  const q = s[open]!;
  let value = '';
  let i = open + 1;
  while (i < s.length) {
    const c = s[i]!;
    if (c === q) return { value, end: i + 1 };
    if (c === '\\' && q === '"') {
      if (i + 1 >= s.length) throw new ShlexError('No closing quotation', open);
      const n = s[i + 1]!;
      value += n === '"' || n === '\\' ? n : `\\${n}`;
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  throw new ShlexError('No closing quotation', open);
}
