/** Evaluating host patterns against inventory data, in Ansible's order (inventory/manager.py). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Host, type InventoryData, LOCALHOST_NAMES } from './data.js';
import { InventoryError } from './errors.js';
import { applySubscript, compileMatcher, matchesHostsToo, orderPatterns, splitPatterns, splitSubscript } from './patterns.js';

export class Selector {
  private readonly cache = new Map<string, { hosts: Host[]; warning?: string }>();

  constructor(
    private readonly data: InventoryData,
    private readonly localhost: (name: string) => Host | undefined,
    private readonly cwd: string,
  ) {}

  /** Hosts for `pattern`, restricted to `limit` (Ansible's --limit) when given. */
  select(pattern: string | readonly string[], limit?: string): { hosts: Host[]; warnings: string[] } {
    const warnings = new Set<string>();
    let hosts = this.evaluate(splitPatterns(pattern), warnings);
    if (limit !== undefined && limit !== '') {
      const allowed = new Set(this.evaluate(this.limitPatterns(limit), warnings));
      hosts = hosts.filter((h) => allowed.has(h));
    }
    return { hosts: [...new Set(hosts)], warnings: [...warnings] };
  }

  private limitPatterns(limit: string): string[] {
    const out: string[] = [];
    for (const p of splitPatterns(limit)) {
      if (p[0] !== '@') {
        out.push(p);
        continue;
      }
      const file = resolve(this.cwd, p.slice(1));
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        const code = (e as { code?: string }).code;
        throw new Error(code === 'EISDIR' ? `limit starting with "@" must be a file, not a directory: ${p.slice(1)}` : `unable to find limit file ${p.slice(1)}`);
      }
      out.push(...text.split('\n').map((l) => l.trim()));
    }
    return out;
  }

  evaluate(patterns: readonly string[], warnings: Set<string>): Host[] {
    let hosts: Host[] = [];
    for (const p of orderPatterns(patterns)) {
      const plain = this.data.hosts.get(p);
      if (plain) {
        hosts.push(plain);
        continue;
      }
      const that = this.matchOne(p, warnings);
      if (p[0] === '!') {
        const drop = new Set(that);
        hosts = hosts.filter((h) => !drop.has(h));
      } else if (p[0] === '&') {
        const keep = new Set(that);
        hosts = hosts.filter((h) => keep.has(h));
      } else {
        const existing = new Set(hosts);
        for (const h of that) if (!existing.has(h)) hosts.push(h);
      }
    }
    return hosts;
  }

  private matchOne(pattern: string, warnings: Set<string>): Host[] {
    const p = pattern[0] === '&' || pattern[0] === '!' ? pattern.slice(1) : pattern;
    let hit = this.cache.get(p);
    if (!hit) {
      const [expr, sub] = splitSubscript(p);
      const found = this.enumerate(expr);
      const hosts = applySubscript(found.hosts, sub);
      if (hosts === null) throw new InventoryError([`no hosts matched the subscripted pattern '${p}'`]);
      hit = found.warning === undefined ? { hosts } : { hosts, warning: found.warning };
      this.cache.set(p, hit);
    }
    if (hit.warning) warnings.add(hit.warning);
    return hit.hosts;
  }

  private enumerate(expr: string): { hosts: Host[]; warning?: string } {
    const re = compileMatcher(expr);
    const results: Host[] = [];
    let groupsMatched = false;
    for (const [name, g] of this.data.groups) {
      if (!re.test(name)) continue;
      groupsMatched = true;
      for (const h of g.allHosts()) results.push(h);
    }
    if (!groupsMatched || matchesHostsToo(expr)) {
      for (const [name, h] of this.data.hosts) if (re.test(name)) results.push(h);
    }
    if (results.length === 0 && LOCALHOST_NAMES.has(expr)) {
      const local = this.localhost(expr);
      if (local) results.push(local);
    }
    if (results.length === 0 && !groupsMatched && expr !== 'all') {
      return { hosts: results, warning: `Could not match supplied host pattern, ignoring: ${expr}` };
    }
    return { hosts: results };
  }
}
