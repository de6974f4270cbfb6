/** Ansible-compatible inventory: YAML/INI sources, group_vars/host_vars, variable precedence, host patterns. */
import { resolve } from 'node:path';
import { Host, InventoryData, type Vars } from './data.js';
import type { Problem } from '../yaml/index.js';
import { InventoryError } from './errors.js';
import { graphText, listJson } from './output.js';
import { Selector } from './select.js';
import { parseSource } from './sources.js';
import { mergeHostVars } from './vars.js';
import { VarsDir } from './varsfiles.js';

export { InventoryError } from './errors.js';
export { splitPatterns, orderPatterns, fnmatchRegExp } from './patterns.js';
export { expandHostRange, parseAddress } from './address.js';

export interface InventoryHost {
  name: string;
  /** Inventory variables with Ansible's precedence applied (no magic variables). */
  vars: Record<string, unknown>;
  /** Ansible's group_names: sorted, without `all` (a host only in `ungrouped` has ["ungrouped"]). */
  groups: string[];
}

export class Inventory {
  private readonly playDirs: VarsDir[] = [];
  private readonly varsCache = new Map<Host, Vars>();
  private implicitLocal: Host | undefined;
  private selector: Selector;

  private constructor(
    private readonly data: InventoryData,
    private readonly sourceDirs: VarsDir[],
    private readonly cwd: string,
  ) {
    this.selector = new Selector(data, (n) => this.localhost(n), cwd);
  }

  /** Load and merge sources in order (files, directories or "h1,h2" lists); throws InventoryError. */
  static async load(sources: string[], opts: { cwd?: string } = {}): Promise<Inventory> {
    const cwd = opts.cwd ?? process.cwd();
    const data = new InventoryData();
    const problems: (Problem | string)[] = [];
    const dirs: VarsDir[] = [];
    for (const source of sources) {
      if (!source) continue;
      try {
        const base = parseSource(data, source, cwd);
        if (base !== null) dirs.push(new VarsDir(base));
      } catch (e) {
        if (e instanceof InventoryError) problems.push(...e.problems);
        else problems.push(`${source}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (problems.length === 0) {
      try {
        data.reconcile();
      } catch (e) {
        problems.push(e instanceof Error ? e.message : String(e));
      }
    }
    const inv = new Inventory(data, dirs, cwd);
    if (problems.length === 0) problems.push(...inv.checkVarsFiles(dirs));
    if (problems.length > 0) throw new InventoryError(problems);
    return inv;
  }

  /** An inventory with nothing in it: only the implicit localhost. */
  static empty(): Inventory {
    const data = new InventoryData();
    data.reconcile();
    return new Inventory(data, [], process.cwd());
  }

  /** Warnings met while loading (skipped YAML keys, names used for both a host and a group). */
  get warnings(): string[] {
    return [...this.data.warnings];
  }

  /** Hosts matching a pattern, in Ansible order; limit applied as Ansible's --limit (intersection). */
  select(pattern: string | readonly string[], limit?: string): { hosts: string[]; warnings: string[] } {
    const r = this.selector.select(pattern, limit);
    return { hosts: r.hosts.map((h) => h.name), warnings: r.warnings };
  }

  host(name: string): InventoryHost | undefined {
    const h = this.data.hosts.get(name) ?? this.localhost(name);
    if (!h) return undefined;
    return { name: h.name, vars: this.hostVars(h.name), groups: groupNames(h) };
  }

  hostVars(name: string): Record<string, unknown> {
    const h = this.data.hosts.get(name) ?? this.localhost(name);
    if (!h) return {};
    let v = this.varsCache.get(h);
    if (!v) {
      v = mergeHostVars(h, this.data.groups.get('all')!, this.sourceDirs, this.playDirs);
      this.varsCache.set(h, v);
    }
    return { ...v };
  }

  /** Ansible's per-host magic variables that come from the inventory. */
  magicVars(name: string): Record<string, unknown> {
    const h = this.data.hosts.get(name) ?? this.localhost(name);
    if (!h) return {};
    const file = h.inventoryFile;
    const short = /^[0-9.]+$|:/.test(h.name) ? h.name : h.name.split('.')[0];
    return {
      inventory_hostname: h.name,
      inventory_hostname_short: short,
      group_names: groupNames(h),
      inventory_file: file,
      inventory_dir: file === null ? null : resolve(file, '..'),
    };
  }

  /** group -> host names in inventory order, like the `groups` magic variable. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [name, g] of this.data.groups) out.set(name, g.allHosts().map((h) => h.name));
    return out;
  }

  /** Same JSON shape as `ansible-inventory --list`. */
  toList(): unknown {
    return listJson(this.data, (h) => this.hostVars(h.name));
  }

  /** Same text as `ansible-inventory --graph [group]`. */
  graph(pattern = 'all'): string {
    return graphText(this.data, pattern);
  }

  /**
   * group_by: `host` put in `group` (made when missing), the group made a child of `parents`, as
   * Ansible's strategy _add_group does it. True when the inventory changed.
   */
  addToGroup(host: string, group: string, parents: string[]): boolean {
    const d = this.data;
    if (!d.hosts.has(host)) d.addHost(host);
    const g = d.addGroup(group);
    let changed = false;
    for (const p of parents) {
      if (!d.groups.has(p)) changed = true;
      const pg = d.addGroup(p);
      if (!pg.children.includes(g)) {
        d.addChild(p, group);
        changed = true;
      }
    }
    if (!g.hostNames.has(host)) {
      d.addChild(group, host);
      // the hosts of a batch finish group_by in any order: they join in the inventory's order, as
      // Ansible's strategy (which reads the results in its workers' start order) shows them
      const order = new Map([...d.hosts.keys()].map((h, i) => [h, i]));
      g.hosts.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
      changed = true;
    }
    return this.changed(changed);
  }

  /**
   * add_host: a host made (or its variables updated) in memory and put in `groups`, as Ansible's
   * strategy _add_host does it. True when the inventory changed.
   */
  addHost(name: string, groups: string[], vars: Record<string, unknown>): boolean {
    const d = this.data;
    let changed = false;
    let h = d.hosts.get(name);
    if (!h) {
      h = d.addHost(name, 'all');
      h.inventoryFile = null;
      changed = true;
    }
    const combined = { ...h.vars, ...vars };
    if (JSON.stringify(combined) !== JSON.stringify(h.vars)) {
      h.vars = combined;
      changed = true;
    }
    for (const group of groups) {
      if (!d.groups.has(group)) changed = true;
      const g = d.addGroup(group);
      if (!g.hostNames.has(name)) {
        d.addChild(group, name);
        changed = true;
      }
    }
    return this.changed(changed);
  }

  /** After an in-memory change: Ansible's reconcile_inventory, and no stale cached answer. */
  private changed(changed: boolean): boolean {
    if (!changed) return false;
    this.data.reconcile();
    this.varsCache.clear();
    this.selector = new Selector(this.data, (n) => this.localhost(n), this.cwd);
    return true;
  }

  /** Playbook-adjacent group_vars/host_vars: higher precedence than inventory-adjacent ones. */
  async addVarsDir(dir: string): Promise<void> {
    const vd = new VarsDir(resolve(this.cwd, dir));
    const problems = this.checkVarsFiles([vd]);
    if (problems.length > 0) throw new InventoryError(problems);
    this.playDirs.push(vd);
    this.varsCache.clear();
  }

  private localhost(name: string): Host | undefined {
    if (!['localhost', '127.0.0.1', '::1'].includes(name)) return undefined;
    if (this.data.localhost) return this.data.localhost;
    if (!this.implicitLocal) {
      this.implicitLocal = new Host(name);
      this.implicitLocal.implicit = true;
      this.implicitLocal.vars['ansible_connection'] = 'local';
    }
    return this.implicitLocal;
  }

  /** Parse every vars file up front so that all bad files are reported at load time. */
  private checkVarsFiles(dirs: VarsDir[]): (Problem | string)[] {
    const problems: (Problem | string)[] = [];
    for (const d of dirs) {
      for (const [sub, get] of [
        ['group_vars', (n: string) => d.group(n)],
        ['host_vars', (n: string) => d.host(n)],
      ] as const) {
        for (const name of d.names(sub)) {
          try {
            get(name);
          } catch (e) {
            if (e instanceof InventoryError) problems.push(...e.problems);
            else problems.push(`${d.base}/${sub}/${name}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
      }
    }
    return problems;
  }
}

function groupNames(h: Host): string[] {
  return [...h.groups].map((g) => g.name).filter((n) => n !== 'all').sort();
}
