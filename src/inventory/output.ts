/** `ansible-inventory --list` and `--graph` renderings. */
import type { Group, Host, InventoryData, Vars } from './data.js';

export function listJson(data: InventoryData, hostVars: (h: Host) => Vars): Record<string, unknown> {
  const seen = new Set<string>();
  const results: Record<string, unknown> = {};
  const format = (g: Group): void => {
    const entry: Record<string, unknown> = {};
    results[g.name] = entry;
    if (g.name !== 'all' && g.hosts.length > 0) entry['hosts'] = g.hosts.map((h) => h.name);
    const children: string[] = [];
    for (const sub of g.children) {
      children.push(sub.name);
      if (!seen.has(sub.name)) {
        format(sub);
        seen.add(sub.name);
      }
    }
    if (children.length > 0) entry['children'] = children;
    if (Object.keys(entry).length === 0) delete results[g.name];
  };
  format(data.groups.get('all')!);
  const hostvars: Record<string, Vars> = {};
  for (const h of data.groups.get('all')!.allHosts()) {
    const v = hostVars(h);
    if (Object.keys(v).length > 0) hostvars[h.name] = v;
  }
  return { _meta: { hostvars }, ...results };
}

export function graphText(data: InventoryData, start: string): string {
  const top = data.groups.get(start);
  if (!top) throw new Error(`pattern must be a valid group name when using --graph: ${start}`);
  const lines: string[] = [];
  const name = (s: string, depth: number) => (depth ? `${'  |'.repeat(depth)}--${s}` : s);
  const walk = (g: Group, depth: number): void => {
    lines.push(name(`@${g.name}:`, depth));
    for (const kid of g.children) walk(kid, depth + 1);
    if (g.name !== 'all') for (const h of g.hosts) lines.push(name(h.name, depth + 1));
  };
  walk(top, 0);
  return lines.join('\n');
}
