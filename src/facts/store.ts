/**
 * The run's fact cache and include_vars values, per host, as Ansible's VariableManager keeps
 * them: `setup` facts and `set_fact: cacheable=true` go to the fact cache (seen as
 * `ansible_facts.*` without the prefix and, INJECT_FACTS_AS_VARS, as top-level variables between
 * host vars and play vars); include_vars values sit above task vars and below set_fact.
 */

/** Connection and interpreter settings a fact may not override (Ansible's clean_facts). */
const RESTRICTED = /^ansible_(host|port|user|connection|password|ssh_(?!host_key_).*|become.*|shell_.*|.*_interpreter|ssh_pass)$/;

export class FactStore {
  private readonly cache = new Map<string, Record<string, unknown>>();
  private readonly included = new Map<string, Record<string, unknown>>();

  has(host: string): boolean {
    return this.cache.has(host) || this.included.has(host);
  }

  /** set_host_facts: a shallow update of the host's cached facts. */
  setFacts(host: string, facts: Record<string, unknown>): void {
    this.cache.set(host, { ...this.cache.get(host), ...facts });
  }

  /** set_host_variable: include_vars values. */
  setIncluded(host: string, vars: Record<string, unknown>): void {
    this.included.set(host, { ...this.included.get(host), ...vars });
  }

  /** The facts layer of a host's variables: `ansible_facts` plus the facts themselves. */
  factLayer(host: string): Record<string, unknown> {
    const facts = this.cache.get(host) ?? {};
    const layer: Record<string, unknown> = {};
    const namespaced: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(facts)) {
      namespaced[k.startsWith('ansible_') && k !== 'ansible_local' ? k.slice(8) : k] = v;
      if (!RESTRICTED.test(k)) layer[k] = v;
    }
    layer['ansible_facts'] = namespaced;
    return layer;
  }

  includedLayer(host: string): Record<string, unknown> {
    return this.included.get(host) ?? {};
  }
}

/** Where a task's returned facts go, as Ansible's strategy decides (delegate_facts, run_once). */
export function factTargets(host: string, delegatedTo: string | undefined, delegateFacts: boolean | undefined): string {
  return delegatedTo !== undefined && delegateFacts ? delegatedTo : host;
}
