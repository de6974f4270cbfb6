/** Deterministic HCL writer: the same value always gives the same bytes. */

/** Text written verbatim as an expression, e.g. `hclRaw('0700')`. */
export class HclRaw {
  constructor(readonly text: string) {}
}

/** A block with labels: `{ path: hclLabeled(['secret/x'], {...}) }` → `path "secret/x" { ... }`. */
export class HclLabeled {
  constructor(
    readonly labels: string[],
    readonly body: Record<string, unknown>,
  ) {}
}

export const hclRaw = (text: string): HclRaw => new HclRaw(text);
/** A file mode written as octal, the way Nomad and consul-template configs spell it: `0700`. */
export const hclOctal = (mode: number): HclRaw => new HclRaw('0' + mode.toString(8).padStart(3, '0'));
export const hclLabeled = (labels: string[], body: Record<string, unknown>): HclLabeled => new HclLabeled(labels, body);

export interface FormatOptions {
  /** Lines written as `#` comments at the top. */
  header?: string[];
  /** Indent unit; default two spaces. */
  indent?: string;
}

type Entry = { kind: 'attr'; key: string; text: string } | { kind: 'block'; lines: string[] };

/**
 * Writes a plain object as HCL. Objects become blocks, arrays of objects repeated blocks,
 * other arrays lists; keys keep their insertion order; `undefined` values are skipped;
 * consecutive attributes have their `=` aligned.
 */
export function formatHcl(value: Record<string, unknown>, opts: FormatOptions = {}): string {
  const indent = opts.indent ?? '  ';
  const head = (opts.header ?? []).map((l) => (l ? `# ${l}` : '#'));
  const body = bodyLines(value, indent, []);
  return [...head, ...(head.length && body.length ? [''] : []), ...body].join('\n') + '\n';
}

function bodyLines(value: Record<string, unknown>, indent: string, path: string[]): string[] {
  const entries: Entry[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const where = [...path, key];
    if (v instanceof HclLabeled) entries.push({ kind: 'block', lines: blockLines(key, v.labels, v.body, indent, where) });
    else if (isPlainObject(v)) entries.push({ kind: 'block', lines: blockLines(key, [], v, indent, where) });
    else if (Array.isArray(v) && v.length > 0 && v.every((x) => isPlainObject(x) || x instanceof HclLabeled)) {
      v.forEach((item: unknown, i) => {
        const at = [...where, String(i)];
        if (item instanceof HclLabeled) entries.push({ kind: 'block', lines: blockLines(key, item.labels, item.body, indent, at) });
        else if (isPlainObject(item)) entries.push({ kind: 'block', lines: blockLines(key, [], item, indent, at) });
      });
    } else entries.push({ kind: 'attr', key: formatKey(key), text: exprText(v, where) });
  }
  return layout(entries);
}

function layout(entries: Entry[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < entries.length) {
    const e = entries[i] as Entry;
    if (out.length) out.push('');
    if (e.kind === 'block') {
      out.push(...e.lines);
      i++;
      continue;
    }
    const run: Array<{ key: string; text: string }> = [];
    while (i < entries.length && entries[i]?.kind === 'attr') run.push(entries[i++] as { key: string; text: string });
    const width = Math.max(...run.map((r) => r.key.length));
    for (const r of run) out.push(`${r.key.padEnd(width)} = ${r.text}`);
  }
  return out;
}

function blockLines(key: string, labels: string[], body: Record<string, unknown>, indent: string, path: string[]): string[] {
  const head = [formatKey(key), ...labels.map(quote)].join(' ');
  const inner = bodyLines(body, indent, path);
  if (inner.length === 0) return [`${head} {}`];
  return [`${head} {`, ...inner.map((l) => (l ? indent + l : l)), '}'];
}

function exprText(v: unknown, path: string[]): string {
  if (v instanceof HclRaw) return v.text;
  if (v === null) return 'null';
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`formatHcl: ${path.join('.')}: ${v} is not a finite number`);
    return String(v);
  }
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map((x, i) => exprText(x, [...path, String(i)])).join(', ')}]`;
  if (isPlainObject(v)) {
    const parts = Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${formatKey(k)} = ${exprText(x, [...path, k])}`);
    return parts.length ? `{ ${parts.join(', ')} }` : '{}';
  }
  throw new Error(`formatHcl: ${path.join('.')}: cannot write a value of type ${typeof v}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function formatKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) && !['true', 'false', 'null'].includes(key) ? key : quote(key);
}

/** Quotes a string with HCL escapes; `${...}` sequences are left as they are. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}
