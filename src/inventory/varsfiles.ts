/** group_vars/ and host_vars/ beside an inventory source or playbook (Ansible's host_group_vars plugin). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Vars } from './data.js';
import { InventoryError, isMapping, lineColumn, problemAt } from './errors.js';
import { loadInventoryYaml } from './yamlinv.js';

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

function listDir(dir: string): Set<string> | null {
  try {
    return new Set(readdirSync(dir));
  } catch {
    return null;
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Files for NAME under dir: NAME, NAME.yml, NAME.yaml, NAME.json (first found) or NAME/ (recursive, sorted). */
function findVarsFiles(dir: string, entries: Set<string>, name: string): string[] {
  for (const ext of EXTENSIONS) {
    if (!entries.has(name + ext)) continue;
    const full = join(dir, name + ext);
    return isDir(full) ? dirVarsFiles(full) : [full];
  }
  return [];
}

function dirVarsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of [...(listDir(dir) ?? [])].sort()) {
    if (entry.startsWith('.') || entry.endsWith('~')) continue;
    const full = join(dir, entry);
    const ext = extname(entry);
    if (isDir(full)) {
      if (!ext) out.push(...dirVarsFiles(full));
    } else if (!ext || EXTENSIONS.includes(ext)) out.push(full);
  }
  return out;
}

/** Load one vars file: JSON first, then YAML (as Ansible's loader); must be a mapping or empty. */
export function loadVarsFile(file: string): Vars {
  const text = readFileSync(file, 'utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = loadInventoryYaml(text, file).value;
  }
  if (data === null || data === undefined) return {};
  if (!isMapping(data)) {
    const at = lineColumn(text, text.length - text.trimStart().length);
    throw new InventoryError([problemAt(file, text, at.line, at.column, 'vars file must contain a mapping of variable names to values')]);
  }
  return data;
}

/** The group_vars/host_vars of one base directory, read on demand and cached. */
export class VarsDir {
  private readonly groupEntries: Set<string> | null;
  private readonly hostEntries: Set<string> | null;
  private readonly cache = new Map<string, Vars>();

  constructor(readonly base: string) {
    this.groupEntries = listDir(join(base, 'group_vars'));
    this.hostEntries = listDir(join(base, 'host_vars'));
  }

  group(name: string): Vars {
    return this.lookup('group_vars', this.groupEntries, name);
  }

  host(name: string): Vars {
    return this.lookup('host_vars', this.hostEntries, name);
  }

  private lookup(sub: string, entries: Set<string> | null, name: string): Vars {
    if (!entries || name.startsWith('/')) return {};
    const key = `${sub}/${name}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const merged: Vars = {};
    for (const file of findVarsFiles(join(this.base, sub), entries, name)) Object.assign(merged, loadVarsFile(file));
    this.cache.set(key, merged);
    return merged;
  }

  /** Names that have vars files here, to validate them all up front. */
  names(sub: 'group_vars' | 'host_vars'): string[] {
    const entries = sub === 'group_vars' ? this.groupEntries : this.hostEntries;
    if (!entries) return [];
    const out = new Set<string>();
    for (const e of entries) {
      if (e.startsWith('.') || e.endsWith('~')) continue;
      const ext = extname(e);
      out.add(EXTENSIONS.includes(ext) && ext ? e.slice(0, -ext.length) : e);
    }
    return [...out];
  }
}
