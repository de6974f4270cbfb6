/**
 * Compiles Jinja source with nunjucks' parser and code generator, adjusted to behave like
 * Ansible's Jinja: strict undefined variables (except under `default`, `mandatory`,
 * `is defined`), Python truthiness, `==`, `in`, `~`, tuples, `for k in dict`, `a.0` lookups,
 * and a capture of the native value when the template is a single `{{ expr }}`.
 */
import { TemplateError } from './errors.js';
import './string-escapes.js';
import { compilerModule, node, parserModule, transformerModule, type NjCompiler, type NjFrame, type NjNode, type RootRenderFunc } from './nj.js';

export interface Compiled {
  root: RootRenderFunc;
  /** `{% block NAME %}` bodies (without `extends` a block renders in place, as in Jinja). */
  blocks: Readonly<Record<string, RootRenderFunc>>;
  /** The template is exactly one `{{ expr }}`: its value is captured natively. */
  native: boolean;
}

const SOFT_FILTERS = new Set(['default', 'd', 'mandatory']);
const SOFT_TESTS = new Set(['defined', 'undefined']);
const PARSE_OPTS = { trimBlocks: true, lstripBlocks: false, autoescape: false };
const CACHE_LIMIT = 20_000;
const cache = new Map<string, Compiled>();

export function compileTemplate(source: string, kind = 'template'): Compiled {
  const hit = cache.get(source);
  if (hit) return hit;
  const compiled = build(source, kind);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(source, compiled);
  return compiled;
}

function build(source: string, kind: string): Compiled {
  let ast: NjNode;
  try {
    ast = parserModule.parse(fixSource(source), [], PARSE_OPTS);
  } catch (e) {
    throw syntaxError(source, e, kind);
  }
  const native = markNative(ast);
  adjust(ast);
  const c = new compilerModule.Compiler('template', false);
  patchCompiler(c);
  c.compile(transformerModule.transform(ast, [], 'template'), undefined as unknown as NjFrame);
  const props = new Function(c.getCode())() as Record<string, RootRenderFunc> & { root: RootRenderFunc };
  const blocks = Object.fromEntries(Object.entries(props).filter(([k]) => k.startsWith('b_')).map(([k, f]) => [k.slice(2), f]));
  return { root: props.root, blocks, native };
}

function syntaxError(source: string, e: unknown, kind: string): TemplateError {
  const err = e as { message?: unknown; lineno?: unknown };
  const msg = String(err.message ?? e).replace(/^[\s\S]*?\]\s*/, '').trim();
  const line = typeof err.lineno === 'number' && source.includes('\n') ? err.lineno : undefined;
  return new TemplateError(source, `syntax error: ${msg}`, line, kind);
}

/**
 * Source fixes for nunjucks' lexer, applied to code only (never to text or string literals):
 * `a.0.b` becomes `a[0].b`, and `}}` closing a nested dict literal inside `{{ ... }}` becomes
 * `} }` (Jinja balances braces; nunjucks would end the tag there).
 */
export function fixSource(src: string): string {
  const numeric = /[\w\])]\.\d|\bis\s+(?:not\s+)?in\b/.test(src);
  const nested = src.includes('}}') && src.split('}}').length > src.split('{{').length;
  const sliced = /\[[^\]]*:/.test(src);
  const testArg = /\bis\s+(not\s+)?\w+\s+[\w'"-]/.test(src);
  if (!numeric && !nested && !sliced && !testArg) return src;
  let out = '';
  let i = 0;
  while (i < src.length) {
    const j = src.indexOf('{', i);
    if (j < 0) return out + src.slice(i);
    out += src.slice(i, j);
    const two = src.slice(j, j + 2);
    const raw = /^\{%-?\s*raw\s*-?%\}/.exec(src.slice(j, j + 20));
    if (two === '{#' || raw) {
      const closer = raw ? /\{%-?\s*endraw\s*-?%\}/g : /#\}/g;
      closer.lastIndex = j + 2;
      const m = closer.exec(src);
      const end = m ? m.index + m[0].length : src.length;
      out += src.slice(j, end);
      i = end;
    } else if (two === '{{' || two === '{%') {
      const close = two === '{{' ? '}}' : '%}';
      const end = scanCode(src, j + 2, close);
      out += two + fixCode(src.slice(j + 2, end)) + src.slice(end, end + 2);
      i = end + 2;
    } else {
      out += '{';
      i = j + 1;
    }
  }
  return out;
}

/** Index of `close` ending a code region, skipping strings and bracketed expressions. */
function scanCode(src: string, from: number, close: string): number {
  let depth = 0;
  let quote = '';
  for (let k = from; k < src.length; k++) {
    const c = src[k]!;
    if (quote) {
      if (c === '\\') k++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (depth === 0 && src.startsWith(close, k)) return k;
    else if (c === '{' || c === '[' || c === '(') depth++;
    else if ((c === '}' || c === ']' || c === ')') && depth > 0) depth--;
  }
  return src.length;
}

function fixCode(code: string): string {
  const fixed = code
    .split(/('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")/)
    .map((part, i) => (i % 2 === 1 ? part : bracketDigits(part).replace(/\}\}/g, '} }').replace(/\bis(\s+not)?\s+in\b/g, '$1 in')))
    .join('');
  return slices(testArgs(fixed));
}

const STR = `'(?:[^'\\\\]|\\\\.)*'|"(?:[^"\\\\]|\\\\.)*"`;
const TEST_ARG = new RegExp(`(${STR})|\\bis(\\s+not)?\\s+(?!not\\b)([A-Za-z_]\\w*)\\s+(?!(?:and|or|not|else|if|in|is)\\b)(${STR}|-?\\d+(?:\\.\\d+)?|[A-Za-z_][\\w.]*)`, 'g');

/** Jinja's `x is divisibleby 3` / `x is sameas true` (a test with one argument, no parentheses). */
function testArgs(code: string): string {
  if (!/\bis\s/.test(code)) return code;
  return code.replace(TEST_ARG, (m, str: string | undefined, not: string | undefined, name: string, arg: string) => (str ? m : `is${not ?? ''} ${name}(${arg})`));
}

/**
 * Python slices in subscripts, `s[2:]`, `l[-1:]`, `l[::2]`, become a one-element lookup
 * `x[[start, stop, step, "__orc_slice__"]]` that the runtime's member lookup slices by.
 */
export function slices(code: string): string {
  if (!code.includes(':') || !code.includes('[')) return code;
  type Frame = { open: number; subscript: boolean; colons: number[]; depth: number };
  const stack: Frame[] = [];
  const edits: { from: number; to: number; text: string }[] = [];
  let quote = '';
  let prev = '';
  for (let k = 0; k < code.length; k++) {
    const c = code[k]!;
    if (quote) {
      if (c === '\\') k++;
      else if (c === quote) {
        quote = '';
        prev = c;
      }
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '[') stack.push({ open: k, subscript: /[\w)\]'"]/.test(prev), colons: [], depth: 0 });
    else if (c === '(' || c === '{') {
      if (stack.length > 0) stack.at(-1)!.depth++;
    } else if (c === ')' || c === '}') {
      if (stack.length > 0 && stack.at(-1)!.depth > 0) stack.at(-1)!.depth--;
    } else if (c === ':' && stack.length > 0 && stack.at(-1)!.depth === 0) stack.at(-1)!.colons.push(k);
    else if (c === ']') {
      const f = stack.pop();
      if (f && f.subscript && f.colons.length > 0 && f.colons.length <= 2) {
        const bounds = [f.open + 1, ...f.colons.map((x) => x + 1)];
        const ends = [...f.colons, k];
        const parts = bounds.map((b, i) => code.slice(b, ends[i]).trim() || 'none');
        while (parts.length < 3) parts.push('none');
        edits.push({ from: f.open, to: k + 1, text: `[[${parts.join(', ')}, "__orc_slice__"]]` });
      }
    }
    if (!/\s/.test(c)) prev = c;
  }
  if (edits.length === 0) return code;
  // inner edits come first (they close first); apply outermost-last by position, skipping nested ones
  let out = code;
  for (const e of edits.sort((a, b) => b.from - a.from)) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}

function bracketDigits(code: string): string {
  const re = /((?:^|[^\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*|[\])])\.(\d+)(?!\w)/g;
  let prev = '';
  let cur = code;
  while (prev !== cur) {
    prev = cur;
    cur = cur.replace(re, '$1[$2]');
  }
  return cur;
}

function markNative(ast: NjNode): boolean {
  const kids = ast.children ?? [];
  if (kids.length !== 1 || kids[0]!.typename !== 'Output') return false;
  const out = kids[0]!.children ?? [];
  if (out.length !== 1 || out[0]!.typename === 'TemplateData') return false;
  const expr = out[0]!;
  out[0] = filterNode('__capture', expr);
  return true;
}

function filterNode(name: string, target: NjNode): NjNode {
  const sym = new (node('Symbol'))(target.lineno, target.colno, name);
  const args = new (node('NodeList'))(target.lineno, target.colno, [target]);
  return new (node('Filter'))(target.lineno, target.colno, sym, args);
}

function markSoft(n: unknown): void {
  const x = n as NjNode | undefined;
  if (!x) return;
  if (x.typename === 'Symbol') x['orcSoft'] = true;
  else if (x.typename === 'LookupVal') {
    x['orcSoft'] = true;
    markSoft(x['target']);
  }
}

function calleeName(n: unknown): string | undefined {
  const x = n as NjNode | undefined;
  if (!x) return undefined;
  const name = x['name'] as NjNode | undefined;
  return String(name ? name['value'] : x['value']);
}

/** Rewrites the AST in place before code generation. */
function adjust(n: NjNode): void {
  switch (n.typename) {
    case 'Filter':
      if (SOFT_FILTERS.has(calleeName(n) ?? '')) markSoft((n['args'] as NjNode).children?.[0]);
      break;
    case 'Is':
      if (SOFT_TESTS.has(calleeName(n['right']) ?? '')) markSoft(n['left']);
      break;
    case 'If':
      n['cond'] = notNode(notNode(n['cond'] as NjNode));
      break;
    case 'For':
      if ((n['name'] as NjNode).typename === 'Symbol') n['arr'] = filterNode('__iter', n['arr'] as NjNode);
      break;
  }
  const fields = (n as unknown as { fields: string[] }).fields;
  for (const f of fields) {
    const v = n[f];
    if (Array.isArray(v)) for (const c of v) adjustMaybe(c);
    else adjustMaybe(v);
  }
}

function adjustMaybe(v: unknown): void {
  if (v && typeof v === 'object' && typeof (v as NjNode).typename === 'string') adjust(v as NjNode);
}

function notNode(target: NjNode): NjNode {
  return new (node('Not'))(target.lineno, target.colno, target);
}

type Emit = (node: NjNode, frame: NjFrame) => void;

function patchCompiler(c: NjCompiler): void {
  const ex = (n: unknown, f: NjFrame): void => c._compileExpression(n, f);
  const methods: Record<string, Emit> = {
    compileSymbol(n, f) {
      const name = String(n['value']);
      const local = f.lookup(name);
      if (local) return c._emit(String(local));
      c._emit(`runtime.${n['orcSoft'] ? 'contextOrFrameLookup' : 'orcSym'}(context, frame, ${JSON.stringify(name)})`);
    },
    compileLookupVal(n, f) {
      c._emit(`runtime.${n['orcSoft'] ? 'orcMemberSoft' : 'orcMember'}((`);
      ex(n['target'], f);
      c._emit('),');
      ex(n['val'], f);
      c._emit(')');
    },
    compileNot(n, f) {
      c._emit('!runtime.orcTruthy(');
      ex(n['target'], f);
      c._emit(')');
    },
    compileOr: (n, f) => shortCircuit(c, n, f, 'orc_v', '(B)'),
    compileAnd: (n, f) => shortCircuit(c, n, f, '(B)', 'orc_v'),
    compileInlineIf(n, f) {
      c._emit('(runtime.orcTruthy(');
      ex(n['cond'], f);
      c._emit(')?(');
      ex(n['body'], f);
      c._emit('):(');
      if (n['else_']) ex(n['else_'], f);
      else c._emit('""');
      c._emit('))');
    },
    compileCompare(n, f) {
      const ops = n['ops'] as NjNode[];
      c._emit('runtime.orcCompare([');
      ex(n['expr'], f);
      for (const op of ops) {
        c._emit(',');
        ex(op['expr'], f);
      }
      c._emit(`],${JSON.stringify(ops.map((o) => String(o['type'])))})`);
    },
    compileConcat: (n, f) => binary(c, n, f, 'orcConcat'),
    compileAdd: (n, f) => binary(c, n, f, 'orcAdd'),
    compileMul: (n, f) => binary(c, n, f, 'orcMul'),
    compileIn: (n, f) => binary(c, n, f, 'orcIn'),
    compileIs(n, f) {
      const right = n['right'] as NjNode;
      c._emit(`env.getTest(${JSON.stringify(calleeName(right))}).call(context, `);
      ex(n['left'], f);
      const args = right['args'] as NjNode | undefined;
      if (args && (args.children ?? []).length > 0) c._compileAggregate(args, f, ',', '');
      c._emit(') === true');
    },
    compileGroup(n, f) {
      const many = (n.children ?? []).length > 1;
      c._compileAggregate(n, f, many ? '[' : '(', many ? ']' : ')');
    },
  };
  for (const stmt of ['compileOutput', 'compileIf', 'compileFor', 'compileSet']) {
    const orig = (c[stmt] as Emit).bind(c);
    methods[stmt] = (n, f) => {
      c._emit(`lineno = ${n.lineno};\n`);
      orig(n, f);
    };
  }
  Object.assign(c, methods);
}

function binary(c: NjCompiler, n: NjNode, f: NjFrame, fn: string): void {
  c._emit(`runtime.${fn}(`);
  c._compileExpression(n['left'], f);
  c._emit(',');
  c._compileExpression(n['right'], f);
  c._emit(')');
}

/** `a or b` / `a and b` returning an operand, as Python does. */
function shortCircuit(c: NjCompiler, n: NjNode, f: NjFrame, whenTrue: string, whenFalse: string): void {
  c._emit('(function(orc_v){return runtime.orcTruthy(orc_v)?');
  if (whenTrue === '(B)') {
    c._emit('(');
    c._compileExpression(n['right'], f);
    c._emit(`):${whenFalse};})(`);
  } else {
    c._emit(`${whenTrue}:(`);
    c._compileExpression(n['right'], f);
    c._emit(');})(');
  }
  c._compileExpression(n['left'], f);
  c._emit(')');
}
