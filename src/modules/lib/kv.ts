/**
 * Ansible-style `key=value` argument strings: `copy: src=a dest=b`, and free-form strings with a
 * k=v tail (`command: echo hi creates=/x`). Quotes group words; the text of free-form words is kept
 * exactly as written (quotes included), as Ansible's split_args does.
 */

export interface Token {
  /** The token as written (quotes kept). */
  raw: string;
  /** The token with one level of quotes removed. */
  value: string;
  /** Offsets of the token in the text (end exclusive). */
  start?: number;
  end?: number;
}

/**
 * Split on unquoted whitespace. Throws on an unbalanced quote. With `jinja`, whitespace inside
 * `{{ }}`, `{% %}` and `{# #}` does not split either, and quotes there are kept as written
 * (Ansible's split_args: `dest={{ root + '/x' }}` is one word).
 */
export function splitArgs(text: string, jinja = false): Token[] {
  const out: Token[] = [];
  let raw = '';
  let value = '';
  let quote: '"' | "'" | undefined;
  let inToken = false;
  let start = 0;
  let depth = 0;
  let jquote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const two = text.slice(i, i + 2);
    if (jinja && !quote && depth > 0) {
      raw += c;
      value += c;
      if (jquote) {
        if (c === '\\' && i + 1 < text.length) {
          raw += text[i + 1];
          value += text[++i];
        } else if (c === jquote) jquote = undefined;
      } else if (c === '"' || c === "'") jquote = c;
      else if (two === '}}' || two === '%}' || two === '#}') {
        raw += '}';
        value += '}';
        i++;
        depth--;
      } else if (two === '{{' || two === '{%' || two === '{#') {
        raw += text[i + 1];
        value += text[++i];
        depth++;
      }
      continue;
    }
    if (quote) {
      raw += c;
      if (c === '\\' && quote === '"' && i + 1 < text.length) {
        const n = text[++i]!;
        raw += n;
        value += n === '"' || n === '\\' ? n : `\\${n}`;
      } else if (c === quote) quote = undefined;
      else value += c;
      continue;
    }
    if (/\s/.test(c)) {
      if (inToken) out.push({ raw, value, start, end: i });
      raw = '';
      value = '';
      inToken = false;
      continue;
    }
    if (!inToken) start = i;
    inToken = true;
    if (jinja && (two === '{{' || two === '{%' || two === '{#')) {
      raw += two;
      value += two;
      i++;
      depth++;
      continue;
    }
    raw += c;
    if (c === '"' || c === "'") quote = c;
    else value += c;
  }
  if (quote) throw new Error(`unbalanced ${quote} quote in arguments`);
  if (depth > 0) throw new Error('unbalanced jinja braces in arguments');
  if (inToken) out.push({ raw, value, start, end: text.length });
  return out;
}

const KV = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/** The key of a `key=value` token, or undefined. */
export function kvKey(tok: Token): string | undefined {
  return KV.exec(tok.raw)?.[1];
}

const ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * Ansible's _decode_escapes (parsing/splitter.py): `\\`, `\'`, `\"`, `\a\b\f\n\r\t\v`, `\xhh`,
 * `\uhhhh` and `\Uhhhhhhhh` in a k=v word are decoded before its quotes are removed, so
 * `regexp='\\b'` is a word boundary and `regexp='\b'` a backspace, as in Ansible.
 */
export function decodeEscapes(s: string): string {
  return s.replace(/\\(U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\\'"abfnrtv])/g, (_m, e: string) => {
    if (e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    return ESCAPES[e]!;
  });
}

/** Ansible's unquote: one pair of matching outer quotes removed. */
function unquote(s: string): string {
  return s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[0] === s[s.length - 1] ? s.slice(1, -1) : s;
}

/** The value part of a `key=value` token, as Ansible's parse_kv takes it: escapes decoded, unquoted. */
export function kvValue(tok: Token): string {
  const x = decodeEscapes(tok.raw);
  return unquote(x.slice(x.indexOf('=') + 1).trim());
}

export interface ParsedKv {
  args: Record<string, string>;
  /** Words that are not key=value (joined as written). */
  rest: string;
  problems: string[];
}

/**
 * Parse a k=v string. With `freeFormKeys`, only those keys are taken out of the string and
 * every other word stays in `rest` (command/shell semantics); otherwise every word must be k=v.
 */
export function parseKv(text: string, freeFormKeys?: ReadonlySet<string>): ParsedKv {
  const args: Record<string, string> = {};
  let rest = '';
  let prev: Token | undefined;
  const problems: string[] = [];
  let tokens: Token[];
  try {
    tokens = splitArgs(text, true);
  } catch (e) {
    return { args, rest: text, problems: [(e as Error).message] };
  }
  for (const tok of tokens) {
    const key = kvKey(tok);
    if (freeFormKeys) {
      if (key !== undefined && freeFormKeys.has(key)) {
        args[key] = kvValue(tok);
        prev = undefined;
      } else {
        rest += rest === '' ? '' : separator(text, prev);
        rest += tok.raw;
        prev = tok;
      }
      continue;
    }
    if (key === undefined) problems.push(`expected key=value, got "${tok.raw}"`);
    else args[key] = kvValue(tok);
  }
  return { args, rest, problems };
}

/** Between two kept words: the newlines written there (Ansible's join_args keeps them), else one space. */
function separator(text: string, prev: Token | undefined): string {
  if (prev?.end === undefined) return ' ';
  const gap = /^\s+/.exec(text.slice(prev.end))?.[0] ?? '';
  const newlines = gap.replace(/[^\n]/g, '');
  return newlines || ' ';
}

/** shlex-like split to argv (quotes removed), for the command module. */
export function splitArgv(text: string): string[] {
  return splitArgs(text).map((t) => t.value);
}
