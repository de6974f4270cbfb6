/**
 * The one YAML schema of playbooks, inventories and vars files. Ansible reads YAML 1.1 (PyYAML), so:
 * `yes/no/on/off` are booleans and `0755` is an octal integer (493), as Ansible users expect
 * (`become: yes`, `mode: 0644`). `!unsafe` marks a string that is never templated; `!vault`
 * (ansible-vault inline encryption) is rejected with a clear message.
 */
import * as yaml from 'js-yaml';
import { UnsafeString } from './unsafe.js';

type YamlTypes = Record<'binary' | 'null' | 'pairs' | 'set' | 'merge' | 'omap', yaml.Type>;

function builtinTypes(): YamlTypes {
  const t: unknown = (yaml as unknown as { types?: unknown }).types;
  if (!t || typeof t !== 'object') throw new Error('js-yaml does not export its types');
  return t as YamlTypes;
}

/** Marker produced by `!vault`; the loader turns it into an error at the node's position. */
export class VaultTagged {
  constructor(readonly ciphertext: string) {}
}

const BOOL_TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const BOOL_FALSE = new Set(['false', 'False', 'FALSE', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);

const bool11 = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (d: unknown) => typeof d === 'string' && (BOOL_TRUE.has(d) || BOOL_FALSE.has(d)),
  construct: (d: string) => BOOL_TRUE.has(d),
  predicate: (o: unknown) => typeof o === 'boolean',
  represent: (o: object) => (o.valueOf() ? 'true' : 'false'),
});

// PyYAML's resolvers (yaml/resolver.py), which Ansible's loader keeps: YAML 1.1 integers (0b,
// 0x, leading-zero octal, sexagesimal 1:30, "_" separators) and floats (a dot is required;
// an exponent needs its sign: `1e3` and `1.5e3` stay strings, as in Ansible).
const INT11 = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT11 = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

function sexagesimal(body: string): number {
  return body.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

const int11 = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (d: unknown) => typeof d === 'string' && INT11.test(d),
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
  represent: (o: object) => String(o.valueOf()),
});

const float11 = new yaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (d: unknown) => typeof d === 'string' && FLOAT11.test(d),
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
  predicate: (o: unknown) => typeof o === 'number' && !Number.isInteger(o),
  represent: (o: object) => String(o.valueOf()),
});

const unsafe = new yaml.Type('!unsafe', {
  kind: 'scalar',
  resolve: () => true,
  construct: (d: unknown) => new UnsafeString(d === null || d === undefined ? '' : String(d)),
  instanceOf: UnsafeString,
});

const vault = new yaml.Type('!vault', {
  kind: 'scalar',
  resolve: () => true,
  construct: (d: unknown) => new VaultTagged(String(d ?? '')),
  instanceOf: VaultTagged,
});

let schema: yaml.Schema | undefined;

export function ansibleSchema(): yaml.Schema {
  if (schema) return schema;
  const t = builtinTypes();
  schema = yaml.FAILSAFE_SCHEMA.extend({
    implicit: [t.null, bool11, int11, float11, t.merge],
    explicit: [t.binary, t.omap, t.pairs, t.set, unsafe, vault],
  });
  return schema;
}
