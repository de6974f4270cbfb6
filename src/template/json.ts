/** JSON as Python's json.dumps writes it (Ansible's to_json / to_nice_json). */
import { UnsafeString } from '../yaml/unsafe.js';
import { isMapping } from './python.js';

export interface JsonOptions {
  indent: number | undefined;
  sortKeys: boolean;
}

export function pyJson(v: unknown, o: JsonOptions, depth = 0): string {
  if (v instanceof UnsafeString) v = v.value;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const items: string[] = [];
  let open = '[';
  let close = ']';
  if (Array.isArray(v)) {
    for (const x of v) items.push(pyJson(x, o, depth + 1));
  } else if (isMapping(v)) {
    open = '{';
    close = '}';
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    if (o.sortKeys) keys.sort();
    for (const k of keys) items.push(`${pyJson(k, o)}: ${pyJson(v[k], o, depth + 1)}`);
  } else {
    return JSON.stringify(String(v));
  }
  if (items.length === 0) return open + close;
  if (o.indent === undefined) return open + items.join(', ') + close;
  const pad = ' '.repeat(o.indent * (depth + 1));
  return `${open}\n${pad}${items.join(`,\n${pad}`)}\n${' '.repeat(o.indent * depth)}${close}`;
}
