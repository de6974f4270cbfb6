/** String, number, type, encoding, path and hashing filters (Ansible names and arguments). */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { posix } from 'node:path';
import * as yaml from 'js-yaml';
import { ansibleSchema } from '../yaml/schema.js';
import { bool, parseArgs, str } from './args.js';
import { pyJson } from './json.js';
import { pyStrip, typeName, truthy } from './python.js';
import { STR_METHODS } from './methods.js';

export type Filter = (this: unknown, value: unknown, ...args: unknown[]) => unknown;

function toInt(v: unknown, def: unknown, base: number): unknown {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = str(v).trim().toLowerCase().replace(/_/g, '');
  const clean = base === 16 ? s.replace(/^0x/, '') : base === 8 ? s.replace(/^0o/, '') : base === 2 ? s.replace(/^0b/, '') : s;
  const digits = base === 10 ? /^[-+]?\d+$/ : base === 16 ? /^[-+]?[0-9a-f]+$/ : base === 8 ? /^[-+]?[0-7]+$/ : /^[-+]?[01]+$/;
  if (digits.test(clean)) return parseInt(clean, base);
  if (base === 10 && /^[-+]?\d*\.\d+$|^[-+]?\d+\.\d*$/.test(clean)) return Math.trunc(parseFloat(clean));
  return def;
}

function toFloat(v: unknown, def: unknown): unknown {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const special = /^([-+]?)(nan|inf|infinity)$/i.exec(str(v).trim());
  if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  const n = Number(str(v).trim());
  return str(v).trim() !== '' && Number.isFinite(n) ? n : def;
}

const COMMENT_STYLES: Record<string, Record<string, string>> = {
  plain: { decoration: '# ' },
  erlang: { decoration: '% ' },
  c: { decoration: '// ' },
  cblock: { beginning: '/*', decoration: ' * ', end: ' */' },
  xml: { beginning: '<!--', decoration: ' - ', end: '-->' },
};

/** Ansible's `comment` filter (plugins/filter/core.py comment): style, then keyword overrides. */
function comment(text: string, a: ReturnType<typeof parseArgs>): string {
  const styleName = str(a.get(0, 'style', 'plain'));
  const style = COMMENT_STYLES[styleName];
  if (!style) throw new Error(`comment: unknown style "${styleName}"`);
  const kw = Object.fromEntries(Object.entries(a.kw).filter(([k]) => k !== 'style').map(([k, v]) => [k, str(v)]));
  const prepostfix = (kw['decoration'] ?? style['decoration']!).trimEnd();
  const p: Record<string, string> = { newline: '\n', beginning: '', prefix: prepostfix, prefix_count: '1', decoration: '', postfix: prepostfix, postfix_count: '1', end: '', ...style, ...kw };
  const nl = p['newline']!;
  const deco = p['decoration']!;
  const beginning = p['beginning'] ? `${p['beginning']}${nl}` : '';
  const prefix = !p['prefix'] ? '' : (p['prefix'] !== nl ? `${p['prefix']}${nl}` : nl).repeat(parseInt(p['prefix_count']!, 10));
  const body = `${deco}${text.split(nl).join(`${nl}${deco}`)}`.split(`${deco}${nl}`).join(`${deco.trimEnd()}${nl}`);
  const postfix = ['', ...Array<string>(parseInt(p['postfix_count']!, 10)).fill(p['postfix']!)].join(nl);
  const end = p['end'] ? `${nl}${p['end']}` : '';
  return `${beginning}${prefix}${body}${postfix}${end}`;
}

/** Python regex syntax to JavaScript: (?P<n>...), (?P=n), \A, \Z and leading inline flags (?ims). */
export function pyRegex(pattern: unknown, flags = ''): RegExp {
  const inline = /^\(\?([aimsux]+)\)/.exec(str(pattern));
  if (inline) {
    const extra = [...inline[1]!].filter((f) => 'ims'.includes(f) && !flags.includes(f)).join('');
    return pyRegex(str(pattern).slice(inline[0].length), flags + extra);
  }
  const src = str(pattern).replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>').replace(/\\Z/g, '$').replace(/\\A/g, '^');
  return new RegExp(src, flags);
}

function reFlags(a: ReturnType<typeof parseArgs>, extra = ''): string {
  return (bool(a.kw['ignorecase'] ?? false) ? 'i' : '') + (bool(a.kw['multiline'] ?? false) ? 'm' : '') + extra;
}

/** Python replacement syntax (\1, \g<name>) to JavaScript ($1, $<name>). */
function pyReplacement(r: string): string {
  return r.replace(/\$/g, '$$$$').replace(/\\g<(\w+)>/g, (_m, g: string) => (/^\d+$/.test(g) ? `$${g}` : `$<${g}>`)).replace(/\\(\d+)/g, '$$$1');
}

function regexSearch(value: unknown, ...raw: unknown[]): unknown {
  const a = parseArgs(raw);
  const m = pyRegex(a.pos[0], reFlags(a)).exec(str(value));
  if (!m) return null;
  const groups = a.pos.slice(1).map(str);
  if (groups.length === 0) return m[0];
  return groups.map((g) => {
    const named = /^\\g<(\w+)>$/.exec(g);
    if (named) return m.groups?.[named[1]!] ?? null;
    const num = /^\\(\d+)$/.exec(g);
    return num ? (m[Number(num[1])] ?? null) : null;
  });
}

function regexFindall(value: unknown, ...raw: unknown[]): unknown[] {
  const a = parseArgs(raw);
  const out: unknown[] = [];
  for (const m of str(value).matchAll(pyRegex(a.pos[0], reFlags(a, 'g')))) {
    out.push(m.length <= 1 ? m[0] : m.length === 2 ? m[1] : m.slice(1));
  }
  return out;
}

function shellQuote(v: unknown): string {
  const s = str(v);
  if (s === '') return "''";
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
}

function hash(v: unknown, algo: unknown = 'sha1'): string {
  return createHash(str(algo)).update(str(v)).digest('hex');
}

function pathJoin(v: unknown, ...rest: unknown[]): string {
  const parts = (Array.isArray(v) ? v : [v, ...rest]).map(str);
  let out = '';
  for (const p of parts) out = p.startsWith('/') || out === '' ? p : out.endsWith('/') ? out + p : `${out}/${p}`;
  return out;
}

function title(s: string): string {
  return s.toLowerCase().replace(/(^|[^a-z0-9'])([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase());
}

function urlsplit(v: unknown, part?: unknown): unknown {
  const u = new URL(str(v));
  const parts: Record<string, unknown> = {
    scheme: u.protocol.replace(/:$/, ''),
    // urllib.parse.urlsplit's netloc keeps the user and password
    netloc: /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(str(v))?.[1] ?? u.host,
    hostname: u.hostname,
    port: u.port === '' ? null : Number(u.port),
    path: u.pathname,
    query: u.search.replace(/^\?/, ''),
    fragment: u.hash.replace(/^#/, ''),
    username: u.username || null,
    password: u.password || null,
  };
  return part === undefined ? parts : parts[str(part)];
}

export const textFilters: Record<string, Filter> = {
  bool: (v) => bool(v),
  int: (v, ...raw) => {
    const a = parseArgs(raw);
    return toInt(v, a.get(0, 'default', 0), Number(a.get(1, 'base', 10)));
  },
  float: (v, ...raw) => toFloat(v, parseArgs(raw).get(0, 'default', 0)),
  string: (v) => str(v),
  lower: (v) => str(v).toLowerCase(),
  upper: (v) => str(v).toUpperCase(),
  capitalize: (v) => { const s = str(v); return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(); },
  title: (v) => title(str(v)),
  trim: (v, chars) => pyStrip(str(v), chars),
  replace: (v, a, b, count) => STR_METHODS.replace(str(v), a, b, count),
  split: (v, sep, max) => STR_METHODS.split(str(v), sep, max),
  regex_replace: (v, pattern, repl, ...raw) => {
    const a = parseArgs(raw);
    const count = Number(a.get(0, 'count', 0));
    let n = 0;
    const re = pyRegex(pattern, reFlags(a, 'g'));
    const r = pyReplacement(repl === undefined ? '' : str(repl));
    return str(v).replace(re, (...m: unknown[]) => (count > 0 && n++ >= count ? String(m[0]) : String(m[0]).replace(pyRegex(pattern, reFlags(a)), r)));
  },
  regex_search: regexSearch,
  regex_findall: regexFindall,
  regex_escape: (v) => str(v).replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'),
  b64encode: (v) => Buffer.from(str(v), 'utf8').toString('base64'),
  b64decode: (v) => Buffer.from(str(v), 'base64').toString('utf8'),
  to_json: (v, ...raw) => pyJson(v, { indent: undefined, sortKeys: bool(parseArgs(raw).kw['sort_keys'] ?? false) }),
  to_nice_json: (v, ...raw) => pyJson(v, { indent: Number(parseArgs(raw).get(0, 'indent', 4)), sortKeys: true }),
  from_json: (v) => JSON.parse(str(v)) as unknown,
  // PyYAML's dump, as Ansible calls it: keys sorted, sequences not indented under their key
  to_yaml: (v) => yaml.dump(v, { schema: ansibleSchema(), lineWidth: -1, noRefs: true, sortKeys: true, noArrayIndent: true }),
  to_nice_yaml: (v, ...raw) => yaml.dump(v, { schema: ansibleSchema(), indent: Number(parseArgs(raw).get(0, 'indent', 4)), lineWidth: -1, noRefs: true, sortKeys: true, noArrayIndent: true }),
  from_yaml: (v) => yaml.load(str(v), { schema: ansibleSchema() }),
  quote: shellQuote,
  basename: (v) => posix.basename(str(v)),
  dirname: (v) => posix.dirname(str(v)),
  expanduser: (v) => str(v).replace(/^~(?=$|\/)/, homedir()),
  path_join: pathJoin,
  hash,
  checksum: (v) => hash(v, 'sha1'),
  sha1: (v) => hash(v, 'sha1'),
  md5: (v) => hash(v, 'md5'),
  ternary: (v, yes, no, none) => (v === null && none !== undefined ? none : truthy(v) ? yes : no),
  type_debug: (v) => typeName(v),
  urlsplit,
  comment: (v, ...raw) => comment(str(v), parseArgs(raw)),
};
