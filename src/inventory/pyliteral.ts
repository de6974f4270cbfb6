/**
 * Python's ast.literal_eval for INI inventory values, as Ansible applies it: numbers, strings,
 * True/False/None, lists, tuples, dicts and sets. Anything it cannot evaluate stays the raw string.
 */
class Fail extends Error {}

const NUMBER = new RegExp(
  [
    String.raw`0[xX](?:_?[0-9a-fA-F])+`,
    String.raw`0[oO](?:_?[0-7])+`,
    String.raw`0[bB](?:_?[01])+`,
    String.raw`(?:[0-9](?:_?[0-9])*\.(?:[0-9](?:_?[0-9])*)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?`,
    String.raw`[0-9](?:_?[0-9])*[eE][+-]?[0-9](?:_?[0-9])*`,
    String.raw`[1-9](?:_?[0-9])*`,
    String.raw`0+(?:_?0)*`,
  ]
    .map((p) => `(?:${p})`)
    .join('|'),
  'y',
);
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const SIMPLE_ESC: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  skip(): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') this.i++;
      else if (c === '#') {
        while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      } else return;
    }
  }

  expect(ch: string): void {
    this.skip();
    if (this.s[this.i] !== ch) throw new Fail();
    this.i++;
  }

  value(): unknown {
    this.skip();
    const c = this.s[this.i];
    if (c === '+' || c === '-') {
      this.i++;
      const v = this.value();
      if (typeof v !== 'number') throw new Fail();
      return c === '-' ? -v : v;
    }
    if (c === '[') return this.seq(']');
    if (c === '(') return this.paren();
    if (c === '{') return this.brace();
    if (c === '"' || c === "'") return this.strings('');
    if (c !== undefined && /[0-9.]/.test(c)) return this.number();
    IDENT.lastIndex = this.i;
    const m = IDENT.exec(this.s);
    if (!m) throw new Fail();
    const word = m[0];
    const q = this.s[this.i + word.length];
    if ((q === '"' || q === "'") && /^(?:[rRuUbB]|[bB][rR]|[rR][bB])$/.test(word)) {
      this.i += word.length;
      return this.strings(word);
    }
    this.i += word.length;
    if (word === 'True') return true;
    if (word === 'False') return false;
    if (word === 'None') return null;
    throw new Fail();
  }

  number(): number {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (!m) throw new Fail();
    this.i += m[0].length;
    if (/[A-Za-z0-9_.]/.test(this.s[this.i] ?? '')) throw new Fail();
    const t = m[0].replace(/_/g, '');
    if (/^0[xXoObB]/.test(t)) return Number(t.toLowerCase());
    return Number(t);
  }

  strings(firstPrefix: string): string {
    let out = this.string(firstPrefix);
    for (;;) {
      const save = this.i;
      this.skip();
      IDENT.lastIndex = this.i;
      const m = IDENT.exec(this.s);
      const prefix = m && /^(?:[rRuUbB]|[bB][rR]|[rR][bB])$/.test(m[0]) ? m[0] : '';
      const q = this.s[this.i + prefix.length];
      if (q !== '"' && q !== "'") {
        this.i = save;
        return out;
      }
      this.i += prefix.length;
      out += this.string(prefix);
    }
  }

  string(prefix: string): string {
    const raw = /[rR]/.test(prefix);
    const q = this.s[this.i]!;
    const triple = this.s.startsWith(q.repeat(3), this.i);
    const close = triple ? q.repeat(3) : q;
    this.i += close.length;
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) throw new Fail();
      if (this.s.startsWith(close, this.i)) {
        this.i += close.length;
        return out;
      }
      const c = this.s[this.i]!;
      if (c === '\n' && !triple) throw new Fail();
      if (c === '\\') {
        out += raw ? this.rawEscape() : this.escape();
        continue;
      }
      out += c;
      this.i++;
    }
  }

  rawEscape(): string {
    const pair = this.s.slice(this.i, this.i + 2);
    this.i += pair.length;
    return pair;
  }

  escape(): string {
    const n = this.s[this.i + 1];
    if (n === undefined) throw new Fail();
    this.i += 2;
    const simple = SIMPLE_ESC[n];
    if (simple !== undefined) return simple;
    const fixed: Record<string, number> = { x: 2, u: 4, U: 8 };
    const width = fixed[n];
    if (width !== undefined) {
      const hex = this.s.slice(this.i, this.i + width);
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) throw new Fail();
      this.i += width;
      return String.fromCodePoint(parseInt(hex, 16));
    }
    if (/[0-7]/.test(n)) {
      const m = /^[0-7]{0,2}/.exec(this.s.slice(this.i))![0];
      this.i += m.length;
      return String.fromCodePoint(parseInt(n + m, 8));
    }
    if (n === 'N') throw new Fail();
    return `\\${n}`;
  }

  seq(end: string): unknown[] {
    this.i++;
    const out: unknown[] = [];
    for (;;) {
      this.skip();
      if (this.s[this.i] === end) {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.skip();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== end) throw new Fail();
    }
  }

  paren(): unknown {
    const start = this.i;
    this.i++;
    this.skip();
    if (this.s[this.i] === ')') {
      this.i++;
      return [];
    }
    const first = this.value();
    this.skip();
    if (this.s[this.i] === ')') {
      this.i++;
      return first;
    }
    this.i = start;
    return this.seq(')');
  }

  brace(): unknown {
    this.i++;
    this.skip();
    if (this.s[this.i] === '}') {
      this.i++;
      return {};
    }
    const first = this.value();
    this.skip();
    if (this.s[this.i] !== ':') return this.setRest(first);
    const out: Record<string, unknown> = {};
    let key: unknown = first;
    for (;;) {
      this.expect(':');
      if (typeof key === 'object' && key !== null) throw new Fail();
      out[String(key)] = this.value();
      this.skip();
      if (this.s[this.i] === ',') this.i++;
      this.skip();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      key = this.value();
    }
  }

  setRest(first: unknown): unknown[] {
    const out: unknown[] = [first];
    for (;;) {
      this.skip();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') throw new Fail();
      this.skip();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      const v = this.value();
      if (!out.includes(v)) out.push(v);
    }
  }
}

/** literal_eval(v) when it evaluates, else v unchanged (like Ansible's INI _parse_value). */
export function pyLiteral(v: string): unknown {
  const p = new Parser(v.replace(/^[ \t]+/, ''));
  try {
    const out = p.value();
    p.skip();
    if (p.i !== p.s.length) return v;
    return out;
  } catch (e) {
    if (e instanceof Fail) return v;
    throw e;
  }
}
