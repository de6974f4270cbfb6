/** YAML inventory parser with Ansible's rules (plugins/inventory/yaml.py). */
import { expandHostPattern } from './address.js';
import type { InventoryData } from './data.js';
import { InventoryError, problemAt } from './errors.js';
import { isMapping, type LoadedYaml } from './yamlfile.js';

const SECTIONS = ['vars', 'children', 'hosts'] as const;

class YamlInventory {
  constructor(
    readonly inv: InventoryData,
    readonly doc: LoadedYaml,
  ) {}

  fail(node: unknown, message: string): never {
    const at = this.doc.where(node);
    if (!at) throw new InventoryError([`${this.doc.file}: ${message}`]);
    throw new InventoryError([problemAt(this.doc.file, this.doc.text, at.line, at.column, message)]);
  }

  warn(node: unknown, message: string): void {
    const at = this.doc.where(node);
    this.inv.warnings.push(at ? `${this.doc.file}:${at.line}:${at.column}: ${message}` : `${this.doc.file}: ${message}`);
  }

  group(name: string, data: unknown, parentNode: unknown): string {
    if (data !== null && !isMapping(data)) {
      this.warn(parentNode, `skipping '${name}' as this is not a valid group definition`);
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
        this.warn(data, `skipping key (${key}) in group (${name}) as it is not a mapping, it is a ${typeName(value)}`);
        continue;
      }
      if (key === 'vars') for (const [k, v] of Object.entries(value)) this.setGroupVar(name, k, v, value);
      else if (key === 'children') {
        for (const [sub, subData] of Object.entries(value)) {
          this.group(sub, subData, value);
          this.relate(name, sub, value);
        }
      } else if (key === 'hosts') for (const [pattern, hv] of Object.entries(value)) this.hosts(name, pattern, hv, value);
      else this.warn(data, `skipping unexpected key (${key}) in group (${name}), only "vars", "children" and "hosts" are valid`);
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
export function parseYamlInventory(inv: InventoryData, doc: LoadedYaml): void {
  const data = doc.data;
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
