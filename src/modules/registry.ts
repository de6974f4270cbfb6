/** The module registry: name and aliases (incl. ansible.builtin.NAME) → definition. */
import type { AnyModule } from './types.js';

const modules = new Map<string, AnyModule>();
const canonical: AnyModule[] = [];

export function registerModule(def: AnyModule): void {
  canonical.push(def);
  for (const n of [def.name, `ansible.builtin.${def.name}`, `ansible.legacy.${def.name}`, ...(def.aliases ?? [])]) modules.set(n, def);
}

export function getModule(name: string): AnyModule | undefined {
  return modules.get(name);
}

export function moduleNames(): string[] {
  return [...modules.keys()];
}

export function allModules(): readonly AnyModule[] {
  return canonical;
}
