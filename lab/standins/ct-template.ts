/**
 * The Go text/template subset consul-template's PKI templates use:
 * text, `{{ with secret "path" "k=v" ... }} ... {{ else }} ... {{ end }}`, `{{ with .Data.x }}`,
 * field output `{{ .Data.field }}` / `{{ . }}`, comments, and `{{-` / `-}}` trimming.
 */

export interface SecretRef {
  path: string;
  args: string[];
  /** One Vault call per distinct key, as consul-template does (args order does not matter). */
  key: string;
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'field'; path: string[] }
  | { kind: 'with'; secret?: SecretRef; field?: string[]; body: Node[]; alt: Node[] };

export interface Template {
  nodes: Node[];
  secrets: SecretRef[];
}

export class TemplateError extends Error {}

export function secretKey(path: string, args: string[]): string {
  return args.length ? `vault.write(${path} -> ${[...args].sort().join('&')})` : `vault.read(${path})`;
}

interface Action {
  text: string;
  line: number;
  column: number;
}

function lineCol(src: string, offset: number): { line: number; column: number } {
  const before = src.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Splits the source into text and actions, applying `{{-` and `-}}` whitespace trimming. */
function tokenize(src: string, file: string, left = '{{', right = '}}'): Array<string | Action> {
  const out: Array<string | Action> = [];
  let i = 0;
  let trimNext = false;
  while (i <= src.length) {
    const open = src.indexOf(left, i);
    let text = src.slice(i, open < 0 ? src.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      out.push(text);
      break;
    }
    const close = src.indexOf(right, open + left.length);
    const at = lineCol(src, open);
    if (close < 0) throw new TemplateError(`${file}:${at.line}:${at.column}: unclosed action`);
    let inner = src.slice(open + left.length, close);
    if (/^-\s/.test(inner)) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    trimNext = /\s-$/.test(inner);
    if (trimNext) inner = inner.slice(0, -1);
    out.push(text, { text: inner.trim(), ...at });
    i = close + right.length;
  }
  return out;
}

function words(s: string, where: string): string[] {
  const re = /"((?:[^"\\]|\\.)*)"|`([^`]*)`|(\S+)/g;
  const out: string[] = [];
  for (const m of s.matchAll(re)) {
    if (m[1] !== undefined) out.push(JSON.parse(`"${m[1]}"`) as string);
    else if (m[2] !== undefined) out.push(m[2]);
    else if (m[3] !== undefined) out.push(m[3]);
  }
  if (out.length === 0) throw new TemplateError(`${where}: empty action`);
  return out;
}

function fieldPath(w: string, where: string): string[] {
  if (w === '.') return [];
  if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(w)) throw new TemplateError(`${where}: unsupported expression ${JSON.stringify(w)}`);
  return w.slice(1).split('.');
}

export function parseTemplate(src: string, file: string, delims?: { left?: string; right?: string }): Template {
  const stack: Array<{ node: Extract<Node, { kind: 'with' }>; inElse: boolean; where: string }> = [];
  const root: Node[] = [];
  const secrets = new Map<string, SecretRef>();
  const target = (): Node[] => {
    const top = stack[stack.length - 1];
    return top ? (top.inElse ? top.node.alt : top.node.body) : root;
  };
  for (const tok of tokenize(src, file, delims?.left, delims?.right)) {
    if (typeof tok === 'string') {
      if (tok) target().push({ kind: 'text', text: tok });
      continue;
    }
    const where = `${file}:${tok.line}:${tok.column}`;
    if (tok.text.startsWith('/*') && tok.text.endsWith('*/')) continue;
    if (tok.text.includes('|') || tok.text.includes('$') || tok.text.includes('(')) throw new TemplateError(`${where}: unsupported template action {{ ${tok.text} }} (pipelines, variables and calls are not supported by the lab stand-in)`);
    const [head = '', ...rest] = words(tok.text, where);
    if (head === 'end') {
      if (!stack.pop()) throw new TemplateError(`${where}: unexpected {{ end }}`);
    } else if (head === 'else') {
      const top = stack[stack.length - 1];
      if (!top || top.inElse) throw new TemplateError(`${where}: unexpected {{ else }}`);
      top.inElse = true;
    } else if (head === 'with') {
      const node: Extract<Node, { kind: 'with' }> = { kind: 'with', body: [], alt: [] };
      if (rest[0] === 'secret') {
        const [path, ...args] = rest.slice(1);
        if (!path) throw new TemplateError(`${where}: secret needs a path`);
        for (const a of args) if (!a.includes('=')) throw new TemplateError(`${where}: secret argument ${JSON.stringify(a)} must be key=value`);
        node.secret = { path, args, key: secretKey(path, args) };
        secrets.set(node.secret.key, node.secret);
      } else if (rest.length === 1 && rest[0]) {
        node.field = fieldPath(rest[0], where);
      } else throw new TemplateError(`${where}: unsupported with: {{ ${tok.text} }}`);
      target().push(node);
      stack.push({ node, inElse: false, where });
    } else if (head.startsWith('.') && rest.length === 0) {
      target().push({ kind: 'field', path: fieldPath(head, where) });
    } else {
      throw new TemplateError(`${where}: unsupported template action {{ ${tok.text} }}`);
    }
  }
  const open = stack.pop();
  if (open) throw new TemplateError(`${open.where}: {{ with }} has no matching {{ end }}`);
  return { nodes: root, secrets: [...secrets.values()] };
}

/** A Vault response as templates see it (`.Data`, `.LeaseID`, ...). */
export type Dot = unknown;

function lookup(dot: Dot, path: string[]): unknown {
  let cur: unknown = dot;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Go's fmt.Print of a value, as text/template prints it. */
function goPrint(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => `${k}:${goPrint(x)}`).join(' ')}]`;
  return String(v);
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

/** Renders with secrets looked up by key (undefined = not available → the with-branch is skipped). */
export function renderTemplate(t: Template, secret: (key: string) => Dot | undefined): string {
  const walk = (nodes: Node[], dot: Dot): string =>
    nodes
      .map((n) => {
        if (n.kind === 'text') return n.text;
        if (n.kind === 'field') return goPrint(lookup(dot, n.path));
        const v = n.secret ? secret(n.secret.key) : lookup(dot, n.field ?? []);
        return truthy(v) ? walk(n.body, v) : walk(n.alt, dot);
      })
      .join('');
  return walk(t.nodes, undefined);
}
