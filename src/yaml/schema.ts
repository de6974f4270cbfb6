/**
 * The YAML schema of playbooks and inventories. Ansible reads YAML 1.1 (PyYAML), so:
 * `yes/no/on/off` are booleans and `0755` is an octal integer (493), as Ansible users expect
 * (`become: yes`, `mode: 0644`). `!unsafe` marks a string that is never templated; `!vault`
 * (ansible-vault inline encryption) is rejected with a clear message.
 */
import * as yaml from 'js-yaml';
import { UnsafeString } from './unsafe.js';

type YamlTypes = Record<'binary' | 'float' | 'null' | 'pairs' | 'set' | 'int' | 'merge' | 'omap', yaml.Type>;

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

const OCTAL11 = /^[-+]?0[0-7]+$/;

function int11(core: yaml.Type): yaml.Type {
  return new yaml.Type('tag:yaml.org,2002:int', {
    kind: 'scalar',
    resolve: (d: unknown) => (typeof d === 'string' && OCTAL11.test(d)) || (core.resolve?.(d) ?? false),
    construct: (d: string) => {
      if (typeof d === 'string' && OCTAL11.test(d)) {
        const n = parseInt(d.replace(/^[-+]/, ''), 8);
        return d.startsWith('-') ? -n : n;
      }
      return core.construct ? core.construct(d) : d;
    },
    predicate: (o: unknown) => typeof o === 'number' && Number.isInteger(o),
    represent: (o: object) => String(o.valueOf()),
  });
}

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
    implicit: [t.null, bool11, int11(t.int), t.float, t.merge],
    explicit: [t.binary, t.omap, t.pairs, t.set, unsafe, vault],
  });
  return schema;
}
