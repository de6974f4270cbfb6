/**
 * Python `re` patterns and replacement templates in JavaScript, as the file modules (replace,
 * find's contains) compile them: `(?P<name>)`, `(?P=name)`, `\A`, `\Z`, leading inline flags, and
 * Python's meaning of `.`, `^` and `$` (only `\n` ends a line; `$` also matches before a final
 * newline), so a pattern matches here where Ansible's module matches it.
 */

export interface PyFlags {
  multiline?: boolean;
  dotall?: boolean;
  ignorecase?: boolean;
}

const INLINE = /^\(\?([aiLmsux]+)\)/;

/** Translate one Python pattern; throws Error("...") for what JavaScript cannot compile. */
export function pyRegExp(pattern: string, flags: PyFlags = {}, global = false): RegExp {
  let src = pattern;
  const f = { ...flags };
  for (let m = INLINE.exec(src); m; m = INLINE.exec(src)) {
    if (m[1]!.includes('i')) f.ignorecase = true;
    if (m[1]!.includes('m')) f.multiline = true;
    if (m[1]!.includes('s')) f.dotall = true;
    if (m[1]!.includes('x')) throw new Error('verbose patterns ((?x)) are not supported');
    src = src.slice(m[0].length);
  }
  const out: string[] = [];
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1] ?? '';
      i++;
      if (inClass) out.push(`\\${n}`);
      else if (n === 'A') out.push('(?<![\\s\\S])');
      else if (n === 'Z') out.push('(?![\\s\\S])');
      else out.push(`\\${n}`);
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out.push(c);
      continue;
    }
    if (c === '[') {
      inClass = true;
      out.push(c);
      // a leading ] (or ^]) is a literal in Python
      if (src[i + 1] === '^') out.push(src[++i]!);
      if (src[i + 1] === ']') {
        out.push('\\]');
        i++;
      }
      continue;
    }
    if (c === '(' && src.startsWith('(?P<', i)) {
      out.push('(?<');
      i += 3;
      continue;
    }
    if (c === '(' && src.startsWith('(?P=', i)) {
      const end = src.indexOf(')', i);
      out.push(`\\k<${src.slice(i + 4, end)}>`);
      i = end;
      continue;
    }
    if (c === '.') out.push(f.dotall ? '[\\s\\S]' : '[^\\n]');
    else if (c === '^') out.push(f.multiline ? '(?<![^\\n])' : '(?<![\\s\\S])');
    else if (c === '$') out.push(f.multiline ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))');
    else out.push(c);
  }
  return new RegExp(out.join(''), `${f.ignorecase ? 'i' : ''}${global ? 'g' : ''}`);
}

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

type Piece = string | { group: number | string };

/** Parse a Python replacement template (`\1`, `\g<name>`, `\g<0>`, `\n`); throws on a bad one. */
export function parseTemplate(template: string): Piece[] {
  const out: Piece[] = [];
  let lit = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '\\') {
      lit += c;
      continue;
    }
    const n = template[i + 1];
    if (n === undefined) throw new Error('bad escape (end of pattern)');
    if (n === 'g') {
      const m = /^<([^>]*)>/.exec(template.slice(i + 2));
      if (!m) throw new Error('missing group name in \\g<...>');
      out.push(lit, { group: /^\d+$/.test(m[1]!) ? Number(m[1]) : m[1]! });
      lit = '';
      i += 2 + m[0].length - 1;
    } else if (/\d/.test(n)) {
      const m = /^\d{1,2}/.exec(template.slice(i + 1))!;
      out.push(lit, { group: Number(m[0]) });
      lit = '';
      i += m[0].length;
    } else if (n in ESCAPES) {
      lit += ESCAPES[n];
      i++;
    } else if (/[A-Za-z]/.test(n)) {
      throw new Error(`bad escape \\${n}`);
    } else {
      lit += `\\${n}`;
      i++;
    }
  }
  out.push(lit);
  return out.filter((p) => p !== '');
}

/** The replacement for one match (an unmatched group is empty, as in Python 3.5+). */
export function expandTemplate(pieces: Piece[], m: RegExpExecArray): string {
  let s = '';
  for (const p of pieces) {
    if (typeof p === 'string') s += p;
    else if (typeof p.group === 'number') {
      if (p.group >= m.length) throw new Error(`invalid group reference ${p.group}`);
      s += m[p.group] ?? '';
    } else {
      if (!m.groups || !(p.group in m.groups)) throw new Error(`unknown group name '${p.group}'`);
      s += m.groups[p.group] ?? '';
    }
  }
  return s;
}

/** Python's re.subn(pattern, template, text): the new text and the number of replacements. */
export function pySubn(re: RegExp, template: string, text: string): { text: string; count: number } {
  const pieces = parseTemplate(template);
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  let out = '';
  let last = 0;
  let count = 0;
  // JavaScript's global iteration steps past an empty match as Python 3.7+ does
  for (let m = g.exec(text); m; m = g.exec(text)) {
    out += text.slice(last, m.index) + expandTemplate(pieces, m);
    last = m.index + m[0].length;
    count++;
    if (m[0] === '') g.lastIndex++;
    if (g.lastIndex > text.length) break;
  }
  return { text: out + text.slice(last), count };
}
