/**
 * Lazy variables: a view over variable layers (lowest precedence first) where a value that is
 * a template is rendered when it is read, against the same view. Role defaults such as
 * `dir: "{{ base }}/x"` work, and a cycle reports "recursive loop detected in template".
 */
import { UnsafeString } from '../yaml/unsafe.js';
import { templateValue, type Vars } from './engine.js';
import { TemplateError } from './errors.js';

const MISSING = Symbol('missing');
const RAW = new WeakSet<object>();
/** The layers under each lazy view (to build a view with one more layer on top). */
const LAYERS = new WeakMap<Vars, readonly Vars[]>();

/** Mark an object as data that is never templated (magic vars such as hostvars and groups). */
export function markRaw<T extends object>(obj: T): T {
  RAW.add(obj);
  return obj;
}

export function lazyVars(layers: Vars | readonly Vars[]): Vars {
  const list: readonly Vars[] = Array.isArray(layers) ? layers : [layers as Vars];
  const active: string[] = [];
  // A view is built per task and host: the layers do not change while it lives.
  const cache = new Map<string, unknown>();

  const raw = (name: string): unknown => {
    for (let i = list.length - 1; i >= 0; i--) {
      const layer = list[i]!;
      if (Object.prototype.hasOwnProperty.call(layer, name)) return layer[name];
    }
    return MISSING;
  };

  const resolve = (name: string): unknown => {
    const r = raw(name);
    if (r === MISSING) return undefined;
    if (r instanceof UnsafeString) return r.value;
    if (r === null || (typeof r !== 'string' && typeof r !== 'object')) return r;
    if (typeof r === 'object' && RAW.has(r)) return r;
    if (cache.has(name)) return cache.get(name);
    if (active.includes(name)) {
      const chain = [...active.slice(active.indexOf(name)), name].map((n) => `'${n}'`).join(' -> ');
      throw new TemplateError(typeof r === 'string' ? r : name, `recursive loop detected in template: ${chain}`);
    }
    active.push(name);
    try {
      const v = templateValue(r, proxy);
      cache.set(name, v);
      return v;
    } finally {
      active.pop();
    }
  };

  const proxy: Vars = new Proxy(Object.create(null) as Vars, {
    get: (_t, name) => (typeof name === 'string' ? resolve(name) : undefined),
    has: (_t, name) => typeof name === 'string' && raw(name) !== MISSING,
    ownKeys: () => [...new Set(list.flatMap((l) => Object.keys(l)))],
    getOwnPropertyDescriptor: (_t, name) => {
      if (typeof name !== 'string' || raw(name) === MISSING) return undefined;
      return { configurable: true, enumerable: true, writable: false, value: resolve(name) };
    },
    set: () => false,
  });
  LAYERS.set(proxy, list);
  return proxy;
}

/**
 * A fresh view of a lazy view's layers with `top` above them: every template renders again and
 * sees `top` (as Ansible templates a task's vars against vars_copy, the registered result
 * included, each time it evaluates until / changed_when / failed_when). undefined when `view`
 * is not a lazy view.
 */
export function lazyWithTop(view: Vars, top: Vars): Vars | undefined {
  const layers = LAYERS.get(view);
  return layers ? lazyVars([...layers, top]) : undefined;
}
