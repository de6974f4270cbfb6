/**
 * YAML loading as Ansible does it (YAML 1.1 scalars: yes/no/on/off booleans, 0755 octal, no timestamps),
 * with the position of every mapping and sequence kept for error messages.
 */
import yaml from 'js-yaml';
import { InventoryError, lineColumn, problemAt } from './errors.js';

const BOOL_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const BOOL_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const INT11 = /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*(?::[0-5]?[0-9])*)$/;
const FLOAT11 = /^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

const bool11 = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (d: unknown) => typeof d === 'string' && (BOOL_TRUE.test(d) || BOOL_FALSE.test(d)),
  construct: (d: string) => BOOL_TRUE.test(d),
  predicate: (o: unknown) => typeof o === 'boolean',
});

function sexagesimal(body: string): number {
  return body.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

const int11 = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (d: unknown) => typeof d === 'string' && INT11.test(d) && /[0-9]/.test(d),
  construct: (d: string) => {
    const sign = d.startsWith('-') ? -1 : 1;
    const body = d.replace(/^[-+]/, '').replace(/_/g, '');
    if (body.startsWith('0b')) return sign * parseInt(body.slice(2), 2);
    if (body.startsWith('0x')) return sign * parseInt(body.slice(2), 16);
    if (body.includes(':')) return sign * sexagesimal(body);
    if (body.length > 1 && body.startsWith('0')) return sign * parseInt(body, 8);
    return sign * Number(body);
  },
  predicate: (o: unknown) => typeof o === 'number' && Number.isInteger(o),
});

const float11 = new yaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (d: unknown) => typeof d === 'string' && FLOAT11.test(d) && d !== '.' && /[0-9.]/.test(d),
  construct: (d: string) => {
    const lower = d.toLowerCase().replace(/_/g, '');
    if (lower.endsWith('.inf')) return lower.startsWith('-') ? -Infinity : Infinity;
    if (lower === '.nan') return NaN;
    if (lower.includes(':')) {
      const sign = lower.startsWith('-') ? -1 : 1;
      return sign * sexagesimal(lower.replace(/^[-+]/, ''));
    }
    return Number(lower);
  },
  predicate: (o: unknown) => typeof o === 'number',
});

/** js-yaml ships its type objects at runtime; its typings do not declare them. */
const builtin = (yaml as unknown as { types: Record<'null' | 'merge' | 'set' | 'omap' | 'pairs', yaml.Type> }).types;

export const ANSIBLE_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [builtin.null, bool11, int11, float11, builtin.merge],
  explicit: [builtin.set, builtin.omap, builtin.pairs],
});

export interface LoadedYaml {
  data: unknown;
  text: string;
  file: string;
  /** 1-based position of a mapping or sequence that came from this file. */
  where(node: unknown): { line: number; column: number } | undefined;
}

/** Parse YAML text; syntax errors become InventoryError with file:line:column and the line shown. */
export function loadYaml(text: string, file: string): LoadedYaml {
  const opened: number[] = [];
  const positions = new WeakMap<object, number>();
  const listener = (event: string, state: { position: number; result: unknown }): void => {
    if (event === 'open') opened.push(state.position);
    else {
      const at = opened.pop();
      if (typeof state.result === 'object' && state.result !== null && at !== undefined && !positions.has(state.result)) {
        positions.set(state.result, skipBlank(text, at));
      }
    }
  };
  let data: unknown;
  try {
    data = yaml.load(text, { filename: file, schema: ANSIBLE_SCHEMA, json: true, listener });
  } catch (e) {
    throw yamlError(e, file, text);
  }
  const where = (node: unknown) => {
    if (typeof node !== 'object' || node === null) return undefined;
    const off = positions.get(node);
    return off === undefined ? undefined : lineColumn(text, off);
  };
  return { data, text, file, where };
}

function skipBlank(text: string, at: number): number {
  let i = at;
  for (;;) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ':' || c === '-') i++;
    else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
    else return i;
  }
}

export function yamlError(e: unknown, file: string, text: string): InventoryError {
  if (e instanceof yaml.YAMLException) {
    const mark = (e as { mark?: { line: number; column: number } }).mark;
    const reason = e.reason || e.message;
    if (mark) return new InventoryError([problemAt(file, text, mark.line + 1, mark.column + 1, `yaml syntax error: ${reason}`)]);
    return new InventoryError([`${file}: yaml syntax error: ${reason}`]);
  }
  return new InventoryError([`${file}: ${e instanceof Error ? e.message : String(e)}`]);
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
