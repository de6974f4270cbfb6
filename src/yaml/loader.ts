/**
 * YAML loading that keeps positions: every parsed mapping and sequence can be traced back to
 * `file:line:column`, and so can each of its keys (or array indexes) and their values.
 * Positions come from js-yaml's `listener` (open/close events around every node).
 */
import { readFile } from 'node:fs/promises';
import * as yaml from 'js-yaml';
import { LineIndex, type Position } from './position.js';
import { ansibleSchema, VaultTagged } from './schema.js';
import { UnsafeString } from './unsafe.js';

export interface YamlDoc {
  file: string;
  value: unknown;
  text: string;
  /** Where a mapping/sequence starts, or where its key (or array item) appears. */
  pos(node: object, key?: string | number): Position | undefined;
  /** Where the value of a mapping key (or array item) starts. */
  valuePos(node: object, key: string | number): Position | undefined;
}

/** A YAML problem with the place it happened. */
export class YamlError extends Error {
  constructor(
    readonly reason: string,
    readonly pos: Position | undefined,
    readonly sourceText?: string,
  ) {
    super(pos ? `${pos.file}:${pos.line}:${pos.column}: ${reason}` : reason);
    this.name = 'YamlError';
  }
}

interface NodeInfo {
  start: number;
  keys: Map<string, number>;
  values: Map<string, number>;
}

interface Entry {
  start: number;
  key: string | undefined;
}

interface Frame {
  start: number;
  entries: Entry[];
}

export async function loadYamlFile(path: string): Promise<YamlDoc> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new YamlError(code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path}: ${String(e)}`, undefined);
  }
  return parseYaml(text, path);
}

export function parseYaml(input: string, file: string): YamlDoc {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const index = new LineIndex(text);
  const at = (offset: number): Position => ({ file, ...index.locate(offset) });
  const infos = new WeakMap<object, NodeInfo>();
  const topStarts: number[] = [];
  const stack: Frame[] = [];

  const listener = (event: yaml.EventType, state: yaml.State): void => {
    if (event === 'open') {
      if (stack.length === 0) topStarts.push(state.position);
      stack.push({ start: state.position, entries: [] });
      return;
    }
    const frame = stack.pop();
    if (!frame) return;
    const result: unknown = state.result;
    const start = skipBlank(text, frame.start);
    if (result instanceof VaultTagged) {
      const tagAt = skipBlank(text, frame.start, false);
      throw new YamlError('"!vault" encrypted values are not supported: store the secret in Vault and read it with a vault task, or pass it with --extra-vars from a file', at(tagAt), text);
    }
    if (result !== null && typeof result === 'object' && !(result instanceof UnsafeString) && !infos.has(result)) {
      infos.set(result, describe(start, frame.entries, Array.isArray(result)));
    }
    const parent = stack[stack.length - 1];
    if (parent) parent.entries.push({ start, key: keyOf(result, text, state.position) });
  };

  const docs: unknown[] = [];
  try {
    yaml.loadAll(text, (d) => docs.push(d), { filename: file, schema: ansibleSchema(), listener });
  } catch (e) {
    throw toYamlError(e, file, text);
  }
  if (docs.length > 1) {
    const second = topStarts[1];
    throw new YamlError('more than one YAML document in this file ("---" separators); put each document in its own file', second === undefined ? undefined : at(skipBlank(text, second)), text);
  }
  return makeDoc(file, docs[0] ?? null, text, infos, at);
}

function makeDoc(file: string, value: unknown, text: string, infos: WeakMap<object, NodeInfo>, at: (o: number) => Position): YamlDoc {
  const lookup = (node: object, key: string | number, which: 'keys' | 'values'): Position | undefined => {
    const info = infos.get(node);
    if (!info) return undefined;
    const found = info[which].get(String(key)) ?? info.keys.get('<<');
    return found === undefined ? undefined : at(found);
  };
  return {
    file,
    value,
    text,
    pos(node, key) {
      if (key === undefined) {
        const info = infos.get(node);
        return info ? at(info.start) : undefined;
      }
      return lookup(node, key, 'keys');
    },
    valuePos: (node, key) => lookup(node, key, 'values'),
  };
}

function describe(start: number, entries: Entry[], isArray: boolean): NodeInfo {
  const info: NodeInfo = { start, keys: new Map(), values: new Map() };
  if (isArray) {
    entries.forEach((e, i) => {
      info.keys.set(String(i), e.start);
      info.values.set(String(i), e.start);
    });
    return info;
  }
  let pending: string | undefined;
  for (const e of entries) {
    if (e.key !== undefined && pending === undefined) {
      pending = e.key;
      if (!info.keys.has(e.key)) info.keys.set(e.key, e.start);
    } else if (pending !== undefined) {
      if (!info.values.has(pending)) info.values.set(pending, e.start);
      pending = undefined;
    }
  }
  return info;
}

/** A scalar followed by ':' on the same line is a mapping key. */
function keyOf(result: unknown, text: string, end: number): string | undefined {
  if (result !== null && typeof result === 'object') return undefined;
  let i = end;
  while (text[i] === ' ' || text[i] === '\t') i++;
  if (text[i] !== ':') return undefined;
  return result === null || result === undefined ? 'null' : String(result);
}

/** Skip whitespace, line breaks, comments (and anchors/tags) to the first character of a node. */
function skipBlank(text: string, from: number, skipProps = true): number {
  let i = from;
  for (;;) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
    else if (skipProps && (c === '&' || c === '!') && /\S/.test(text[i + 1] ?? '')) {
      while (i < text.length && !/\s/.test(text[i]!)) i++; // an anchor or tag before the node
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
    } else return Math.min(i, text.length);
  }
}

function toYamlError(e: unknown, file: string, text: string): YamlError {
  if (e instanceof YamlError) return e;
  if (e instanceof yaml.YAMLException) {
    const m = e.mark as yaml.Mark | undefined;
    const pos = m ? { file, line: m.line + 1, column: m.column + 1 } : undefined;
    return new YamlError(`YAML syntax error: ${e.reason}`, pos, text);
  }
  return new YamlError(`YAML error: ${e instanceof Error ? e.message : String(e)}`, undefined, text);
}
