/** INI inventory parser with Ansible's rules (plugins/inventory/ini.py). */
import { expandHostPattern } from './address.js';
import type { InventoryData } from './data.js';
import { InventoryError, problemAt } from './errors.js';
import { pyLiteral } from './pyliteral.js';
import { ShlexError, shlexSplit } from './shlex.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUPNAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

interface Pending {
  line: number;
  state: 'vars' | 'children';
  parents: string[];
}

class IniError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
  }
}

/** Parse INI text into `inv`. Throws a string problem (file:line:column: message + line) on bad input. */
export function parseIni(inv: InventoryData, file: string, text: string): void {
  const lines = text.split(/\r?\n/);
  const pending = new Map<string, Pending>();
  let group = 'ungrouped';
  let state = 'hosts';
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!;
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    if (!line || line[0] === '#' || line[0] === ';') continue;
    try {
      const m = SECTION.exec(line);
      if (m) {
        group = m[1]!;
        state = m[2] ?? 'hosts';
        enterSection(inv, pending, group, state, n + 1);
        continue;
      }
      if (line.startsWith('[') && line.endsWith(']')) {
        throw new IniError(`invalid section entry: '${line}' (no spaces or other invalid characters allowed in section names)`, 0);
      }
      if (state === 'hosts') parseHostLine(inv, line, group);
      else if (state === 'vars') parseVarLine(inv, line, group);
      else parseChildLine(inv, pending, line, group, n + 1);
    } catch (e) {
      if (e instanceof IniError) throw new InventoryError([problemAt(file, text, n + 1, indent + e.column + 1, e.message)]);
      if (e instanceof Error) throw new InventoryError([problemAt(file, text, n + 1, indent + 1, e.message)]);
      throw e;
    }
  }
  for (const [name, decl] of pending) {
    const msg =
      decl.state === 'vars'
        ? `section [${name}:vars] not valid for undefined group: ${name}`
        : `section [${decl.parents[decl.parents.length - 1]}:children] includes undefined group: ${name}`;
    throw new InventoryError([problemAt(file, text, decl.line, 1, msg)]);
  }
}

function enterSection(inv: InventoryData, pending: Map<string, Pending>, group: string, state: string, line: number): void {
  if (state !== 'hosts' && state !== 'children' && state !== 'vars') {
    throw new IniError(`section [${group}:${state}] has unknown type: ${state} (expected children or vars)`, group.length + 2);
  }
  if (!inv.groups.has(group)) {
    if (state === 'vars' && !pending.has(group)) pending.set(group, { line, state: 'vars', parents: [] });
    inv.addGroup(group);
  }
  const p = pending.get(group);
  if (p && state !== 'vars') {
    if (p.state === 'children') addPendingChildren(inv, pending, group);
    else pending.delete(group);
  }
}

function addPendingChildren(inv: InventoryData, pending: Map<string, Pending>, group: string): void {
  for (const parent of pending.get(group)!.parents) {
    inv.addChild(parent, group);
    const pp = pending.get(parent);
    if (pp && pp.state === 'children') addPendingChildren(inv, pending, parent);
  }
  pending.delete(group);
}

function parseHostLine(inv: InventoryData, line: string, group: string): void {
  let tokens;
  try {
    tokens = shlexSplit(line);
  } catch (e) {
    if (e instanceof ShlexError) throw new IniError(`error parsing host definition '${line}': ${e.message.toLowerCase()}`, e.offset);
    throw e;
  }
  if (tokens.length === 0) return;
  const first = tokens[0]!;
  let expanded;
  try {
    expanded = expandHostPattern(first.value);
  } catch (e) {
    throw new IniError(e instanceof Error ? e.message : String(e), first.start);
  }
  if (first.value.trim().endsWith(':') && expanded.port === undefined) {
    throw new IniError(`invalid host pattern '${first.value}': ending in ':' is not allowed, this character is reserved to provide a port`, first.start);
  }
  if (expanded.names.some((h) => h.trim() === '---')) {
    throw new IniError(`invalid host pattern '---' (this looks like a YAML file)`, first.start);
  }
  const vars: Record<string, unknown> = {};
  for (const t of tokens.slice(1)) {
    const eq = t.value.indexOf('=');
    if (eq < 0) throw new IniError(`expected key=value host variable assignment, got: ${t.value}`, t.start);
    vars[t.value.slice(0, eq)] = pyLiteral(t.value.slice(eq + 1));
  }
  for (const name of expanded.names) {
    const h = inv.addHost(name, group, expanded.port);
    Object.assign(h.vars, vars);
  }
}

function parseVarLine(inv: InventoryData, line: string, group: string): void {
  const eq = line.indexOf('=');
  if (eq < 0) throw new IniError(`expected key=value, got: ${line}`, 0);
  const key = line.slice(0, eq).trim();
  const value = line.slice(eq + 1).trim();
  inv.groups.get(group)!.setVariable(key, pyLiteral(value));
}

function parseChildLine(inv: InventoryData, pending: Map<string, Pending>, line: string, group: string, lineNo: number): void {
  const m = GROUPNAME.exec(line);
  if (!m) throw new IniError(`expected group name, got: ${line}`, 0);
  const child = m[1]!;
  if (inv.groups.has(child)) {
    inv.addChild(group, child);
    return;
  }
  const p = pending.get(child);
  if (p) p.parents.push(group);
  else pending.set(child, { line: lineNo, state: 'children', parents: [group] });
}
