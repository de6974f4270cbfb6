/**
 * `remote_user`, `port` and `connection` on plays, blocks and tasks. As Ansible's PlayContext:
 * a connection variable (ansible_user, ansible_port, ansible_connection, from the inventory, play
 * vars or -e) wins over the keyword, which wins over the command line's -u. The keyword's value
 * becomes the variable the connection is opened with, so the pool keys its connections by it.
 */
import type { Inherited } from '../playbook/model.js';
import { templateValue } from '../template/index.js';

/** Each keyword, the variables that win over it, and the variable it stands for. */
const KEYWORD_VARS = [
  { key: 'remoteUser', keyword: 'remote_user', vars: ['ansible_user', 'ansible_ssh_user'] },
  { key: 'port', keyword: 'port', vars: ['ansible_port', 'ansible_ssh_port'] },
  { key: 'connection', keyword: 'connection', vars: ['ansible_connection'] },
] as const;

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

/**
 * The variables a task's connection is opened with: `vars` itself when no keyword applies, else
 * `vars` with the keywords' values under their variable names (templated with `vars`).
 */
export function connectionVars(inh: Pick<Inherited, 'remoteUser' | 'port' | 'connection'>, vars: Record<string, unknown>): Record<string, unknown> {
  const top: Record<string, unknown> = {};
  for (const k of KEYWORD_VARS) {
    const raw = inh[k.key];
    if (raw === undefined || k.vars.some((name) => isSet(vars[name]))) continue;
    const v = typeof raw === 'string' && raw.includes('{{') ? templateValue(raw, vars) : raw;
    if (!isSet(v)) continue;
    if (k.key === 'port' && !(typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v.trim())))) throw new Error(`port: ${JSON.stringify(v)} is not a port number`);
    top[k.vars[0]] = k.key === 'port' ? Number(v) : v;
  }
  if (Object.keys(top).length === 0) return vars;
  // a view, not a copy: reading every variable of `vars` would render each of them
  return new Proxy(vars, {
    get: (t, k) => (typeof k === 'string' && k in top ? top[k] : Reflect.get(t, k)),
    has: (t, k) => (typeof k === 'string' && k in top) || Reflect.has(t, k),
  });
}

/** The key of a host's connection in the pool: the same host reached as another user or port is another connection. */
export function connectionKey(host: string, vars: Record<string, unknown>): string {
  const user = vars['ansible_user'] ?? vars['ansible_ssh_user'];
  const port = vars['ansible_port'] ?? vars['ansible_ssh_port'];
  return isSet(user) || isSet(port) ? `${host}\u0000${isSet(user) ? String(user) : ''}\u0000${isSet(port) ? String(port) : ''}` : host;
}
