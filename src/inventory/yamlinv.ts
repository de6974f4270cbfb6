/** YAML inventory parser with Ansible's rules (plugins/inventory/yaml.py). */
import { expandHostPattern } from './address.js';
import type { InventoryData } from './data.js';
import { parseYaml, YamlError, type YamlDoc } from '../yaml/index.js';
import { InventoryError, isMapping, problemAt } from './errors.js';

/** Parse YAML text with the playbooks' loader (YAML 1.1 as Ansible); syntax errors become InventoryError. */
export function loadInventoryYaml(text: string, file: string): YamlDoc {
  try {
    return parseYaml(text, file);
  } catch (e) {
    if (e instanceof YamlError) throw new InventoryError([e.pos ? { pos: e.pos, message: e.reason, text } : `${file}: ${e.reason}`]);
    throw new InventoryError([`${file}: ${e instanceof Error ? e.message : String(e)}`]);
  }
}

const SECTIONS = ['vars', 'children', 'hosts'] as const;

class YamlInventory {
  constructor(
    readonly inv: InventoryData,
    readonly doc: YamlDoc,
  ) {}

  fail(node: unknown, message: string): never {
    const at = this.where(node);
    if (!at) throw new InventoryError([`${this.doc.file}: ${message}`]);
    throw new InventoryError([problemAt(this.doc.file, this.doc.text, at.line, at.column, message)]);
  }

  where(node: unknown): { line: number; column: number } | undefined {
    return typeof node === 'object' && node !== null ? this.doc.pos(node) : undefined;
  }

  warn(node: unknown, message: string, key?: string): void {
    const at = key !== undefined && typeof node === 'object' && node !== null ? (this.doc.pos(node, key) ?? this.where(node)) : this.where(node);
    this.inv.warnings.push(at ? `${this.doc.file}:${at.line}:${at.column}: ${message}` : `${this.doc.file}: ${message}`);
  }

  group(name: string, data: unknown, parentNode: unknown): string {
    if (data !== null && !isMapping(data)) {
      this.warn(parentNode, `Skipping '${name}' as this is not a valid group definition`, name);
      return name;
    }
    this.inv.addGroup(name);
    if (data === null) return name;
    for (const section of SECTIONS) {
      const v = data[section];
      if (typeof v === 'string') data[section] = { [v]: null };
      else if (v !== undefined && v !== null && !isMapping(v)) {
        this.fail(Array.isArray(v) ? v : data, `invalid "${section}" entry for "${name}" group: requires a mapping, found ${typeName(v)}`);
      }
    }
    for (const [key, value] of Object.entries(data)) {
      if (value === null) continue;
      if (!isMapping(value)) {
        this.warn(data, `Skipping key (${key}) in group (${name}) as it is not a mapping, it is a ${typeName(value)}`, key);
        continue;
      }
      if (key === 'vars') for (const [k, v] of Object.entries(value)) this.setGroupVar(name, k, v, value);
      else if (key === 'children') {
        for (const [sub, subData] of Object.entries(value)) {
          this.group(sub, subData, value);
          this.relate(name, sub, value);
        }
      } else if (key === 'hosts') for (const [pattern, hv] of Object.entries(value)) this.hosts(name, pattern, hv, value);
      else this.warn(data, `Skipping unexpected key (${key}) in group (${name}), only "vars", "children" and "hosts" are valid`, key);
    }
    return name;
  }

  setGroupVar(group: string, key: string, value: unknown, node: unknown): void {
    try {
      this.inv.groups.get(group)!.setVariable(key, value);
    } catch (e) {
      this.fail(node, `group ${group}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  relate(parent: string, child: string, node: unknown): void {
    try {
      this.inv.addChild(parent, child);
    } catch (e) {
      this.fail(node, e instanceof Error ? e.message : String(e));
    }
  }

  hosts(group: string, pattern: string, hv: unknown, node: unknown): void {
    if (hv !== null && !isMapping(hv)) {
      this.fail(Array.isArray(hv) ? hv : node, `host ${pattern} in group ${group}: expected a mapping of variables, got ${typeName(hv)}`);
    }
    let expanded;
    try {
      expanded = expandHostPattern(pattern);
    } catch (e) {
      this.fail(node, `host ${pattern} in group ${group}: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const name of expanded.names) {
      const h = this.inv.addHost(name, group, expanded.port);
      if (hv) Object.assign(h.vars, hv);
    }
  }
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return `a ${typeof v}`;
}

/** Parse a loaded YAML document as an inventory into `inv`. */
export function parseYamlInventory(inv: InventoryData, doc: YamlDoc): void {
  const data = doc.value;
  if (data === null || data === undefined) return;
  if (!isMapping(data)) {
    throw new InventoryError([`${doc.file}:1:1: yaml inventory has invalid structure: it should be a mapping of groups, got ${typeName(data)}`]);
  }
  if (data['plugin'] !== undefined) {
    throw new InventoryError([`${doc.file}: inventory plugin configuration (plugin: ${String(data['plugin'])}) is not supported; use a static YAML or INI inventory`]);
  }
  const p = new YamlInventory(inv, doc);
  for (const [name, g] of Object.entries(data)) p.group(name, g, data);
}

/** Whether a parsed YAML document has the shape of an inventory (used to auto-detect the format). */
export function looksLikeYamlInventory(data: unknown): boolean {
  if (data === null || data === undefined) return true;
  if (!isMapping(data)) return false;
  return Object.values(data).every((g) => g === null || isMapping(g));
}
