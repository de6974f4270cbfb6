/**
 * Variable precedence (low → high), following Ansible for the sources we have:
 * role defaults < inventory group vars < inventory host vars < play vars / vars_files < role vars
 * < block vars < task vars < set_fact / registered < role params < extra vars; magic vars on top.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Inventory } from '../inventory/index.js';
import type { InventoryOp } from '../modules/types.js';
import type { Play, TaskNode, Inherited } from '../playbook/model.js';
import { lazyVars, markRaw } from '../template/index.js';
import { FactStore } from '../facts/store.js';

export const OMIT = '__omit_place_holder__orchestrate__';

export interface VarsOptions {
  inventory: Inventory;
  extraVars: Record<string, unknown>;
  checkMode: boolean;
  diffMode: boolean;
  playbookDir: string;
  tags?: string[];
  skipTags?: string[];
  forks?: number;
  verbosity?: number;
  /** The files given with -i (inventory_file / inventory_dir). */
  inventorySources?: string[];
}

/** The Ansible release whose behaviour this follows (ansible_version). */
export const ANSIBLE_COMPAT = { full: '2.14.0', major: 2, minor: 14, revision: 0, string: '2.14.0' };

export class VarStore {
  /** set_fact and registered results, per host (survive across plays, like Ansible's facts cache). */
  readonly facts = new Map<string, Record<string, unknown>>();
  /** The fact cache (setup, set_fact cacheable) and include_vars values, per host. */
  readonly factStore = new FactStore();
  private play: Play | undefined;
  private playVars: Record<string, unknown> = {};
  private roleDefaults: Record<string, unknown> = {};
  private roleVars: Record<string, unknown> = {};
  private playHosts: string[] = [];
  private batchHosts: string[] = [];
  private activeHosts: string[] = [];
  private activeBatch: string[] = [];
  private readonly failedHosts = new Set<string>();
  private groupsCache: Record<string, string[]> | undefined;
  readonly hostvars: Record<string, unknown>;

  constructor(private readonly opts: VarsOptions) {
    const self = this;
    this.hostvars = markRaw(new Proxy({} as Record<string, unknown>, {
      get(_t, name) {
        return typeof name === 'string' ? self.hostView(name) : undefined;
      },
      has(_t, name) {
        return typeof name === 'string' && (self.opts.inventory.host(name) !== undefined || self.facts.has(name) || self.factStore.has(name));
      },
      ownKeys() {
        return [...self.opts.inventory.groups().get('all') ?? []];
      },
      getOwnPropertyDescriptor(_t, name) {
        return typeof name === 'string' ? { enumerable: true, configurable: true, value: self.hostView(name) } : undefined;
      },
    }));
  }

  startPlay(play: Play, loadedVarsFiles: Record<string, unknown>, hosts: string[]): void {
    this.play = play;
    this.playVars = { ...play.vars, ...loadedVarsFiles };
    this.roleDefaults = Object.assign({}, ...play.roles.map((r) => r.defaults));
    this.roleVars = Object.assign({}, ...play.roles.map((r) => r.vars));
    this.playHosts = markRaw(hosts);
    this.failedHosts.clear();
    this.activeHosts = markRaw(hosts);
    this.batchHosts = hosts;
    this.activeBatch = hosts;
  }

  startBatch(hosts: string[]): void {
    this.batchHosts = markRaw(hosts);
    this.activeBatch = markRaw(hosts.filter((h) => !this.failedHosts.has(h)));
  }

  /**
   * A failed host leaves ansible_play_batch and ansible_play_hosts (not ansible_play_hosts_all);
   * a rescued one comes back.
   */
  hostFailed(host: string, failed = true): void {
    if (failed === this.failedHosts.has(host)) return;
    if (failed) this.failedHosts.add(host);
    else this.failedHosts.delete(host);
    this.activeHosts = markRaw(this.playHosts.filter((h) => !this.failedHosts.has(h)));
    this.activeBatch = markRaw(this.batchHosts.filter((h) => !this.failedHosts.has(h)));
  }

  hostFacts(host: string): Record<string, unknown> {
    let f = this.facts.get(host);
    if (!f) {
      f = {};
      this.facts.set(host, f);
    }
    return f;
  }

  /** Facts a task returned, stored where Ansible's strategy puts them for its action. */
  storeFacts(host: string, action: string, facts: Record<string, unknown>, cacheable: boolean): void {
    if (action === 'include_vars') this.factStore.setIncluded(host, facts);
    else if (action === 'set_fact') {
      Object.assign(this.hostFacts(host), facts);
      if (cacheable) this.factStore.setFacts(host, facts);
    } else this.factStore.setFacts(host, facts);
  }

  /** group_by / add_host: change the in-memory inventory; true when it changed. */
  changeInventory(op: InventoryOp): boolean {
    const changed = op.op === 'group_by' ? this.opts.inventory.addToGroup(op.host, op.group, op.parents) : this.opts.inventory.addHost(op.name, op.groups, op.vars);
    if (changed) this.groupsCache = undefined;
    return changed;
  }

  private groups(): Record<string, string[]> {
    if (!this.groupsCache) this.groupsCache = markRaw(Object.fromEntries(this.opts.inventory.groups()));
    return this.groupsCache;
  }

  /** hostvars[NAME]: inventory vars + facts of another host, templated lazily. */
  private hostView(name: string): Record<string, unknown> | undefined {
    const inv = this.opts.inventory.host(name);
    if (!inv && !this.facts.has(name) && !this.factStore.has(name)) return undefined;
    return lazyVars({
      ...this.roleDefaults,
      ...(inv ? this.opts.inventory.hostVars(name) : {}),
      ...this.factStore.factLayer(name),
      ...this.playVars,
      ...this.factStore.includedLayer(name),
      ...this.facts.get(name),
      ...this.opts.extraVars,
      // as Ansible's HostVars: a host's view holds no `hostvars` of its own (no cycle)
      ...withoutHostvars(this.magic(name)),
    });
  }

  private magic(host: string): Record<string, unknown> {
    const inv = this.opts.inventory.host(host);
    return {
      inventory_hostname: host,
      inventory_hostname_short: host.split('.')[0],
      inventory_file: null,
      inventory_dir: null,
      ...this.opts.inventory.magicVars(host),
      group_names: inv ? inv.groups : [],
      groups: this.groups(),
      hostvars: this.hostvars,
      playbook_dir: this.opts.playbookDir,
      ansible_play_hosts: this.activeHosts,
      ansible_play_hosts_all: this.playHosts,
      play_hosts: this.activeBatch,
      ansible_play_batch: this.activeBatch,
      ansible_play_name: this.play?.name,
      ...this.roleNames(),
      ansible_playbook_python: playbookPython(),
      ansible_check_mode: this.opts.checkMode,
      ansible_run_tags: this.opts.tags && this.opts.tags.length > 0 ? this.opts.tags : ['all'],
      ansible_skip_tags: this.opts.skipTags ?? [],
      ansible_forks: this.opts.forks ?? 5,
      ansible_verbosity: this.opts.verbosity ?? 0,
      ansible_version: ANSIBLE_COMPAT,
      ansible_config_file: null,
      ansible_diff_mode: this.opts.diffMode,
      omit: OMIT,
    };
  }

  /** role_names and friends, as VariableManager._get_magic_variables (sorted where Ansible's order is a set's). */
  private roleNames(): Record<string, unknown> {
    const roles = this.play?.roles ?? [];
    const play = roles.filter((r) => !r.dependency).map((r) => r.name);
    const deps = [...new Set(roles.filter((r) => r.dependency).map((r) => r.name))].sort();
    return {
      ansible_play_role_names: play,
      role_names: play,
      ansible_dependent_role_names: deps,
      ansible_role_names: [...new Set([...deps, ...play])].sort(),
    };
  }

  /** The full variable view for one task on one host (extra: loop vars and the like). */
  forTask(host: string, inh: Inherited, extra?: Record<string, unknown>): Record<string, unknown> {
    const role = inh.role;
    const layers: Record<string, unknown> = {
      ...this.roleDefaults,
      ...role?.defaults,
      ...this.opts.inventory.hostVars(host),
      ...this.factStore.factLayer(host),
      ...this.playVars,
      ...this.roleVars,
      ...role?.vars,
    };
    for (const v of inh.vars) Object.assign(layers, v);
    Object.assign(layers, this.factStore.includedLayer(host));
    Object.assign(layers, this.facts.get(host), role?.params, this.opts.extraVars, extra, this.magic(host));
    if (role) {
      layers['role_name'] = role.name;
      layers['role_path'] = role.path;
      layers['ansible_role_name'] = role.name;
    }
    // the playbook directory ends the search path (TaskExecutor adds the loader's basedir)
    if (inh.searchPath) layers['ansible_search_path'] = inh.searchPath.includes(this.opts.playbookDir) ? inh.searchPath : [...inh.searchPath, this.opts.playbookDir];
    return lazyVars(layers);
  }

  /**
   * Vars for a play-level expression before the play starts: its vars (and vars_files), extra
   * vars over them, groups and playbook_dir, as Ansible's get_vars(play=play) without a host.
   */
  playLevel(playVars: Record<string, unknown>): Record<string, unknown> {
    return lazyVars({ ...playVars, ...this.opts.extraVars, groups: this.groups(), playbook_dir: this.opts.playbookDir });
  }
}

export type { TaskNode };

let python: string | null | undefined;
/** ansible_playbook_python: Ansible gives its own interpreter; here the control machine's python3 on PATH (null if none). */
export function playbookPython(): string | null {
  if (python !== undefined) return python;
  python = null;
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, 'python3'), constants.X_OK);
      python = path.join(dir, 'python3');
      break;
    } catch {
      // not here
    }
  }
  return python;
}

function withoutHostvars(m: Record<string, unknown>): Record<string, unknown> {
  const { hostvars: _h, ...rest } = m;
  return rest;
}
