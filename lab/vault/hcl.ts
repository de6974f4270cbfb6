/**
 * A small HCL reader for Vault policies: blocks (`path "x" { ... }`), attributes
 * (`capabilities = ["read"]`), strings, numbers, booleans, lists and nested objects, with
 * #, // and /* *\/ comments. JSON policies go through JSON.parse. Errors name line:column.
 */
export type HclValue = string | number | boolean | HclValue[] | HclObject;
export interface HclObject {
  [k: string]: HclValue;
}
/** One block: `path "pki/*" { ... }` → { type: 'path', labels: ['pki/*'], body }. */
export interface HclBlock {
  type: string;
  labels: string[];
  body: HclObject;
  line: number;
}

export class HclError extends Error {}

type Tok = { kind: 'str' | 'ident' | 'num' | 'punct'; value: string; line: number; col: number };

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const err = (msg: string): never => {
    throw new HclError(`line ${line}, column ${i - lineStart + 1}: ${msg}`);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') {
      line++;
      i++;
      lineStart = i;
    } else if (/\s/.test(c)) i++;
    else if (c === '#' || (c === '/' && src[i + 1] === '/')) while (i < src.length && src[i] !== '\n') i++;
    else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) err('unterminated comment');
      for (; i < end + 2; i++) if (src[i] === '\n') (line++, (lineStart = i + 1));
    } else if (c === '"') {
      const col = i - lineStart + 1;
      let s = '';
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\n') err('newline in string');
        if (src[i] === '\\') {
          const n = src[i + 1];
          s += n === 'n' ? '\n' : n === 't' ? '\t' : (n ?? '');
          i += 2;
        } else s += src[i++];
      }
      if (i >= src.length) err('unterminated string');
      i++;
      toks.push({ kind: 'str', value: s, line, col });
    } else if ('{}[]=,:'.includes(c)) {
      toks.push({ kind: 'punct', value: c, line, col: i - lineStart + 1 });
      i++;
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i));
      if (!m) err(`unexpected "${c}"`);
      toks.push({ kind: 'num', value: m![0], line, col: i - lineStart + 1 });
      i += m![0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(src.slice(i))!;
      toks.push({ kind: 'ident', value: m[0], line, col: i - lineStart + 1 });
      i += m[0].length;
    } else err(`unexpected character "${c}"`);
  }
  return toks;
}

class Parser {
  private p = 0;
  constructor(private readonly toks: Tok[]) {}

  private fail(msg: string, t: Tok | undefined = this.toks[this.p]): never {
    throw new HclError(t ? `line ${t.line}, column ${t.col}: ${msg}` : `at end of input: ${msg}`);
  }
  private peek(): Tok | undefined {
    return this.toks[this.p];
  }
  private expect(value: string): void {
    const t = this.toks[this.p];
    if (!t || t.value !== value || t.kind !== 'punct') this.fail(`expected "${value}"${t ? `, found "${t.value}"` : ''}`);
    this.p++;
  }

  /** Body until `end` ('}' or EOF): attributes and blocks. */
  body(blocks: HclBlock[] | undefined, end: string | undefined): HclObject {
    const obj: HclObject = {};
    for (;;) {
      const t = this.peek();
      if (!t) {
        if (end) this.fail(`expected "${end}"`);
        return obj;
      }
      if (end && t.kind === 'punct' && t.value === end) {
        this.p++;
        return obj;
      }
      if (t.kind !== 'ident' && t.kind !== 'str') this.fail(`expected a key, found "${t.value}"`);
      this.p++;
      const next = this.peek();
      if (next?.kind === 'punct' && (next.value === '=' || next.value === ':')) {
        this.p++;
        obj[t.value] = this.value();
        continue;
      }
      const labels: string[] = [];
      while (this.peek()?.kind === 'str') labels.push(this.toks[this.p++]!.value);
      this.expect('{');
      const inner = this.body(undefined, '}');
      if (blocks) blocks.push({ type: t.value, labels, body: inner, line: t.line });
      else obj[[t.value, ...labels].join(' ')] = inner;
    }
  }

  value(): HclValue {
    const t = this.peek();
    if (!t) return this.fail('expected a value');
    this.p++;
    if (t.kind === 'str') return t.value;
    if (t.kind === 'num') return Number(t.value);
    if (t.kind === 'ident') {
      if (t.value === 'true' || t.value === 'false') return t.value === 'true';
      return this.fail(`unexpected "${t.value}"`, t);
    }
    if (t.value === '[') {
      const list: HclValue[] = [];
      while (this.peek()?.value !== ']') {
        list.push(this.value());
        if (this.peek()?.value === ',') this.p++;
        else if (this.peek()?.value !== ']') this.fail('expected "," or "]"');
      }
      this.p++;
      return list;
    }
    if (t.value === '{') return this.body(undefined, '}');
    return this.fail(`unexpected "${t.value}"`, t);
  }
}

/** Parse HCL text into its top-level blocks. */
export function parseHclBlocks(src: string): HclBlock[] {
  const blocks: HclBlock[] = [];
  new Parser(tokenize(src)).body(blocks, undefined);
  return blocks;
}
