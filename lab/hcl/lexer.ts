import { HclError, type HclPos } from './ast.js';

export type TokenKind = 'ident' | 'string' | 'heredoc' | 'number' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Decoded text for strings and heredocs, source text otherwise. */
  text: string;
  pos: HclPos;
}

const PUNCT = new Set(['{', '}', '[', ']', '=', ':', ',', '(', ')']);
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f' };

/** Splits HCL source into tokens; comments and newlines are dropped (values are self-delimiting). */
export class Lexer {
  private i = 0;
  private line = 1;
  private col = 1;

  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {}

  tokens(): Token[] {
    const out: Token[] = [];
    for (;;) {
      const t = this.next();
      out.push(t);
      if (t.kind === 'eof') return out;
    }
  }

  private pos(): HclPos {
    return { line: this.line, column: this.col, offset: this.i };
  }

  private fail(pos: HclPos, reason: string): never {
    throw new HclError(this.file, pos, reason);
  }

  private advance(n = 1): void {
    for (let k = 0; k < n && this.i < this.src.length; k++) {
      if (this.src[this.i] === '\n') {
        this.line++;
        this.col = 1;
      } else {
        this.col++;
      }
      this.i++;
    }
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const c = this.src[this.i];
      if (c === undefined) return;
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\uFEFF') {
        this.advance();
      } else if (c === '#' || (c === '/' && this.src[this.i + 1] === '/')) {
        while (this.i < this.src.length && this.src[this.i] !== '\n') this.advance();
      } else if (c === '/' && this.src[this.i + 1] === '*') {
        const start = this.pos();
        const end = this.src.indexOf('*/', this.i + 2);
        if (end < 0) this.fail(start, 'unterminated /* comment');
        this.advance(end + 2 - this.i);
      } else {
        return;
      }
    }
  }

  private next(): Token {
    this.skipSpaceAndComments();
    const pos = this.pos();
    const c = this.src[this.i];
    if (c === undefined) return { kind: 'eof', text: '', pos };
    if (c === '"') return { kind: 'string', text: this.readString(pos), pos };
    if (c === '<' && this.src[this.i + 1] === '<') return { kind: 'heredoc', text: this.readHeredoc(pos), pos };
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(this.src[this.i + 1] ?? ''))) {
      return { kind: 'number', text: this.readNumber(pos), pos };
    }
    if (/[A-Za-z_]/.test(c)) return { kind: 'ident', text: this.readWhile(/[A-Za-z0-9_\-.]/), pos };
    if (PUNCT.has(c)) {
      this.advance();
      return { kind: 'punct', text: c, pos };
    }
    return this.fail(pos, `unexpected character ${JSON.stringify(c)}`);
  }

  private readWhile(re: RegExp): string {
    const start = this.i;
    while (this.i < this.src.length && re.test(this.src[this.i] ?? '')) this.advance();
    return this.src.slice(start, this.i);
  }

  private readNumber(pos: HclPos): string {
    const m = /^-?(0[xX][0-9a-fA-F]+|[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)/.exec(this.src.slice(this.i, this.i + 64));
    const text = m?.[0] ?? '';
    const after = this.src[this.i + text.length] ?? '';
    if (!text || /[A-Za-z0-9_.]/.test(after)) this.fail(pos, `invalid number ${JSON.stringify(this.src.slice(this.i, this.i + text.length + 1))}`);
    this.advance(text.length);
    return text;
  }

  private readString(start: HclPos): string {
    this.advance(); // opening quote
    let out = '';
    for (;;) {
      const c = this.src[this.i];
      if (c === undefined || c === '\n') this.fail(start, 'unterminated string');
      if (c === '"') {
        this.advance();
        return out;
      }
      if (c === '\\') {
        out += this.readEscape();
      } else if ((c === '$' || c === '%') && this.src[this.i + 1] === '{') {
        out += this.readInterpolation();
      } else {
        out += c;
        this.advance();
      }
    }
  }

  private readEscape(): string {
    const pos = this.pos();
    const e = this.src[this.i + 1];
    if (e === 'u' || e === 'U') {
      const len = e === 'u' ? 4 : 8;
      const hex = this.src.slice(this.i + 2, this.i + 2 + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) this.fail(pos, `invalid unicode escape \\${e}${hex}`);
      this.advance(2 + len);
      return String.fromCodePoint(parseInt(hex, 16));
    }
    const v = e === undefined ? undefined : ESCAPES[e];
    if (v === undefined) this.fail(pos, `invalid escape sequence \\${e ?? ''}`);
    this.advance(2);
    return v;
  }

  /** Copies `${ ... }` verbatim, honouring nested braces and quoted strings inside. */
  private readInterpolation(): string {
    const start = this.pos();
    const from = this.i;
    let depth = 0;
    let inQuote = false;
    this.advance(); // $ or %
    for (;;) {
      const c = this.src[this.i];
      if (c === undefined || (c === '\n' && inQuote)) this.fail(start, 'unterminated ${ interpolation');
      if (inQuote) {
        if (c === '\\') this.advance();
        else if (c === '"') inQuote = false;
      } else if (c === '"') {
        inQuote = true;
      } else if (c === '{') {
        depth++;
      } else if (c === '}') {
        depth--;
        if (depth === 0) {
          this.advance();
          return this.src.slice(from, this.i);
        }
      }
      this.advance();
    }
  }

  private readHeredoc(start: HclPos): string {
    const m = /^<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/.exec(this.src.slice(this.i));
    if (!m) this.fail(start, 'invalid heredoc: expected <<MARKER or <<-MARKER followed by a newline');
    const indent = m[1] === '-';
    const marker = m[2] ?? '';
    this.advance(m[0].length);
    const lines: string[] = [];
    for (;;) {
      if (this.i >= this.src.length) this.fail(start, `unterminated heredoc: missing closing ${marker}`);
      let end = this.src.indexOf('\n', this.i);
      if (end < 0) end = this.src.length;
      const line = this.src.slice(this.i, end).replace(/\r$/, '');
      if (line.trim() === marker) {
        this.advance(this.src.slice(this.i, end).length);
        return indent ? stripIndent(lines) : lines.map((l) => l + '\n').join('');
      }
      lines.push(line);
      this.advance(end + 1 - this.i);
    }
  }
}

function stripIndent(lines: string[]): string {
  const widths = lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)?.[0].length ?? 0);
  const cut = widths.length ? Math.min(...widths) : 0;
  return lines.map((l) => l.slice(cut) + '\n').join('');
}
