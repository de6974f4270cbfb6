/** Conditions and the variables they see: `when`, and the registered result for changed_when/failed_when/until. */
import type { TaskNode } from '../playbook/model.js';
import { evalCondition, lazyWithTop, markRaw } from '../template/index.js';

export function whenHolds(when: unknown[], vars: Record<string, unknown>): boolean {
  return when.every((w) => evalCondition(w, vars));
}

/** A condition keyword's value as a list (a single condition or several, all of which apply). */
export function conditions(c: unknown): unknown[] {
  if (c === undefined || c === null) return [];
  return Array.isArray(c) ? c : [c];
}

/** `top` over `base` without copying base (a lazy view whose every read may render a template). */
export function overlay(base: Record<string, unknown>, top: Record<string, unknown>): Record<string, unknown> {
  const own = (k: string | symbol): k is string => typeof k === 'string' && Object.prototype.hasOwnProperty.call(top, k);
  return new Proxy(top, {
    get: (t, k) => (own(k) ? t[k] : Reflect.get(base, k)),
    has: (_t, k) => own(k) || Reflect.has(base, k),
    ownKeys: () => [...new Set([...Reflect.ownKeys(base), ...Reflect.ownKeys(top)])],
    getOwnPropertyDescriptor: (t, k) => (own(k) ? Reflect.getOwnPropertyDescriptor(t, k) : Reflect.getOwnPropertyDescriptor(base, k) && { configurable: true, enumerable: true, value: Reflect.get(base, k) }),
  });
}

/**
 * Variables for changed_when/failed_when/until: the registered result by its name (or at top
 * level) over the task's variables, which render again so that a task var reading the result
 * (`vars: {ready: "{{ r.rc == 0 }}"}`, `until: ready`) sees this attempt's. The result is data,
 * never templated.
 */
export function resultVars(task: TaskNode, vars: Record<string, unknown>, registered: Record<string, unknown>): Record<string, unknown> {
  const top = task.register ? { [task.register]: markRaw(registered) } : registered;
  return (task.register ? lazyWithTop(vars, top) : undefined) ?? overlay(vars, top);
}
