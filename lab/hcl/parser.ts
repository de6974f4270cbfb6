import {
  HclError,
  type HclAttribute,
  type HclBlock,
  type HclBody,
  type HclExpr,
  type HclFile,
  type HclPos,
} from './ast.js';
import { Lexer, type Token } from './lexer.js';

/** Parses HCL1/HCL2 configuration text into a syntax tree with positions. Throws HclError. */
export function parseHcl(text: string, file = '<input>'): HclFile {
  const parser = new Parser(new Lexer(text, file).tokens(), file);
  return { file, body: parser.parseFile() };
}

class Parser {
  private i = 0;

  constructor(
    private readonly toks: Token[],
    private readonly file: string,
  ) {}

  parseFile(): HclBody {
    const body = this.parseBody(this.peek().pos);
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(t, `unexpected ${describe(t)}`);
    return body;
  }

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)] as Token;
  }

  private take(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }

  private isPunct(t: Token, p: string): boolean {
    return t.kind === 'punct' && t.text === p;
  }

  private fail(t: Token | HclPos, reason: string): never {
    throw new HclError(this.file, 'pos' in t ? t.pos : t, reason);
  }

  private parseBody(pos: HclPos): HclBody {
    const items: Array<HclAttribute | HclBlock> = [];
    const seen = new Map<string, HclPos>();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof' || this.isPunct(t, '}')) return { kind: 'body', items, pos };
      if (this.isPunct(t, ',')) {
        this.take();
        continue;
      }
      const item = this.parseItem();
      if (item.kind === 'attribute') {
        const prev = seen.get(item.key);
        if (prev) this.fail(item.pos, `duplicate attribute "${item.key}" (first set at line ${prev.line}:${prev.column})`);
        seen.set(item.key, item.pos);
      }
      items.push(item);
    }
  }

  private parseItem(): HclAttribute | HclBlock {
    const name = this.take();
    if (name.kind !== 'ident' && name.kind !== 'string') this.fail(name, `expected an attribute or block name, found ${describe(name)}`);
    const next = this.peek();
    if (this.isPunct(next, '=') || this.isPunct(next, ':')) {
      this.take();
      return { kind: 'attribute', key: name.text, value: this.parseExpr(), pos: name.pos };
    }
    const labels: string[] = [];
    while (this.peek().kind === 'string' || this.peek().kind === 'ident') labels.push(this.take().text);
    const open = this.take();
    if (!this.isPunct(open, '{')) {
      this.fail(open, `expected "=" or "{" after "${name.text}", found ${describe(open)}`);
    }
    const body = this.parseBody(open.pos);
    this.expectClose(open, '}');
    return { kind: 'block', type: name.text, labels, body, pos: name.pos };
  }

  private expectClose(open: Token, close: string): void {
    const t = this.take();
    if (!this.isPunct(t, close)) {
      this.fail(t, `expected "${close}" to close "${open.text}" opened at line ${open.pos.line}:${open.pos.column}, found ${describe(t)}`);
    }
  }

  private parseExpr(): HclExpr {
    const t = this.take();
    switch (t.kind) {
      case 'string':
      case 'heredoc':
        return { kind: 'string', value: t.text, heredoc: t.kind === 'heredoc', pos: t.pos };
      case 'number':
        return { kind: 'number', raw: t.text, value: numberValue(t.text), pos: t.pos };
      case 'ident':
        if (t.text === 'true' || t.text === 'false') return { kind: 'bool', value: t.text === 'true', pos: t.pos };
        if (t.text === 'null') return { kind: 'null', pos: t.pos };
        return this.fail(t, `unsupported expression "${t.text}": only literal values are allowed here (quote strings)`);
      case 'punct':
        if (t.text === '[') return this.parseList(t);
        if (t.text === '{') return this.parseObject(t);
        return this.fail(t, `expected a value, found ${describe(t)}`);
      default:
        return this.fail(t, `expected a value, found ${describe(t)}`);
    }
  }

  private parseList(open: Token): HclExpr {
    const items: HclExpr[] = [];
    while (!this.isPunct(this.peek(), ']')) {
      if (this.peek().kind === 'eof') this.fail(open, 'unterminated list: missing "]"');
      items.push(this.parseExpr());
      if (this.isPunct(this.peek(), ',')) this.take();
      else if (!this.isPunct(this.peek(), ']')) this.fail(this.peek(), `expected "," or "]" in list, found ${describe(this.peek())}`);
    }
    this.take();
    return { kind: 'list', items, pos: open.pos };
  }

  private parseObject(open: Token): HclExpr {
    const entries: HclAttribute[] = [];
    const seen = new Set<string>();
    while (!this.isPunct(this.peek(), '}')) {
      const key = this.take();
      if (key.kind === 'eof') this.fail(open, 'unterminated object: missing "}"');
      if (key.kind !== 'ident' && key.kind !== 'string') this.fail(key, `expected an object key, found ${describe(key)}`);
      let value: HclExpr;
      if (this.isPunct(this.peek(), '{')) {
        value = this.parseObject(this.take()); // HCL1 nested block style: key { ... }
      } else {
        const sep = this.take();
        if (!this.isPunct(sep, '=') && !this.isPunct(sep, ':')) this.fail(sep, `expected "=" after key "${key.text}", found ${describe(sep)}`);
        value = this.parseExpr();
      }
      if (seen.has(key.text)) this.fail(key, `duplicate key "${key.text}" in object`);
      seen.add(key.text);
      entries.push({ kind: 'attribute', key: key.text, value, pos: key.pos });
      if (this.isPunct(this.peek(), ',')) this.take();
    }
    this.take();
    return { kind: 'object', entries, pos: open.pos };
  }
}

function numberValue(raw: string): number {
  const neg = raw.startsWith('-');
  const body = neg ? raw.slice(1) : raw;
  let v: number;
  if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
  else if (/^0[0-7]+$/.test(body)) v = parseInt(body, 8);
  else v = Number(body);
  return neg ? -v : v;
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of file';
  if (t.kind === 'string' || t.kind === 'heredoc') return 'a string';
  return `"${t.text}"`;
}
