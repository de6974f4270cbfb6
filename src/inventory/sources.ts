/** Inventory sources: files (YAML or INI, auto-detected), directories, and "a,b,c" host lists. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseAddress } from './address.js';
import type { InventoryData } from './data.js';
import { InventoryError } from './errors.js';
import { parseIni } from './ini.js';
import { loadInventoryYaml, looksLikeYamlInventory, parseYamlInventory } from './yamlinv.js';

const REJECT_EXTS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.ini', '.cfg', '.retry'];
const IGNORED_ALWAYS = /^\.|^host_vars$|^group_vars$|^vars_plugins$/;
const YAML_EXTS = ['.yml', '.yaml', '.json'];

/** Whether Ansible skips this entry of a directory source (hidden, vars dirs, backup and doc files, .ini/.cfg). */
export function ignoredInDirectory(entry: string): boolean {
  return IGNORED_ALWAYS.test(entry) || REJECT_EXTS.some((ext) => entry.endsWith(ext));
}

/** Parse one source into `inv`. Returns the base directory whose group_vars/host_vars apply, or null. */
export function parseSource(inv: InventoryData, source: string, cwd: string): string | null {
  const path = resolve(cwd, source);
  if (!existsSync(path)) {
    if (source.includes(',')) {
      parseHostList(inv, source);
      return null;
    }
    throw new InventoryError([`${source}: inventory source not found`]);
  }
  if (statSync(path).isDirectory()) {
    parseDirectory(inv, path, cwd);
    return path;
  }
  parseFile(inv, path, source);
  return dirname(path);
}

function parseDirectory(inv: InventoryData, dir: string, cwd: string): void {
  for (const entry of readdirSync(dir).sort()) {
    if (ignoredInDirectory(entry)) continue;
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) parseDirectory(inv, full, cwd);
    else parseFile(inv, full, shownPath(cwd, full));
  }
}

/** Paths in messages are relative to the working directory when they are below it. */
function shownPath(cwd: string, full: string): string {
  const rel = relative(cwd, full);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : full;
}

function parseHostList(inv: InventoryData, list: string): void {
  for (const raw of list.split(',')) {
    const h = raw.trim();
    if (!h) continue;
    const addr = parseAddress(h, false);
    const name = addr ? addr.host : h;
    if (!inv.hosts.has(name)) inv.addHost(name, 'ungrouped', addr?.port);
  }
}

function parseFile(inv: InventoryData, path: string, shown: string): void {
  const text = readFileSync(path, 'utf8');
  const ext = extname(path);
  inv.currentSource = path;
  try {
    if (text.startsWith('#!')) {
      throw new InventoryError([`${shown}:1:1: executable inventory scripts are not supported; use a static YAML or INI inventory`]);
    }
    if (ext === '.toml') throw new InventoryError([`${shown}: TOML inventories are not supported; use YAML or INI`]);
    if (YAML_EXTS.includes(ext)) {
      parseYamlInventory(inv, loadInventoryYaml(text, shown));
      return;
    }
    if (ext === '' && parseYamlIfInventory(inv, text, shown)) return;
    parseIni(inv, shown, text);
  } finally {
    inv.currentSource = null;
  }
}

/** Extension-less files: YAML when they parse as a mapping of groups, else INI (Ansible tries yaml, then ini). */
function parseYamlIfInventory(inv: InventoryData, text: string, shown: string): boolean {
  let doc;
  try {
    doc = loadInventoryYaml(text, shown);
  } catch {
    return false;
  }
  if (doc.value === null || doc.value === undefined || !looksLikeYamlInventory(doc.value)) return false;
  parseYamlInventory(inv, doc);
  return true;
}
