/** Inventory data: hosts, groups and their relations, with Ansible's rules (inventory/data.py, group.py). */
export type Vars = Record<string, unknown>;

export const LOCALHOST_NAMES: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1']);

export class Host {
  vars: Vars = {};
  /** Groups this host belongs to, directly or through ancestors (Ansible's host.groups). */
  readonly groups = new Set<Group>();
  implicit = false;
  inventoryFile: string | null = null;
  constructor(readonly name: string) {}
}

export class Group {
  vars: Vars = {};
  depth = 0;
  priority = 1;
  readonly hosts: Host[] = [];
  readonly hostNames = new Set<string>();
  readonly children: Group[] = [];
  readonly parents: Group[] = [];
  cache: Host[] | null = null;
  constructor(readonly name: string) {}

  ancestors(): Set<Group> {
    const seen = new Set<Group>();
    const stack = [...this.parents];
    while (stack.length > 0) {
      const g = stack.pop()!;
      if (seen.has(g)) continue;
      seen.add(g);
      stack.push(...g.parents);
    }
    return seen;
  }

  /** Self, then descendants breadth-first (Ansible's get_descendants(preserve_ordering=True)). */
  descendants(): Group[] {
    const ordered: Group[] = [this];
    const seen = new Set<Group>([this]);
    let level: Group[] = [this];
    while (level.length > 0) {
      const next: Group[] = [];
      for (const g of level) {
        for (const kid of g.children) {
          if (seen.has(kid)) continue;
          seen.add(kid);
          ordered.push(kid);
          next.push(kid);
        }
      }
      level = next;
    }
    return ordered;
  }

  /** Hosts of this group and its descendants, first occurrence kept; `all` skips implicit hosts. */
  allHosts(): Host[] {
    if (this.cache) return this.cache;
    const out: Host[] = [];
    const seen = new Set<Host>();
    for (const g of this.descendants()) {
      for (const h of g.hosts) {
        if (seen.has(h)) continue;
        seen.add(h);
        if (this.name === 'all' && h.implicit) continue;
        out.push(h);
      }
    }
    this.cache = out;
    return out;
  }

  setVariable(key: string, value: unknown): void {
    if (key === 'ansible_group_priority') {
      const n = Number(value);
      if (!Number.isInteger(n)) throw new Error(`ansible_group_priority must be an integer, got ${JSON.stringify(value)}`);
      this.priority = n;
    } else this.vars[key] = value;
  }
}

export class InventoryData {
  readonly groups = new Map<string, Group>();
  readonly hosts = new Map<string, Host>();
  localhost: Host | null = null;
  currentSource: string | null = null;
  readonly warnings: string[] = [];

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  addGroup(name: string): Group {
    if (!name) throw new Error('invalid empty group name');
    let g = this.groups.get(name);
    if (!g) {
      g = new Group(name);
      this.groups.set(name, g);
    }
    return g;
  }

  addHost(name: string, group?: string, port?: number): Host {
    if (!name) throw new Error('invalid empty host name');
    let g: Group | undefined;
    if (group !== undefined) {
      g = this.groups.get(group);
      if (!g) throw new Error(`could not find group ${group} in inventory`);
    }
    let h = this.hosts.get(name);
    if (!h) {
      h = new Host(name);
      if (port !== undefined) h.vars['ansible_port'] = port;
      h.inventoryFile = this.currentSource;
      this.hosts.set(name, h);
      if (LOCALHOST_NAMES.has(name) && this.localhost === null) this.localhost = h;
    }
    if (g) this.addHostToGroup(g, h);
    return h;
  }

  private addHostToGroup(g: Group, h: Host): void {
    if (g.hostNames.has(h.name)) return;
    g.hosts.push(h);
    g.hostNames.add(h.name);
    for (const a of g.ancestors()) h.groups.add(a);
    h.groups.add(g);
    this.clearCaches(g);
  }

  private clearCaches(g: Group): void {
    g.cache = null;
    for (const a of g.ancestors()) a.cache = null;
  }

  /** Add a group or host `child` to `group`. Throws on unknown names or loops. */
  addChild(group: string, child: string): void {
    const g = this.groups.get(group);
    if (!g) throw new Error(`${group} is not a known group`);
    const cg = this.groups.get(child);
    if (cg) this.addChildGroup(g, cg);
    else {
      const h = this.hosts.get(child);
      if (!h) throw new Error(`${child} is not a known host nor group`);
      this.addHostToGroup(g, h);
    }
  }

  private addChildGroup(parent: Group, child: Group): void {
    if (parent === child) throw new Error(`can't add group ${child.name} to itself`);
    if (parent.children.includes(child)) return;
    const parentAncestors = parent.ancestors();
    if (parentAncestors.has(child)) {
      throw new Error(`adding group '${child.name}' as child to '${parent.name}' creates a recursive dependency loop`);
    }
    parent.children.push(child);
    child.depth = Math.max(parent.depth + 1, child.depth);
    this.updateDepths(child);
    if (!child.parents.some((p) => p.name === parent.name)) {
      child.parents.push(parent);
      const newAncestors = [parent, ...parentAncestors];
      for (const h of child.allHosts()) for (const a of newAncestors) h.groups.add(a);
    }
    this.clearCaches(parent);
  }

  private updateDepths(g: Group): void {
    const stack: Group[] = [g];
    while (stack.length > 0) {
      const cur = stack.pop()!;
      for (const kid of cur.children) {
        if (kid.depth < cur.depth + 1) {
          kid.depth = cur.depth + 1;
          stack.push(kid);
        }
      }
    }
  }

  /** Ansible's reconcile_inventory: every group under `all`, lone hosts in `ungrouped`. */
  reconcile(): void {
    const all = this.groups.get('all')!;
    const ungrouped = this.groups.get('ungrouped')!;
    for (const g of this.groups.values()) {
      if (g !== all && g.parents.length === 0) this.addChildGroup(all, g);
    }
    for (const h of this.hosts.values()) {
      if (h.groups.has(ungrouped)) {
        const others = [...h.groups].some((g) => g !== all && g !== ungrouped);
        if (others) this.removeFromGroup(ungrouped, h);
      } else if (!h.implicit) {
        const n = h.groups.size;
        if (n === 0 || (n === 1 && h.groups.has(all))) this.addHostToGroup(ungrouped, h);
      }
    }
    for (const name of this.groups.keys()) {
      if (this.hosts.has(name)) this.warnings.push(`Found both group and host with same name: ${name}`);
    }
  }

  private removeFromGroup(g: Group, h: Host): void {
    const i = g.hosts.indexOf(h);
    if (i >= 0) g.hosts.splice(i, 1);
    g.hostNames.delete(h.name);
    h.groups.delete(g);
    this.clearCaches(g);
  }
}
