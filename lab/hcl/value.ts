import { HclError, type HclBody, type HclExpr, type HclFile } from './ast.js';

/** A plain JSON-like value produced from HCL. */
export type HclValue = string | number | boolean | null | HclValue[] | { [key: string]: HclValue };
export type HclObjectValue = { [key: string]: HclValue };

/**
 * Converts a parsed file to a plain object. Blocks become nested objects keyed by type then labels
 * (`template {}` → `{ template: {...} }`, `path "a" {}` → `{ path: { a: {...} } }`); a block repeated
 * under the same key becomes an array of objects. Use `asList` to read a key that may repeat.
 */
export function hclToValue(input: HclFile | HclBody, file = '<input>'): HclObjectValue {
  const body = 'kind' in input ? input : input.body;
  const name = 'kind' in input ? file : input.file;
  return bodyValue(body, name);
}

/** Normalises a block key that may hold one object or an array of them. */
export function asList(v: HclValue | undefined): HclValue[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function bodyValue(body: HclBody, file: string): HclObjectValue {
  const out: HclObjectValue = {};
  const fromBlocks = new WeakSet<object>();
  for (const item of body.items) {
    if (item.kind === 'attribute') {
      if (item.key in out) throw new HclError(file, item.pos, `"${item.key}" is set both as a block and an attribute`);
      out[item.key] = exprValue(item.value);
      continue;
    }
    const path = [item.type, ...item.labels];
    let target: HclObjectValue = out;
    for (const key of path.slice(0, -1)) {
      const existing = target[key];
      if (existing === undefined) {
        const next: HclObjectValue = {};
        fromBlocks.add(next);
        target[key] = next;
        target = next;
      } else if (isObject(existing) && fromBlocks.has(existing)) {
        target = existing;
      } else {
        throw new HclError(file, item.pos, `block "${path.join(' ')}" conflicts with an earlier "${key}"`);
      }
    }
    const last = path[path.length - 1] as string;
    const value = bodyValue(item.body, file);
    fromBlocks.add(value);
    const existing = target[last];
    if (existing === undefined) {
      target[last] = value;
    } else if (Array.isArray(existing) && fromBlocks.has(existing)) {
      existing.push(value);
    } else if (isObject(existing) && fromBlocks.has(existing)) {
      const list: HclValue[] = [existing, value];
      fromBlocks.add(list);
      target[last] = list;
    } else {
      throw new HclError(file, item.pos, `block "${path.join(' ')}" conflicts with attribute "${last}"`);
    }
  }
  return out;
}

function isObject(v: HclValue): v is HclObjectValue {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function exprValue(e: HclExpr): HclValue {
  switch (e.kind) {
    case 'string':
    case 'number':
    case 'bool':
      return e.value;
    case 'null':
      return null;
    case 'list':
      return e.items.map(exprValue);
    case 'object': {
      const o: HclObjectValue = {};
      for (const entry of e.entries) o[entry.key] = exprValue(entry.value);
      return o;
    }
  }
}
